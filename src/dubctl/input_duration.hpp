#pragma once
// `duration_s: input` in `verify: {media: ..., expect: ...}`: the output's length held to the input's,
// where the input is what the scenario's publish step sent: its fixture cut where that step stopped
// (`stop_after`), measured as report.html's original.mp4 is (remuxed, then probed), so a publish cut
// short lowers the expectation with it. A constant `duration_s: 30` goes through the same check.
#include <filesystem>
#include <optional>
#include <string>

#include "dub/media/probe.hpp"

namespace dubctl {

// Copies `fixture` into `target` (no re-encoding), cut after `stop_after_s` of media (0: whole), as a
// publish step with that `stop_after` sends it, and returns the span of `target` (MediaInfo::span_s).
// Throws dub::Error naming the file.
double remux_published(const std::filesystem::path& fixture, double stop_after_s, const std::filesystem::path& target);

// The length a verify step holds its media to.
struct DurationBound {
  double expected_s = 0;
  double tolerance_s = 0.5;
  std::string input;  // "" for a constant; else what the input was ("6s-hello-world.mp4 as published")
};

// What `input` says of a publish of `fixture` stopped after `stop_after_s` (0: not stopped).
std::string describe_input(const std::filesystem::path& fixture, double stop_after_s);

// nullopt when `media` spans bound.expected_s ± bound.tolerance_s; else a message naming both figures
// (the media's span, where it starts and ends; the expected length and, for `input`, of what) and the
// tolerance.
std::optional<std::string> duration_problem(const DurationBound& bound, const dub::media::MediaInfo& media);

}  // namespace dubctl
