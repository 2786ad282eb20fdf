#include "dub/util/env.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "dub/util/error.hpp"

namespace dub::env {

std::optional<std::string> get(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

std::string get_or(const char* name, const std::string& fallback) {
  return get(name).value_or(fallback);
}

long get_int(const char* name, long fallback, long min, long max) {
  const auto text = get(name);
  if (!text) return fallback;
  std::size_t used = 0;
  long value = 0;
  try {
    value = std::stol(*text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text->size()) throw Error(fmt::format("{}='{}' is not a whole number", name, *text));
  if (value < min || value > max) throw Error(fmt::format("{}={} is outside {}..{}", name, value, min, max));
  return value;
}

double get_double(const char* name, double fallback, double min, double max) {
  const auto text = get(name);
  if (!text) return fallback;
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(*text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text->size() || !std::isfinite(value)) throw Error(fmt::format("{}='{}' is not a number", name, *text));
  if (value < min || value > max) throw Error(fmt::format("{}={} is outside {}..{}", name, value, min, max));
  return value;
}

bool get_bool(const char* name, bool fallback) {
  auto text = get(name);
  if (!text) return fallback;
  std::transform(text->begin(), text->end(), text->begin(), [](unsigned char c) { return std::tolower(c); });
  if (*text == "1" || *text == "true" || *text == "yes" || *text == "on") return true;
  if (*text == "0" || *text == "false" || *text == "no" || *text == "off") return false;
  throw Error(fmt::format("{}='{}' is not a boolean (use true/false)", name, *text));
}

std::chrono::milliseconds parse_duration(const std::string& text, const std::string& what) {
  std::size_t used = 0;
  double number = 0;
  try {
    number = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || !std::isfinite(number) || number < 0) {
    throw Error(fmt::format("{}: '{}' is not a duration (examples: 30s, 500ms, 2m, 1.5)", what, text));
  }
  const std::string unit = text.substr(used);
  double ms = 0;
  if (unit.empty() || unit == "s") {
    ms = number * 1000.0;
  } else if (unit == "ms") {
    ms = number;
  } else if (unit == "m" || unit == "min") {
    ms = number * 60000.0;
  } else if (unit == "h") {
    ms = number * 3600000.0;
  } else {
    throw Error(fmt::format("{}: unknown unit '{}' in '{}' (use ms, s, m or h)", what, unit, text));
  }
  return std::chrono::milliseconds(static_cast<long long>(std::llround(ms)));
}

std::chrono::milliseconds get_duration(const char* name, std::chrono::milliseconds fallback) {
  const auto text = get(name);
  if (!text) return fallback;
  return parse_duration(*text, name);
}

}  // namespace dub::env
