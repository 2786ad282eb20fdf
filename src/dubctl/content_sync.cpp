#include "content_sync.hpp"

#include <fmt/format.h>

#include <cmath>

#include "scenario_reader.hpp"

namespace dubctl {

std::vector<std::pair<std::string, std::string>> ContentSyncOutcome::properties() const {
  return {{"content_marker_pairs", std::to_string(report.pairs.size())},
          {"content_video_markers", std::to_string(report.video_markers)},
          {"content_offset_mean_ms", fmt::format("{:+.1f}", report.mean_offset_s * 1000.0)},
          {"content_offset_max_ms", fmt::format("{:.1f}", report.max_abs_offset_s * 1000.0)}};
}

ContentSyncOutcome judge_content_sync(dub::media::MarkerSyncReport report, const ContentSyncExpect& expect) {
  ContentSyncOutcome out;
  out.report = std::move(report);
  const auto& r = out.report;
  const double window_ms = dub::media::MarkerSyncOptions{}.max_pair_s * 1000.0;
  if (r.video_markers == 0) {
    out.problems.emplace_back(
        "content sync: the picture has no word markers (the white box the counting fixtures of "
        "fixtures/test_streams light as each word starts): is the source made from one of them?");
    return out;
  }
  if (r.pairs.size() < static_cast<std::size_t>(expect.min_markers)) {
    out.problems.push_back(fmt::format(
        "content sync: only {} of the picture's {} word markers have an audio onset within {:.0f} ms ({} onset(s) "
        "heard; at least {} needed): the audio is not the original speech (a dub?), is buried in noise, or is more "
        "than {:.0f} ms off",
        r.pairs.size(), r.video_markers, window_ms, r.audio_onsets, expect.min_markers, window_ms));
    return out;
  }
  const double max_ms = r.max_abs_offset_s * 1000.0;
  if (max_ms > expect.max_offset_ms) {
    const double mean_ms = r.mean_offset_s * 1000.0;
    out.problems.push_back(fmt::format(
        "content sync: audio {:.0f} ms {} against the picture's word markers (mean of {} markers; max |A-V| "
        "{:.1f} ms, over the {:g} ms bound)",
        std::abs(mean_ms), mean_ms >= 0 ? "late" : "early", r.pairs.size(), max_ms, expect.max_offset_ms));
  }
  return out;
}

ContentSyncOutcome check_content_sync(const std::string& source, const ContentSyncExpect& expect) {
  return judge_content_sync(dub::media::analyze_marker_sync(source), expect);
}

namespace scenario_detail {

std::optional<ContentSyncExpect> parse_content_sync(Reader& e) {
  const bool has_bound = e.has("max_content_offset_ms");
  const bool has_min = e.has("min_content_markers");
  if (!has_bound && !has_min) return std::nullopt;
  ContentSyncExpect x;
  if (!has_bound) {
    e.report(e.get("min_content_markers"), e.key_path("min_content_markers"),
             "needs max_content_offset_ms beside it (the content sync bound it belongs to)");
    return std::nullopt;
  }
  const auto n = e.get("max_content_offset_ms");
  x.max_offset_ms = e.number("max_content_offset_ms", n);
  const double window_ms = dub::media::MarkerSyncOptions{}.max_pair_s * 1000.0;
  if (x.max_offset_ms < 0 || x.max_offset_ms >= window_ms) {
    e.report(n, e.key_path("max_content_offset_ms"),
             fmt::format("{:g} must be at least 0 and under {:g} (a marker pairs only with a sound at most {:g} ms "
                         "away)",
                         x.max_offset_ms, window_ms, window_ms));
  }
  x.min_markers = e.integer("min_content_markers", x.min_markers, 1, 100000);
  return x;
}

}  // namespace scenario_detail

}  // namespace dubctl
