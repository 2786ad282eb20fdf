#pragma once
// `verify: {heard: ...}`: an independent judge listens to the dubbed output. The recording's audio
// is decoded to 16 kHz mono and handed to `python -m dub_judge` (src/sts-service/dub_judge) in a
// container of its own with no network: a multilingual Whisper that identifies the language of
// each window and transcribes it, knowing nothing of the STS service or its self-report. This is
// the proof that the output is Spanish speech, which FLV's missing language tag cannot give.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "steps/options.hpp"

namespace dubctl {

// One window as the judge heard it and as the check judged it.
struct HeardWindow {
  int index = 0;
  double start_s = 0;
  double end_s = 0;
  bool silent = false;
  std::string language;           // the judge's top language; empty when silent
  double probability = 0;         // of `language`
  double p_expected = 0;          // of the language this window must be heard in
  double p_other = 0;             // of the other one (the original's for a dubbed window, the dub's for a passthrough)
  double confidence = 0;          // p_expected / (p_expected + p_other)
  std::string text;               // as the judge heard it, in `language`
  std::string text_in_expected;   // decoded in the expected language (dub_judge --decode-in): the words counted
  std::string expected_language;  // "" when no speech is expected here (not judged)
  bool passthrough = false;       // the media service sent the original audio for this window
  std::string expected_text;      // the original's words here (reference), for the report
  std::string verdict;            // "ok", or what is wrong
};

struct HeardVerdict {
  std::vector<HeardWindow> windows;
  std::vector<std::string> problems;
  double coverage = 1;  // share of the expected Spanish words heard (1 without a reference)
  std::size_t expected_words = 0;
  std::vector<std::string> missing_words;
};

// Judges the dub_judge output `heard` (its JSON) against the step's bounds. `reference` is the
// sidecar (null: none); `passthrough` holds the window indexes the media service passed through.
HeardVerdict judge_heard(const nlohmann::json& heard, const VerifyHeardStep& step, const nlohmann::json& reference,
                         const std::set<int>& passthrough, const std::string& passthrough_language);

// The window indexes whose fragments the media service passed through (GET /v1/streams/<stream>:
// fragments with status "passthrough"), a fragment's window being round(pts / window).
std::set<int> passthrough_windows(const nlohmann::json& worker, double window_s);

// Runs the step: decodes `media` into <scenario_dir>/heard/heard.wav, runs the judge, writes its
// JSON beside it, adds JUnit properties and returns the judged windows in `evidence`. Throws
// dub::Error with every problem when a bound is not met.
std::string verify_heard(const VerifyHeardStep& step, const std::filesystem::path& root,
                         const std::filesystem::path& scenario_dir,
                         std::vector<std::pair<std::string, std::string>>& properties, HeardVerdict& evidence);

}  // namespace dubctl
