#include "dub/sts/protocol.hpp"

#include <fmt/format.h>

#include "dub/util/error.hpp"

namespace dub::sts::protocol {

namespace {

const nlohmann::json& field(const nlohmann::json& payload, const char* event, const char* key) {
  if (!payload.is_object()) throw Error(fmt::format("{}: payload is not an object", event));
  const auto it = payload.find(key);
  if (it == payload.end()) throw Error(fmt::format("{}: missing '{}'", event, key));
  return *it;
}

std::string str(const nlohmann::json& payload, const char* event, const char* key) {
  const auto& v = field(payload, event, key);
  if (!v.is_string()) throw Error(fmt::format("{}: '{}' is not a string", event, key));
  return v.get<std::string>();
}

std::string str_or(const nlohmann::json& payload, const char* key, const std::string& fallback = {}) {
  const auto it = payload.find(key);
  return (it != payload.end() && it->is_string()) ? it->get<std::string>() : fallback;
}

std::int64_t integer(const nlohmann::json& payload, const char* event, const char* key) {
  const auto& v = field(payload, event, key);
  if (!v.is_number_integer()) throw Error(fmt::format("{}: '{}' is not an integer", event, key));
  return v.get<std::int64_t>();
}

std::uint64_t sequence_number(const nlohmann::json& payload, const char* event) {
  const auto seq = integer(payload, event, "sequence_number");
  if (seq < 0) throw Error(fmt::format("{}: negative sequence_number", event));
  return static_cast<std::uint64_t>(seq);
}

double number_or(const nlohmann::json& payload, const char* key, double fallback) {
  const auto it = payload.find(key);
  return (it != payload.end() && it->is_number()) ? it->get<double>() : fallback;
}

bool id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == ':' || c == '/' || c == '@' || c == '+' || c == '-';
}

}  // namespace

nlohmann::json encode_stream_init(const StsStreamConfig& config) {
  return {{"stream_id", config.stream_id},
          {"source_language", config.source_language},
          {"target_language", config.target_language},
          {"sample_rate", config.sample_rate},
          {"channels", config.channels},
          {"sample_format", config.sample_format},
          {"fragment_duration_ns", config.fragment_duration_ns}};
}

nlohmann::json encode_fragment_data(const StsFragment& fragment) {
  return {{"stream_id", fragment.stream_id},
          {"fragment_id", fragment.fragment_id},
          {"sequence_number", fragment.sequence_number},
          {"pts_ns", fragment.pts_ns},
          {"duration_ns", fragment.duration_ns},
          {"audio", nlohmann::json::binary(fragment.audio)}};
}

nlohmann::json encode_stream_end(const std::string& stream_id) {
  return {{"stream_id", stream_id}};
}

StsReady decode_stream_ready(const nlohmann::json& payload) {
  StsReady ready;
  const auto version = integer(payload, kStreamReady, "protocol_version");
  if (version != kVersion) {
    throw Error(fmt::format("{}: protocol_version {} is not the supported {}", kStreamReady, version, kVersion));
  }
  ready.mode = str_or(payload, "mode", "real");
  if (const auto it = payload.find("limits"); it != payload.end() && it->is_object()) {
    if (const auto m = it->find("max_inflight"); m != it->end() && m->is_number_unsigned()) {
      ready.max_inflight = m->get<std::size_t>();
    }
  }
  if (const auto it = payload.find("models"); it != payload.end()) ready.models = *it;
  ready.raw = payload;
  return ready;
}

StsAck decode_fragment_ack(const nlohmann::json& payload) {
  const char* ev = kFragmentAck;
  StsAck a;
  a.stream_id = str(payload, ev, "stream_id");
  a.fragment_id = str(payload, ev, "fragment_id");
  a.sequence_number = sequence_number(payload, ev);
  const auto inflight = integer(payload, ev, "inflight");
  if (inflight < 1)
    throw Error(fmt::format("{}: 'inflight' is {} (at least this fragment is in flight)", ev, inflight));
  a.inflight = static_cast<std::size_t>(inflight);
  return a;
}

