#include "dub/sts/monitor.hpp"

#include <fmt/format.h>

#include "dub/sts/protocol.hpp"
#include "dub/util/error.hpp"
#include "fields.hpp"

namespace dub::sts::protocol {

using namespace detail;  // NOLINT(google-build-using-namespace): the field readers

StsFragmentSummary decode_fragment_summary(const nlohmann::json& payload) {
  const char* ev = kFragmentSummary;
  StsFragmentSummary s;
  decode_answer(payload, ev, s);
  s.client_sid = str(payload, ev, "client_sid");
  s.input_audio_sha256 = str(payload, ev, "input_audio_sha256");
  s.dubbed_audio_bytes = count(payload, ev, "dubbed_audio_bytes");
  s.dubbed_audio_sha256 = str(payload, ev, "dubbed_audio_sha256");
  s.dubbed_duration_ns = integer(payload, ev, "dubbed_duration_ns");
  if (const auto it = payload.find("stage_timings_ms"); it != payload.end() && it->is_object()) {
    s.stage_timings_ms = {number_or(*it, "asr", 0), number_or(*it, "translation", 0), number_or(*it, "tts", 0)};
  }
  return s;
}

StsMonitorHello decode_monitor_hello(const nlohmann::json& payload) {
  const char* ev = kMonitorHello;
  StsMonitorHello h;
  const auto version = integer(payload, ev, "protocol_version");
  if (version != kVersion) {
    throw Error(fmt::format("{}: protocol_version {} is not the supported {}", ev, version, kVersion));
  }
  h.mode = str(payload, ev, "mode");
  h.models = field(payload, ev, "models");
  const auto& recent = field(payload, ev, "recent");
  if (!recent.is_array()) throw Error(fmt::format("{}: 'recent' is not an array", ev));
  for (const auto& r : recent) h.recent.push_back(decode_fragment_summary(r));
  return h;
}

StsStreamStarted decode_stream_started(const nlohmann::json& payload) {
  const char* ev = kStreamStarted;
  StsStreamStarted s;
  s.client_sid = str(payload, ev, "client_sid");
  auto& c = s.init;
  c.stream_id = str(payload, ev, "stream_id");
  c.source_language = str(payload, ev, "source_language");
  c.target_language = str(payload, ev, "target_language");
  c.sample_rate = static_cast<int>(integer(payload, ev, "sample_rate"));
  c.channels = static_cast<int>(integer(payload, ev, "channels"));
  c.sample_format = str(payload, ev, "sample_format");
  c.fragment_duration_ns = integer(payload, ev, "fragment_duration_ns");
  return s;
}

}  // namespace dub::sts::protocol
