#pragma once
// RTMP lead-in: MediaMTX reads the first 2 s (by timestamp) of every RTMP publish to detect its
// tracks and drops those packets (gortmplib's Reader, `analyzePeriod`), so the first 2 s of a
// program published over RTMP never reach its readers or its recording. The worker therefore
// opens its RTMP output with a lead-in of silent audio that covers that window, and the program
// starts right after it: nothing of the program is dropped. Measured before the lead-in: the
// recording of a 30 s program held 27.95 s of audio, its video started 0.9 s late.
#include <chrono>
#include <cstdint>

namespace dub::media_service {

// AAC-LC codes 1024 samples per packet.
inline constexpr std::int64_t kAacFrameSamples = 1024;

// Samples of silence to put before the program so that every packet inside `probe_window`
// (measured from the first packet) and the first packet at or after it are lead-in packets;
// `video_reorder_ns` (first video PTS - DTS) keeps the first video packet's DTS after the
// window too. A whole number of AAC packets, so the program starts on a packet boundary.
// 0 when `probe_window` is 0 (no lead-in).
std::int64_t rtmp_leadin_samples(std::chrono::milliseconds probe_window, int sample_rate,
                                 std::int64_t video_reorder_ns = 0);

}  // namespace dub::media_service
