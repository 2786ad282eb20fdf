#pragma once
// What one worker needs to know: its stream (name, source, sink) and the service's settings
// (config.hpp, where each setting has its one default; the languages may be set per stream).
// Everything else is derived from those, here.
#include <chrono>
#include <cstdint>
#include <string>

#include "config.hpp"
#include "worker_common.hpp"

namespace dub::media_service {

struct WorkerOptions {
  std::string name;    // stream name (live/<name>/in)
  std::string source;  // rtsp://... or a media file path (file:// accepted)
  std::string sink;    // rtmp://... or an output file path (FLV)
  // Play a file source at real time (appsinks synchronised to the clock), to simulate a live feed.
  bool pace_input = false;
  ServiceConfig config;
  // After the source ends: how long to wait for the output to finish writing.
  std::chrono::milliseconds output_close_timeout{15000};

  [[nodiscard]] std::int64_t segment_ns() const { return ns(config.segment_duration); }
  [[nodiscard]] std::size_t max_inflight() const { return static_cast<std::size_t>(config.max_inflight); }
  // Segmenter: input timestamp deviations up to the tolerance are always kept contiguous; larger
  // ones are repaired (silence fill / drop) only once they have lasted the discont wait.
  [[nodiscard]] std::int64_t jitter_tolerance_ns() const { return ns(config.audio_jitter_tolerance); }
  [[nodiscard]] std::int64_t discont_wait_ns() const { return ns(config.audio_discont_wait); }
  // Output pacing: an RTMP output is rendered at the clock (live-like) unless OUTPUT_PACING is off;
  // a file is written as fast as possible.
  [[nodiscard]] bool sync_output() const { return is_rtmp(sink) && config.output_pacing; }
  // Silent audio before the program on an RTMP output, so that the server's track probe drops no
  // program media (leadin.hpp); none for files.
  [[nodiscard]] std::chrono::milliseconds output_leadin() const {
    return is_rtmp(sink) ? config.rtmp_leadin : std::chrono::milliseconds(0);
  }

 private:
  static std::int64_t ns(std::chrono::milliseconds d) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  }
};

}  // namespace dub::media_service
