#pragma once
// What one worker needs to know: its stream (name, source, sink, languages) and the service's
// settings that shape it.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "backoff.hpp"

namespace dub::media_service {

struct WorkerOptions {
  std::string name;    // stream name (live/<name>/in)
  std::string source;  // rtsp://... or a media file path (file:// accepted)
  std::string sink;    // rtmp://... or an output file path (FLV)
  std::int64_t segment_ns = 6'000'000'000;
  std::size_t max_inflight = 3;
  std::chrono::milliseconds fragment_timeout{30000};
  BackoffPolicy sts_backoff;  // the first STS connection: 3 retries, 1 s doubling
  // Once on air, a lost STS connection is retried without limit in the background, the backoff
  // doubling from sts_backoff's initial delay up to this (sts_link.hpp).
  std::chrono::milliseconds sts_reconnect_max_backoff{5000};
  std::chrono::milliseconds sts_open_timeout{10000};
  std::string source_language = "en";
  std::string target_language = "es";
  int sample_rate = 48000;
  int channels = 0;  // 0: keep the source's channel count (downmixed to 2 if more)
  int audio_bitrate = 128000;
  std::string audio_encoder = "auto";  // or avenc_aac, voaacenc, fdkaacenc
  std::string segment_dir;             // non-empty: write <dir>/<name>/<seq>-{in,out}.wav
  std::chrono::milliseconds rtsp_latency{200};
  // Output pacing: render at the clock (live-like RTMP) instead of as fast as possible.
  // Default: on for rtmp:// sinks, off for files.
  std::optional<bool> sync_output;
  // Silent audio before the program, so that an RTMP server's track probe drops no program media
  // (leadin.hpp). Set for rtmp:// sinks from RTMP_LEADIN; 0 = none.
  std::chrono::milliseconds output_leadin{0};
  // Play a file source at real time (appsinks synchronised to the clock), to simulate a live feed.
  bool pace_input = false;
  // After the source ends: how long to wait for the output to finish writing.
  std::chrono::milliseconds output_close_timeout{15000};
  // Segmenter: input timestamp deviations up to `jitter_tolerance_ns` are always kept contiguous;
  // larger ones are repaired (silence fill / drop) only once they have lasted `discont_wait_ns`.
  std::int64_t jitter_tolerance_ns = 40'000'000;
  std::int64_t discont_wait_ns = 1'000'000'000;
  // rtspsrc jitter-buffer mode: "none" (RTP timestamps), "slave", "buffer", "auto", "synced".
  std::string rtsp_buffer_mode = "none";
  // rtpbin "rtcp-sync": how streams are synchronised ("always", "initial", "rtp-info").
  std::string rtsp_sync = "rtp-info";
};

}  // namespace dub::media_service
