#pragma once
// Golden media descriptors (after gst-validate's .media_info): what a media file is, field by field,
// written once from a good run (`dubctl probe --write-golden`, `dubctl run --update-golden`) and
// compared with later runs' media (`verify: {media: ..., golden: FILE}`).
//
// The file is YAML: top-level `container`, `duration`, `start_time` and a `streams` list, each
// stream with `type`, `codec`, `profile`, `language`, `width`, `height`, `frame_rate`,
// `has_b_frames`, `sample_rate`, `channels`, `start_time`, `duration`, `packets`. A plain value
// must match exactly; `{value: V, tolerance: T}` within ±T. A field left out is not checked.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dub/media/probe.hpp"

namespace dubctl {

struct GoldenField {
  std::string name;
  std::optional<std::string> text = std::nullopt;  // a text field (codec, profile, ...); otherwise `value`
  double value = 0;
  std::optional<double> tolerance = std::nullopt;  // none: exact (numbers compared as written, to 3 decimals)
};

// The container's fields or one stream's, in the order they are written.
struct GoldenSection {
  std::vector<GoldenField> fields;
  [[nodiscard]] const GoldenField* find(const std::string& name) const;
};

struct Golden {
  GoldenSection media;
  std::vector<GoldenSection> streams;
};

// The defaults --write-golden gives: exact for codecs, sizes, rates and channels; ±0.5 s for
// durations, ±0.1 s for start times, ±1% for frame rates; packet counts within what 0.5 s of the
// stream holds. `info` needs its packets counted (ProbeOptions::count_packets) for `packets`.
Golden describe_golden(const dub::media::MediaInfo& info);

// Every field of `expected` that `got` does not match, one line each:
// "streams[1].sample_rate (audio): expected 48000, got 44100 (exact)".
std::vector<std::string> compare_golden(const Golden& expected, const Golden& got);

// `fresh`'s values in `old`'s shape: the fields `old` has, with its tolerances (exact stays exact);
// a stream `old` lacks comes with every field and the defaults. `changes` gets one line per value
// that moved ("streams[0].packets: 900 -> 905").
Golden update_golden(const Golden& old, const Golden& fresh, std::vector<std::string>& changes);

// How a number is written: an integer as one, else up to 3 decimals ("30", "29.97", "30.016").
std::string golden_number(double value);

// The file's text (with a header saying how to read it) and its reading: strict, every problem as
// "file:line: key: problem" (a dubctl::ScenarioError); a missing file is a dub::Error saying how
// to make one.
std::string golden_yaml(const Golden& golden);
Golden load_golden(const std::filesystem::path& file);
void write_golden(const std::filesystem::path& file, const Golden& golden);

// What `verify: {media: ..., golden: FILE}` does: compares `info` (its packets counted) with the
// file, each problem "golden <field>: ..."; or, with `update` (dubctl run --update-golden), rewrites
// the file from `info` (update_golden; a new file gets the defaults). `note` says which, and what
// changed, naming the file as `label`.
struct GoldenOutcome {
  std::vector<std::string> problems;
  std::string note;
};
GoldenOutcome check_golden(const std::filesystem::path& file, const std::string& label,
                           const dub::media::MediaInfo& info, bool update);

}  // namespace dubctl
