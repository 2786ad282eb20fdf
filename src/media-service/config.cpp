#include "config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <iterator>

#include "dub/util/env.hpp"
#include "dub/util/error.hpp"
#include "dub/util/log.hpp"
#include "sts_replicas.hpp"

namespace dub::media_service {

namespace {

// The RTMP output's settings: pacing, lead-in, how long it may wait for a fragment.
void read_output_settings(ServiceConfig& c) {
  c.output_pacing = env::get_bool("OUTPUT_PACING", c.output_pacing);
  c.rtmp_leadin = env::get_duration("RTMP_LEADIN", c.rtmp_leadin);
  if (c.rtmp_leadin > std::chrono::seconds(10)) {
    throw Error(fmt::format(
        "RTMP_LEADIN={} ms is more than 10 s: it only needs to cover the RTMP server's track probe (2 s for MediaMTX)",
        c.rtmp_leadin.count()));
  }
  c.output_max_stall = env::get_duration("OUTPUT_MAX_STALL", c.output_max_stall);
  if (c.output_max_stall < std::chrono::milliseconds(100) || c.output_max_stall > std::chrono::seconds(60)) {
    throw Error(fmt::format(
        "OUTPUT_MAX_STALL={} ms is outside 100 ms..60 s (keep it under the RTMP server's read timeout: 10 s for "
        "MediaMTX)",
        c.output_max_stall.count()));
  }
}

}  // namespace

ServiceConfig ServiceConfig::from_env() {
  ServiceConfig c;
  c.host = env::get_or("HOST", c.host);
  c.port = static_cast<std::uint16_t>(env::get_int("PORT", c.port, 1, 65535));
  c.log_level = env::get_or("LOG_LEVEL", c.log_level);
  (void)dub::log::parse_level(c.log_level);  // validate early
  c.rtsp_url = trim_slash(env::get_or("MEDIAMTX_RTSP_URL", c.rtsp_url));
  c.rtmp_url = trim_slash(env::get_or("MEDIAMTX_RTMP_URL", c.rtmp_url));
  // One STS or several, comma-separated (sts_replicas.hpp); checked here, normalised (no trailing '/').
  c.sts_url = fmt::format("{}", fmt::join(split_sts_urls(env::get_or("STS_SERVICE_URL", c.sts_url)), ","));
  c.sts_path = env::get_or("STS_SOCKETIO_PATH", c.sts_path);
  c.sts_mode = env::get_or("STS_MODE", c.sts_mode);
  if (c.sts_mode != "socketio" && c.sts_mode != "echo") {
    throw Error(
        fmt::format("STS_MODE='{}': use socketio (the real service) or echo (in-process, for tests)", c.sts_mode));
  }
  c.sts_auth_token = env::get_or("STS_AUTH_TOKEN", "");
  c.segment_duration = env::get_duration("SEGMENT_DURATION", c.segment_duration);
  if (c.segment_duration < std::chrono::milliseconds(100) || c.segment_duration > std::chrono::milliseconds(30000)) {
    throw Error(fmt::format("SEGMENT_DURATION={} ms is outside 100 ms..30 s (the STS accepts at most 30 s)",
                            c.segment_duration.count()));
  }
  c.fragment_timeout = env::get_duration("FRAGMENT_TIMEOUT", c.fragment_timeout);
  if (c.fragment_timeout < std::chrono::milliseconds(100)) throw Error("FRAGMENT_TIMEOUT must be at least 100 ms");
  c.max_inflight = static_cast<int>(env::get_int("MAX_INFLIGHT", c.max_inflight, 1, 64));
  c.source_language = env::get_or("SOURCE_LANGUAGE", c.source_language);
  c.target_language = env::get_or("TARGET_LANGUAGE", c.target_language);
  c.segment_dir = env::get_or("SEGMENT_DIR", "");
  c.metrics_enabled = env::get_bool("METRICS_ENABLED", c.metrics_enabled);
  c.sts_connect_retries = static_cast<int>(env::get_int("STS_CONNECT_RETRIES", c.sts_connect_retries, 0, 100));
  c.sts_backoff_initial = env::get_duration("STS_BACKOFF_INITIAL", c.sts_backoff_initial);
  c.sts_reconnect_max_backoff = env::get_duration("STS_RECONNECT_MAX_BACKOFF", c.sts_reconnect_max_backoff);
  if (c.sts_reconnect_max_backoff < std::chrono::milliseconds(100) ||
      c.sts_reconnect_max_backoff > std::chrono::minutes(10)) {
    throw Error(
        fmt::format("STS_RECONNECT_MAX_BACKOFF={} ms is outside 100 ms..10 min", c.sts_reconnect_max_backoff.count()));
  }
  c.sts_connect_timeout = env::get_duration("STS_CONNECT_TIMEOUT", c.sts_connect_timeout);
  c.sts_health_interval = env::get_duration("STS_HEALTH_INTERVAL", c.sts_health_interval);
  c.sample_rate = static_cast<int>(env::get_int("AUDIO_SAMPLE_RATE", c.sample_rate, 8000, 48000));
  static constexpr int kRates[] = {8000, 16000, 22050, 24000, 32000, 44100, 48000};
  if (std::find(std::begin(kRates), std::end(kRates), c.sample_rate) == std::end(kRates)) {
    throw Error(
        fmt::format("AUDIO_SAMPLE_RATE={} is not one the STS accepts (8000, 16000, 22050, 24000, 32000, "
                    "44100, 48000)",
                    c.sample_rate));
  }
  c.channels = static_cast<int>(env::get_int("AUDIO_CHANNELS", c.channels, 0, 2));
  c.audio_bitrate = static_cast<int>(env::get_int("AUDIO_BITRATE", c.audio_bitrate, 16000, 512000));
  c.audio_encoder = env::get_or("AUDIO_ENCODER", c.audio_encoder);
  c.rtsp_latency = env::get_duration("RTSP_LATENCY", c.rtsp_latency);
  c.rtsp_buffer_mode = env::get_or("RTSP_BUFFER_MODE", c.rtsp_buffer_mode);
  static constexpr const char* kModes[] = {"none", "slave", "buffer", "auto", "synced"};
  if (std::find(std::begin(kModes), std::end(kModes), c.rtsp_buffer_mode) == std::end(kModes)) {
    throw Error(fmt::format("RTSP_BUFFER_MODE='{}': use none, slave, buffer, auto or synced", c.rtsp_buffer_mode));
  }
  c.rtsp_sync = env::get_or("RTSP_SYNC", c.rtsp_sync);
  if (c.rtsp_sync != "always" && c.rtsp_sync != "initial" && c.rtsp_sync != "rtp-info") {
    throw Error(fmt::format("RTSP_SYNC='{}': use rtp-info, initial or always", c.rtsp_sync));
  }
  c.audio_jitter_tolerance = env::get_duration("AUDIO_JITTER_TOLERANCE", c.audio_jitter_tolerance);
  c.audio_discont_wait = env::get_duration("AUDIO_DISCONT_WAIT", c.audio_discont_wait);
  read_output_settings(c);
  c.max_finished_workers = static_cast<std::size_t>(
      env::get_int("MAX_FINISHED_WORKERS", static_cast<long>(c.max_finished_workers), 0, 10000));
  c.shutdown_timeout = env::get_duration("SHUTDOWN_TIMEOUT", c.shutdown_timeout);
  c.faults = Faults::from_env();
  return c;
}

BackoffPolicy ServiceConfig::sts_backoff() const {
  BackoffPolicy p;
  p.retries = sts_connect_retries;
  p.initial_delay = sts_backoff_initial;
  return p;
}

nlohmann::json ServiceConfig::to_json() const {
  return {{"host", host},
          {"port", port},
          {"log_level", log_level},
          {"mediamtx_rtsp_url", rtsp_url},
          {"mediamtx_rtmp_url", rtmp_url},
          {"sts_service_url", sts_url},
          {"sts_socketio_path", sts_path},
          {"sts_mode", sts_mode},
          {"sts_auth_token", sts_auth_token.empty() ? "" : "***"},
          {"segment_duration_ms", segment_duration.count()},
          {"fragment_timeout_ms", fragment_timeout.count()},
          {"max_inflight", max_inflight},
          {"source_language", source_language},
          {"target_language", target_language},
          {"segment_dir", segment_dir},
          {"metrics_enabled", metrics_enabled},
          {"sts_connect_retries", sts_connect_retries},
          {"sts_backoff_initial_ms", sts_backoff_initial.count()},
          {"sts_reconnect_max_backoff_ms", sts_reconnect_max_backoff.count()},
          {"sts_connect_timeout_ms", sts_connect_timeout.count()},
          {"audio_sample_rate", sample_rate},
          {"audio_channels", channels},
          {"audio_bitrate", audio_bitrate},
          {"audio_encoder", audio_encoder},
          {"rtsp_latency_ms", rtsp_latency.count()},
          {"rtsp_buffer_mode", rtsp_buffer_mode},
          {"rtsp_sync", rtsp_sync},
          {"audio_jitter_tolerance_ms", audio_jitter_tolerance.count()},
          {"audio_discont_wait_ms", audio_discont_wait.count()},
          {"output_pacing", output_pacing},
          {"rtmp_leadin_ms", rtmp_leadin.count()},
          {"output_max_stall_ms", output_max_stall.count()},
          {"faults", faults.to_json()}};
}

}  // namespace dub::media_service
