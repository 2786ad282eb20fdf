#include "leadin.hpp"

#include <algorithm>

namespace dub::media_service {

std::int64_t rtmp_leadin_samples(std::chrono::milliseconds probe_window, int sample_rate,
                                 std::int64_t video_reorder_ns) {
  if (probe_window.count() <= 0 || sample_rate <= 0) return 0;
  // Packet k starts at k * 1024 / rate. The probe ends at the first packet whose timestamp is
  // >= window, and that packet is dropped as well: the lead-in needs packets 0..k_end, where
  // k_end is the first index with k * 1024 / rate >= window (+ the video's reorder delay).
  const std::int64_t window_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(probe_window).count() +
                                 std::max<std::int64_t>(0, video_reorder_ns);
  const std::int64_t per_packet_ns_num = kAacFrameSamples * 1'000'000'000LL;  // / sample_rate
  // ceil(window_ns * rate / (1024 * 1e9))
  const std::int64_t k_end = (window_ns * sample_rate + per_packet_ns_num - 1) / per_packet_ns_num;
  return (k_end + 1) * kAacFrameSamples;
}

}  // namespace dub::media_service
