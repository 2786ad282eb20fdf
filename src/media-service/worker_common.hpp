#pragma once
// Small helpers shared by the worker's parts (no GStreamer).
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace dub::media_service {

using Clock = std::chrono::steady_clock;

inline bool is_rtsp(const std::string& uri) {
  return uri.starts_with("rtsp://") || uri.starts_with("rtsps://");
}
inline bool is_rtmp(const std::string& uri) {
  return uri.starts_with("rtmp://") || uri.starts_with("rtmps://");
}
inline std::string file_path(const std::string& uri) {
  return uri.starts_with("file://") ? uri.substr(7) : uri;
}

inline std::int64_t ns_since(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
}

// Log fields of one stream: {"stream": name} plus `extra`.
inline nlohmann::json stream_fields(const std::string& stream, const nlohmann::json& extra = nlohmann::json::object()) {
  nlohmann::json f = {{"stream", stream}};
  for (const auto& [k, v] : extra.items()) f[k] = v;
  return f;
}

}  // namespace dub::media_service
