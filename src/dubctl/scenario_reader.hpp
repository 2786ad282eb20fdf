#pragma once
// The strict YAML reader behind scenario.cpp (and the parsers of the later step options in
// scenario_parts.cpp): every key of a mapping must be read or is refused, and every problem is
// reported as "file:line: dotted.key: problem".
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "dub/util/env.hpp"
#include "log_fields.hpp"
#include "loudness.hpp"
#include "steps/options.hpp"

namespace dubctl::scenario_detail {

namespace fs = std::filesystem;

inline const std::set<std::string> kStacks = {"media", "sts"};

// Reads one YAML mapping strictly: every key must be consumed or declared optional;
// errors carry file:line and the dotted key path.
class Reader {
 public:
  Reader(const YAML::Node& node, std::string path, const fs::path& file)
      : node_(node), path_(std::move(path)), file_(file) {
    if (!node_.IsMap()) fail(node_, path_, "must be a mapping (key: value)");
  }

  [[noreturn]] void fail(const YAML::Node& at, const std::string& key, const std::string& problem) const {
    const int line = at.Mark().line >= 0 ? at.Mark().line + 1 : 0;
    throw ScenarioError(fmt::format("{}:{}: {}: {}", file_.string(), line, key.empty() ? "(top level)" : key, problem));
  }

  std::string key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  bool has(const std::string& key) {
    seen_.insert(key);
    return node_[key].IsDefined() && !node_[key].IsNull();
  }

  YAML::Node get(const std::string& key) {
    seen_.insert(key);
    return node_[key];
  }

  std::string string(const std::string& key) {
    if (!has(key)) fail(node_, key_path(key), "is required");
    return scalar(get(key), key_path(key));
  }

  std::string string_or(const std::string& key, const std::string& fallback) {
    return has(key) ? scalar(get(key), key_path(key)) : fallback;
  }

  std::string scalar(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar()) fail(n, key, "must be a single value, not a list or mapping");
    return n.Scalar();
  }

  int integer(const std::string& key, int fallback, int min, int max) {
    if (!has(key)) return fallback;
    const auto n = get(key);
    const auto text = scalar(n, key_path(key));
    char* end = nullptr;
    const long value = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0') fail(n, key_path(key), fmt::format("'{}' is not a whole number", text));
    if (value < min || value > max) fail(n, key_path(key), fmt::format("{} is outside {}..{}", value, min, max));
    return static_cast<int>(value);
  }

  double number(const std::string& key, const YAML::Node& n) const {
    const auto text = scalar(n, key_path(key));
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0') fail(n, key_path(key), fmt::format("'{}' is not a number", text));
    return value;
  }

  bool boolean(const std::string& key, const YAML::Node& n) const {
    const auto text = scalar(n, key_path(key));
    if (text == "true" || text == "yes") return true;
    if (text == "false" || text == "no") return false;
    fail(n, key_path(key), fmt::format("'{}' is not true or false", text));
  }

  Duration duration(const std::string& key, Duration fallback) {
    if (!has(key)) return fallback;
    const auto n = get(key);
    try {
      return dub::env::parse_duration(scalar(n, key_path(key)), key_path(key));
    } catch (const dub::Error& e) {
      fail(n, key_path(key), fmt::format("'{}' is not a duration (examples: 30s, 500ms, 2m)", n.Scalar()));
    }
  }

  std::vector<std::string> string_list(const std::string& key) {
    const auto n = get(key);
    std::vector<std::string> out;
    if (n.IsScalar()) {
      out.push_back(n.Scalar());
    } else if (n.IsSequence()) {
      for (std::size_t i = 0; i < n.size(); ++i) out.push_back(scalar(n[i], fmt::format("{}[{}]", key_path(key), i)));
    } else {
      fail(n, key_path(key), "must be a name or a list of names");
    }
    return out;
  }

  EnvMap env_map(const std::string& key) {
    EnvMap env;
    if (!has(key)) return env;
    const auto n = get(key);
    if (!n.IsMap()) fail(n, key_path(key), "must be a mapping of NAME: value");
    static const std::regex name_re("[A-Z_][A-Z0-9_]*");
    for (const auto& kv : n) {
      const auto name = kv.first.Scalar();
      if (!std::regex_match(name, name_re)) {
        fail(kv.first, key_path(key), fmt::format("'{}' is not an environment variable name", name));
      }
      env[name] = scalar(kv.second, key_path(key) + "." + name);
    }
    return env;
  }

  // Rejects keys nobody asked for: the typo'd `timout:` must not be silently ignored.
  void finish() const {
    for (const auto& kv : node_) {
      const auto key = kv.first.Scalar();
      if (!seen_.contains(key)) {
        std::vector<std::string> known(seen_.begin(), seen_.end());
        fail(kv.first, key_path(key), fmt::format("unknown key (known here: {})", fmt::join(known, ", ")));
      }
    }
  }

  const YAML::Node& node() const { return node_; }
  const fs::path& file() const { return file_; }

 private:
  YAML::Node node_;
  std::string path_;
  const fs::path& file_;
  std::set<std::string> seen_;
};

// A plain YAML scalar as a typed JSON value (null, true/false, integer, number, else string); a
// quoted one is always a string.
nlohmann::json typed_scalar(const YAML::Node& node);

// The mapping form of `wait: {log: {...}}` (log_fields.hpp), at `path` of `file`.
LogFieldsMatch parse_log_fields(const YAML::Node& node, const std::string& path, const fs::path& file);

// `verify: {media: ..., expect: {loudness: {...}}}` (loudness.hpp), at `path` of `file`.
LoudnessExpect parse_loudness(const YAML::Node& node, const std::string& path, const fs::path& file);

}  // namespace dubctl::scenario_detail
