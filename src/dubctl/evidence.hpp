#pragma once
// What a scenario run leaves behind for a person: the figures its steps measured (collected while
// they run), the media service's record of the stream, and the artifacts made from them after the
// scenario: dubbed.mp4 (MediaMTX's recording of live/<stream>/out, all segments joined, remuxed),
// original.mp4 (the fixture as published, remuxed) and the data of report.html.
#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dub/media/drift.hpp"
#include "endpoints.hpp"
#include "heard.hpp"
#include "junit.hpp"
#include "loudness.hpp"
#include "redact.hpp"
#include "report.hpp"
#include "report_json.hpp"
#include "steps/options.hpp"

namespace dubctl {

struct ScenarioEvidence {
  std::string stream;               // the scenario's ${stream}
  std::filesystem::path recording;  // its ${recording} (readback.hpp); empty: MediaMTX's default folder
  std::filesystem::path fixture;    // what a publish step sent (resolved path)
  double publish_stop_after_s = 0;  // the publish step stopped after this much media (0: whole fixture)
  // When the publish step sent its first packet (after wait_reader, if any): what the worker's
  // ingest (US1-1) is measured from.
  std::optional<std::chrono::system_clock::time_point> published_at;
  // A worker that joins the live stream mid-GOP (without wait_reader, or its first keyframe lost)
  // starts its picture at the next keyframe, after its sound. Audio start - video start of its input,
  // as the media service read it (`input_start`, taken by a verify worker step): what the drift
  // check does not count.
  std::optional<double> source_start_offset_s;
  bool monitored = false;                        // a monitor step watched STS
  std::optional<dub::media::DriftReport> drift;  // from a verify media step (its source says of what)
  std::optional<double> media_span_s;            // what a verify media step probed: its length
  std::string media_source;                      // and which file
  std::optional<double> similarity;              // from a verify media step (unlike:)
  std::string similarity_source;                 // what that step compared with the fixture
  double max_similarity = 0.8;
  std::optional<double> max_drift_ms;      // the verify media step's bound
  std::vector<nlohmann::json> summaries;   // STS /monitor fragment summaries of the stream
  nlohmann::json worker;                   // media service GET /v1/streams/<stream> (null: not fetched)
  std::optional<HeardVerdict> heard;       // from a verify heard step: what the independent judge heard
  std::optional<LoudnessReport> loudness;  // from a verify media step with `loudness`
  // VmRSS (kB) of each "stack/service" at its first verify rss step: what `max_growth_mb` is from.
  std::map<std::string, long long> rss_first_kb;
  std::vector<std::string> notes;
  std::vector<report::StepRow> steps;  // every step of the scenario: planned, then as each ran (runner.cpp)

  [[nodiscard]] bool has_media() const { return !fixture.empty() || monitored; }
  // When the scenario sent media through a media service, asks it for its record of the stream
  // (per-fragment round trip and outcome); a failure becomes a note.
  void fetch_worker(const Scenario& scenario, const EnvMap& vars);
};

// Makes the scenario's artifacts under `scenario_dir` (dubbed.mp4, original.mp4; with a suffix
// for repeats) and everything report.html shows about it. `artifacts` is the report's folder
// (links are relative to it). Never throws: what cannot be made becomes a note.
report::ScenarioReport build_scenario_report(const Scenario& scenario, const TestCase& tc, const ScenarioEvidence& ev,
                                             int iteration, const std::filesystem::path& root,
                                             const std::filesystem::path& artifacts);

// Writes report.html to `files.html` (and report.png beside it when Chromium is installed; its links
// to the artifacts made relative to its folder) with the run's secrets masked by `redactor`, then
// prints to stderr the summary table, `after_table`, and the paths of the reports and artifacts.
void finish_run(const std::filesystem::path& artifacts, const report::ReportFiles& files, const report::RunReport& run,
                const std::string& after_table, const Redactor& redactor);

}  // namespace dubctl
