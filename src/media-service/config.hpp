#pragma once
// media-service configuration: environment variables only (documented in README.md next to this file).
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "backoff.hpp"
#include "faults.hpp"

namespace dub::media_service {

struct ServiceConfig {
  std::string host = "0.0.0.0";
  std::uint16_t port = 8080;
  std::string log_level = "info";
  std::string rtsp_url = "rtsp://mediamtx:8554";
  std::string rtmp_url = "rtmp://mediamtx:1935";
  // The STS is another compose project, reached through the host's published port (compose/media
  // maps host.docker.internal); http://sts-service:<port> when both projects share a network.
  // Several STS: their URLs separated by commas, each connection to the next (sts_replicas.hpp).
  std::string sts_url = "http://host.docker.internal:3000";
  std::string sts_path = "/socket.io";
  std::string sts_mode = "socketio";  // "socketio" or "echo" (in-process, no STS)
  std::string sts_auth_token;
  std::chrono::milliseconds segment_duration{6000};
  std::chrono::milliseconds fragment_timeout{30000};
  int max_inflight = 3;
  std::string source_language = "en";
  std::string target_language = "es";
  std::string segment_dir;  // empty: fragments are not written to disk
  bool metrics_enabled = true;
  int sts_connect_retries = 3;
  std::chrono::milliseconds sts_backoff_initial{1000};
  std::chrono::milliseconds sts_reconnect_max_backoff{5000};  // once on air: retried without limit, capped delay
  std::chrono::milliseconds sts_connect_timeout{10000};
  std::chrono::milliseconds sts_health_interval{10000};
  int sample_rate = 48000;
  int channels = 0;  // 0 = keep the source's
  int audio_bitrate = 128000;
  std::string audio_encoder = "auto";
  std::chrono::milliseconds rtsp_latency{200};
  std::string rtsp_buffer_mode = "none";
  std::string rtsp_sync = "rtp-info";
  std::chrono::milliseconds audio_jitter_tolerance{40};
  std::chrono::milliseconds audio_discont_wait{1000};
  bool output_pacing = true;  // render RTMP output at the clock
  // Silence before the program on an RTMP output, covering the server's track-probe window (leadin.hpp).
  std::chrono::milliseconds rtmp_leadin{2000};
  // How long the paced output, once it has played everything before the next fragment, waits for
  // that fragment's dub before sending its original audio: under the RTMP server's read timeout
  // (MediaMTX: 10 s), which closes a publisher that sends nothing for that long.
  std::chrono::milliseconds output_max_stall{3000};
  std::size_t max_finished_workers = 50;
  std::chrono::milliseconds shutdown_timeout{8000};
  Faults faults;  // test-only fault injection, off unless MEDIA_FAULTS_ENABLED=1 (faults.hpp)

  // Reads the environment. Throws dub::Error naming the variable on a malformed value.
  static ServiceConfig from_env();
  [[nodiscard]] BackoffPolicy sts_backoff() const;
  // For /health and the startup log (the auth token is masked).
  [[nodiscard]] nlohmann::json to_json() const;
};

}  // namespace dub::media_service
