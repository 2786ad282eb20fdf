#pragma once
// Field readers shared by the STS payload decoders (protocol.cpp, monitor.cpp): each throws
// dub::Error naming the event and the key.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "dub/sts/protocol_gen.hpp"
#include "dub/util/error.hpp"

namespace dub::sts::protocol::detail {

inline const nlohmann::json& field(const nlohmann::json& payload, const char* event, const char* key) {
  if (!payload.is_object()) throw Error(fmt::format("{}: payload is not an object", event));
  const auto it = payload.find(key);
  if (it == payload.end()) throw Error(fmt::format("{}: missing '{}'", event, key));
  return *it;
}

inline std::string str(const nlohmann::json& payload, const char* event, const char* key) {
  const auto& v = field(payload, event, key);
  if (!v.is_string()) throw Error(fmt::format("{}: '{}' is not a string", event, key));
  return v.get<std::string>();
}

inline std::string str_or(const nlohmann::json& payload, const char* key, const std::string& fallback = {}) {
  const auto it = payload.find(key);
  return (it != payload.end() && it->is_string()) ? it->get<std::string>() : fallback;
}

inline std::int64_t integer(const nlohmann::json& payload, const char* event, const char* key) {
  const auto& v = field(payload, event, key);
  if (!v.is_number_integer()) throw Error(fmt::format("{}: '{}' is not an integer", event, key));
  return v.get<std::int64_t>();
}

inline std::uint64_t count(const nlohmann::json& payload, const char* event, const char* key) {
  const auto v = integer(payload, event, key);
  if (v < 0) throw Error(fmt::format("{}: negative '{}'", event, key));
  return static_cast<std::uint64_t>(v);
}

inline std::uint64_t sequence_number(const nlohmann::json& payload, const char* event) {
  const auto seq = integer(payload, event, "sequence_number");
  if (seq < 0) throw Error(fmt::format("{}: negative sequence_number", event));
  return static_cast<std::uint64_t>(seq);
}

inline double number_or(const nlohmann::json& payload, const char* key, double fallback) {
  const auto it = payload.find(key);
  return (it != payload.end() && it->is_number()) ? it->get<double>() : fallback;
}

// The fields fragment:processed and fragment:summary share (FR-022: both texts always present;
// `error` null on success, an object otherwise).
template <class R>
void decode_answer(const nlohmann::json& payload, const char* ev, R& r) {
  r.stream_id = str(payload, ev, "stream_id");
  r.fragment_id = str(payload, ev, "fragment_id");
  r.sequence_number = sequence_number(payload, ev);
  r.pts_ns = integer(payload, ev, "pts_ns");
  r.duration_ns = integer(payload, ev, "duration_ns");
  r.status = str(payload, ev, "status");
  if (std::find(kStatuses.begin(), kStatuses.end(), r.status) == kStatuses.end()) {
    throw Error(fmt::format("{}: unknown status '{}'", ev, r.status));
  }
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
    if constexpr (requires { r.error_stage; }) r.error_stage = str_or(error, "stage");
  } else if (!error.is_null()) {
    throw Error(fmt::format("{}: 'error' is neither null nor an object", ev));
  }
  if (r.status != kStatusSuccess && r.error_code.empty()) {
    throw Error(fmt::format("{}: status '{}' without an error object", ev, r.status));
  }
}

}  // namespace dub::sts::protocol::detail
