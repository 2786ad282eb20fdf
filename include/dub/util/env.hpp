#pragma once
// Configuration comes from environment variables with defaults. A value that is
// set but malformed is an error that names the variable, never a silent default.
#include <chrono>
#include <optional>
#include <string>

namespace dub::env {

std::optional<std::string> get(const char* name);
std::string get_or(const char* name, const std::string& fallback);
long get_int(const char* name, long fallback, long min, long max);
double get_double(const char* name, double fallback, double min, double max);
bool get_bool(const char* name, bool fallback);
// Accepts "30", "30s", "500ms", "2m". Plain numbers are seconds.
std::chrono::milliseconds get_duration(const char* name, std::chrono::milliseconds fallback);

// Parses a duration string as above; throws dub::Error with `what` in the message.
std::chrono::milliseconds parse_duration(const std::string& text, const std::string& what);

}  // namespace dub::env
