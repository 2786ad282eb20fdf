#include "dub/sts/protocol.hpp"

#include <fmt/format.h>

#include "dub/util/error.hpp"
#include "fields.hpp"

namespace dub::sts::protocol {

using namespace detail;  // NOLINT(google-build-using-namespace): the field readers

namespace {

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
    const auto limit = [&](const char* key) -> std::int64_t {
      const auto m = it->find(key);
      return (m != it->end() && m->is_number_integer() && m->get<std::int64_t>() > 0) ? m->get<std::int64_t>() : 0;
    };
    auto& l = ready.limits;
    l.max_inflight = static_cast<std::size_t>(limit("max_inflight"));
    l.max_fragment_bytes = static_cast<std::uint64_t>(limit("max_fragment_bytes"));
    l.max_fragment_duration_ns = limit("max_fragment_duration_ns");
    l.duration_tolerance_ns = limit("duration_tolerance_ns");
    l.processing_timeout_ms = limit("processing_timeout_ms");
    l.transport_max_message_bytes = static_cast<std::uint64_t>(limit("transport_max_message_bytes"));
    ready.max_inflight = l.max_inflight;
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
  decode_answer(payload, ev, r);
  const auto& audio = field(payload, ev, "dubbed_audio");
  if (!audio.is_binary()) throw Error(fmt::format("{}: 'dubbed_audio' is not a binary attachment", ev));
  r.dubbed_audio = audio.get_binary();
  return r;
}

StsComplete decode_stream_complete(const nlohmann::json& payload) {
  const char* ev = kStreamComplete;
  StsComplete c;
  c.stream_id = str(payload, ev, "stream_id");
  c.fragments_received = count(payload, ev, "fragments_received");
  c.fragments_processed = count(payload, ev, "fragments_processed");
  c.fragments_succeeded = count(payload, ev, "fragments_succeeded");
  c.fragments_partial = count(payload, ev, "fragments_partial");
  c.fragments_failed = count(payload, ev, "fragments_failed");
  c.fragments_rejected = count(payload, ev, "fragments_rejected");
  c.total_audio_duration_ns = integer(payload, ev, "total_audio_duration_ns");
  c.total_processing_time_ms = number_or(payload, "total_processing_time_ms", 0);
  return c;
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
