#include "dub/util/log.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <mutex>

#include "dub/util/error.hpp"

namespace dub::log {

namespace {

struct State {
  std::mutex mutex;
  std::string component = "dub";
  std::atomic<Level> level{Level::Info};
  std::atomic<Format> format{Format::Json};
};

State& state() {
  static State s;
  return s;
}

std::string_view level_name(Level level) {
  switch (level) {
    case Level::Debug:
      return "debug";
    case Level::Info:
      return "info";
    case Level::Warn:
      return "warn";
    case Level::Error:
      return "error";
  }
  return "info";
}

std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(now)), ms);
}

}  // namespace

Level parse_level(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "debug" || lower == "trace") return Level::Debug;
  if (lower == "info") return Level::Info;
  if (lower == "warn" || lower == "warning") return Level::Warn;
  if (lower == "error") return Level::Error;
  throw Error(fmt::format("unknown log level '{}': use debug, info, warn or error", text));
}

void set_component(std::string component) {
  const std::lock_guard lock(state().mutex);
  state().component = std::move(component);
}
void set_level(Level level) {
  state().level = level;
}
void set_format(Format format) {
  state().format = format;
}
Level level() {
  return state().level;
}

std::string render(Level level, std::string_view message, const nlohmann::json& fields) {
  std::string component;
  {
    const std::lock_guard lock(state().mutex);
    component = state().component;
  }
  if (state().format == Format::Text) {
    std::string line = fmt::format("{} {:<5} [{}] {}", timestamp(), level_name(level), component, message);
    if (fields.is_object()) {
      for (const auto& [key, value] : fields.items()) {
        line += fmt::format(" {}={}", key, value.is_string() ? value.get<std::string>() : value.dump());
      }
    }
    return line;
  }
  nlohmann::json line = {{"ts", timestamp()}, {"level", level_name(level)}, {"component", component}, {"msg", message}};
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) line[key] = value;
  }
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void write(Level level, std::string_view message, const nlohmann::json& fields) {
  if (level < state().level) return;
  const std::string line = render(level, message, fields);
  const std::lock_guard lock(state().mutex);
  std::fputs(line.c_str(), stderr);
  std::fputc('\n', stderr);
}

}  // namespace dub::log
