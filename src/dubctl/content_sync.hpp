#pragma once
// A/V sync judged from the content, not from timestamps: the counting fixtures' picture lights a
// white box from the instant each counted word starts (fixtures/test_streams/README.md), and
// libdub's analyze_marker_sync pairs every box with the nearest audio onset within 0.5 s:
//   verify:
//     media: ${recording}
//     expect: {max_content_offset_ms: 80, min_content_markers: 25}
// Checked: at least min_content_markers boxes pair with an onset (fewer: the audio is not the
// original speech, e.g. a dub, or the picture has no markers), and every pair's |audio - picture| is
// at most max_content_offset_ms. Pairing is by content, so an output whose picture starts at a later
// keyframe (a reader joining mid-GOP) loses markers, not sync. Offsets are read within ±0.5 s of each
// marker (the markers are 1 s apart): a whole second off reads as in sync (max_drift_ms sees that).
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dub/media/drift.hpp"

namespace dubctl {

namespace scenario_detail {
class Reader;
}

struct ContentSyncExpect {
  double max_offset_ms = 80;  // max_content_offset_ms
  int min_markers = 10;       // min_content_markers: paired markers needed for a verdict
};

struct ContentSyncOutcome {
  dub::media::MarkerSyncReport report;
  std::vector<std::string> problems;  // empty: in sync

  // JUnit properties: content_marker_pairs, content_video_markers, content_offset_mean_ms,
  // content_offset_max_ms (the largest |audio - picture|).
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> properties() const;
};

// The verdict on a measured report (no media read).
ContentSyncOutcome judge_content_sync(dub::media::MarkerSyncReport report, const ContentSyncExpect& expect);

// Measures `source` (analyze_marker_sync) and judges it. Throws dub::Error when it cannot be read or
// lacks audio or video.
ContentSyncOutcome check_content_sync(const std::string& source, const ContentSyncExpect& expect);

namespace scenario_detail {
// `max_content_offset_ms` and `min_content_markers` of a verify media `expect:` mapping; nullopt
// when neither is there; min_content_markers alone is refused.
std::optional<ContentSyncExpect> parse_content_sync(Reader& expect);
}  // namespace scenario_detail

}  // namespace dubctl
