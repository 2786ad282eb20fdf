#pragma once
// Structured logs: one JSON object per line on stderr, always naming the component
// and, where they apply, the stream, fragment and stage the line speaks of.
//
//   dub::log::info("fragment sent", {{"stream", name}, {"sequence_number", seq}, {"stage", "sts"}});
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace dub::log {

enum class Level { Debug = 0, Info = 1, Warn = 2, Error = 3 };
enum class Format { Json, Text };

// Parses "debug|info|warn|warning|error" (any case). Throws dub::Error otherwise.
Level parse_level(std::string_view text);

void set_component(std::string component);
void set_level(Level level);
void set_format(Format format);
[[nodiscard]] Level level();

// Renders one line without writing it (the format used by write()).
std::string render(Level level, std::string_view message, const nlohmann::json& fields);
void write(Level level, std::string_view message, const nlohmann::json& fields = nlohmann::json::object());

inline void debug(std::string_view m, const nlohmann::json& f = nlohmann::json::object()) {
  write(Level::Debug, m, f);
}
inline void info(std::string_view m, const nlohmann::json& f = nlohmann::json::object()) {
  write(Level::Info, m, f);
}
inline void warn(std::string_view m, const nlohmann::json& f = nlohmann::json::object()) {
  write(Level::Warn, m, f);
}
inline void error(std::string_view m, const nlohmann::json& f = nlohmann::json::object()) {
  write(Level::Error, m, f);
}

}  // namespace dub::log