StsResult decode_fragment_processed(const nlohmann::json& payload) {
  const char* ev = kFragmentProcessed;
  StsResult r;
  r.stream_id = str(payload, ev, "stream_id");
  r.fragment_id = str(payload, ev, "fragment_id");
  r.sequence_number = sequence_number(payload, ev);
  r.pts_ns = integer(payload, ev, "pts_ns");
  r.duration_ns = integer(payload, ev, "duration_ns");
  r.status = str(payload, ev, "status");
  if (r.status != "success" && r.status != "partial" && r.status != "failed") {
    throw Error(fmt::format("{}: unknown status '{}'", ev, r.status));
  }
  const auto& audio = field(payload, ev, "dubbed_audio");
  if (!audio.is_binary()) throw Error(fmt::format("{}: 'dubbed_audio' is not a binary attachment", ev));
  r.dubbed_audio = audio.get_binary();
  // FR-022: every result carries both texts (empty strings for silence or a failed stage).
  r.transcript = str(payload, ev, "transcript");
  r.translated_text = str(payload, ev, "translated_text");
  r.sample_rate = static_cast<int>(integer(payload, ev, "sample_rate"));
  r.channels = static_cast<int>(integer(payload, ev, "channels"));
  r.sample_format = str(payload, ev, "sample_format");
  r.processing_time_ms = number_or(payload, "processing_time_ms", 0);
  r.queue_time_ms = number_or(payload, "queue_time_ms", 0);
  const auto& error = field(payload, ev, "error");
  if (error.is_object()) {
    r.error_code = str_or(error, "code", "UNKNOWN");
    r.error_message = str_or(error, "message");
  } else if (!error.is_null()) {
    throw Error(fmt::format("{}: 'error' is neither null nor an object", ev));
  }
  if (r.status != "success" && r.error_code.empty()) {
    throw Error(fmt::format("{}: status '{}' without an error object", ev, r.status));
  }
  return r;
}

StsError decode_error(const nlohmann::json& payload) {
  StsError e;
  e.code = str(payload, kError, "code");
  e.message = str(payload, kError, "message");
  const auto& retryable = field(payload, kError, "retryable");
  if (!retryable.is_boolean()) throw Error(fmt::format("{}: 'retryable' is not a boolean", kError));
  e.retryable = retryable.get<bool>();
  e.event = str_or(payload, "event");
  e.stream_id = str_or(payload, "stream_id");
  e.fragment_id = str_or(payload, "fragment_id");
  if (const auto it = payload.find("sequence_number"); it != payload.end() && it->is_number_unsigned()) {
    e.sequence_number = it->get<std::uint64_t>();
  }
  return e;
}

std::string sanitize_id(const std::string& id) {
  std::string out;
  out.reserve(id.size());
  for (const char c : id) out += id_char(c) ? c : '_';
  if (out.empty()) out.push_back('_');
  if (out.size() > 256) out.resize(256);
  return out;
}

std::string fragment_id(const std::string& stream_id, std::uint64_t sequence) {
  auto suffix = fmt::format("-{:04d}", sequence);
  auto base = sanitize_id(stream_id);
  if (base.size() + suffix.size() > 256) base.resize(256 - suffix.size());
  base.append(suffix);
  return base;
}

std::int64_t frames_to_ns(std::uint64_t frames, int rate) {
  if (rate <= 0) return 0;
  const auto r = static_cast<std::uint64_t>(rate);
  // Whole seconds first, then the remainder: no overflow for any realistic stream length.
  const std::uint64_t ns = frames / r * 1'000'000'000U + ((frames % r) * 1'000'000'000U + r / 2) / r;
  return static_cast<std::int64_t>(ns);
}

}  // namespace dub::sts::protocol
