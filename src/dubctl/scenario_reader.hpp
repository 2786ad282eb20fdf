#pragma once
// The strict YAML reader behind scenario.cpp (and the parsers of the later step options in
// scenario_parts.cpp): every key of a mapping must be read or is refused, and every problem is
// reported as "file:line: dotted.key: problem". While a ProblemSink is open (parse_scenario opens
// one), a problem the reader can step over (an unknown key, a bad or missing value) is recorded
// there and reading goes on, so one pass finds every problem of a file; without one, the first throws.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <limits>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "dub/util/env.hpp"
#include "log_fields.hpp"
#include "loudness.hpp"
#include "steps/options.hpp"
#include "suggest.hpp"

namespace dubctl::scenario_detail {

namespace fs = std::filesystem;

inline const std::set<std::string> kStacks = {"media", "sts"};

// The problems of one scenario file, collected while it is parsed; open on this thread from
// construction to destruction (not copyable, one at a time).
class ProblemSink {
 public:
  explicit ProblemSink(const fs::path& file) : prefix_(file.string() + ":"), previous_(current()) { current() = this; }
  ~ProblemSink() { current() = previous_; }
  ProblemSink(const ProblemSink&) = delete;
  ProblemSink& operator=(const ProblemSink&) = delete;
  ProblemSink(ProblemSink&&) = delete;
  ProblemSink& operator=(ProblemSink&&) = delete;

  // The sink open on this thread, or null.
  static ProblemSink* active() { return current(); }
  // `message` is "file:line: key: problem"; a later one about the same key is dropped (it follows
  // from the first, e.g. a missing value that then fails a check).
  void add(const std::string& message);
  void add(const ScenarioError& error) {
    for (const auto& message : error.problems()) add(message);
  }
  [[nodiscard]] bool empty() const { return entries_.empty(); }
  // Throws one ScenarioError with every problem, by line, if there is any.
  void throw_if_any() const;

 private:
  struct Entry {
    long line;
    std::string key;
    std::string message;
  };
  static ProblemSink*& current() {
    thread_local ProblemSink* sink = nullptr;
    return sink;
  }
  std::string prefix_;
  ProblemSink* previous_;
  std::vector<Entry> entries_;
};

// Reads one YAML mapping strictly: every key must be consumed or declared optional;
// errors carry file:line and the dotted key path.
class Reader {
 public:
  Reader(const YAML::Node& node, std::string path, const fs::path& file)
      : node_(node), path_(std::move(path)), file_(file) {
    if (!node_.IsMap()) fail(node_, path_, "must be a mapping (key: value)");
  }

  // A problem after which this mapping cannot be read on (the caller gives up on it).
  [[noreturn]] void fail(const YAML::Node& at, const std::string& key, const std::string& problem) const {
    report_missing();
    throw ScenarioError(message(at, key, problem));
  }

  // A problem reading can step over: recorded in the open ProblemSink (nothing about a key already
  // reported missing: it follows from that), else thrown.
  void report(const YAML::Node& at, const std::string& key, const std::string& problem) const {
    auto* sink = ProblemSink::active();
    if (sink == nullptr) fail(at, key, problem);
    for (const auto& name : missing_) {
      if (key == key_path(name)) return;
    }
    sink->add(message(at, key, problem));
  }

  std::string message(const YAML::Node& at, const std::string& key, const std::string& problem) const {
    const int line = at.Mark().line >= 0 ? at.Mark().line + 1 : 0;
    return fmt::format("{}:{}: {}: {}", file_.string(), line, key.empty() ? "(top level)" : key, problem);
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

  // A required value; "" when it is missing and a sink is open (finish() reports it, unless an
  // unknown key is its misspelling).
  std::string string(const std::string& key) {
    if (!has(key)) {
      if (ProblemSink::active() == nullptr) fail(node_, key_path(key), "is required");
      missing_.insert(key);
      return "";
    }
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
    if (text.empty() || *end != '\0') {
      report(n, key_path(key), fmt::format("'{}' is not a whole number", text));
      return fallback;
    }
    if (value < min || value > max) {
      report(n, key_path(key), fmt::format("{} is outside {}..{}", value, min, max));
      return fallback;
    }
    return static_cast<int>(value);
  }

  double number(const std::string& key, const YAML::Node& n) const {
    const auto text = scalar(n, key_path(key));
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0') {
      report(n, key_path(key), fmt::format("'{}' is not a number", text));
      return std::numeric_limits<double>::quiet_NaN();  // passes every range check: one problem, not two
    }
    return value;
  }

  // `pace: 10x` (or 10): times real time, above 0 and at most 100; nullopt when not given or wrong.
  std::optional<double> pace(const std::string& key) {
    if (!has(key)) return std::nullopt;
    const auto n = get(key);
    auto text = scalar(n, key_path(key));
    if (text.ends_with('x')) text.pop_back();
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !(value > 0 && value <= 100)) {
      report(n, key_path(key),
             fmt::format("'{}' is not a pace: times real time, above 0 and at most 100 (e.g. 10x)", n.Scalar()));
      return std::nullopt;
    }
    return value;
  }

  bool boolean(const std::string& key, const YAML::Node& n) const {
    const auto text = scalar(n, key_path(key));
    if (text == "true" || text == "yes") return true;
    if (text == "false" || text == "no") return false;
    report(n, key_path(key), fmt::format("'{}' is not true or false", text));
    return false;
  }

  Duration duration(const std::string& key, Duration fallback) {
    if (!has(key)) return fallback;
    const auto n = get(key);
    try {
      return dub::env::parse_duration(scalar(n, key_path(key)), key_path(key));
    } catch (const dub::Error& e) {
      report(n, key_path(key), fmt::format("'{}' is not a duration (examples: 30s, 500ms, 2m)", n.Scalar()));
      return fallback;
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
      report(n, key_path(key), "must be a name or a list of names");
    }
    return out;
  }

  EnvMap env_map(const std::string& key) {
    EnvMap env;
    if (!has(key)) return env;
    const auto n = get(key);
    if (!n.IsMap()) {
      report(n, key_path(key), "must be a mapping of NAME: value");
      return env;
    }
    static const std::regex name_re("[A-Z_][A-Z0-9_]*");
    for (const auto& kv : n) {
      const auto name = kv.first.Scalar();
      if (!std::regex_match(name, name_re)) {
        report(kv.first, key_path(key), fmt::format("'{}' is not an environment variable name", name));
      }
      env[name] = scalar(kv.second, key_path(key) + "." + name);
    }
    return env;
  }

  // Rejects keys nobody asked for: the typo'd `timout:` must not be silently ignored; the nearest
  // known key is suggested. Then reports the required keys that are missing, but not one an
  // unknown key misspells (that is one problem, not two).
  void finish() {
    const std::vector<std::string> known(seen_.begin(), seen_.end());
    for (const auto& kv : node_) {
      const auto key = kv.first.Scalar();
      if (seen_.contains(key)) continue;
      const auto near = nearest_name(key, known);
      std::string problem = "unknown key";
      if (near) problem += fmt::format("; did you mean {}?", *near);
      if (near && missing_.erase(*near) > 0) problem += fmt::format(" ({} is required)", *near);
      report(kv.first, key_path(key), fmt::format("{} (known here: {})", problem, fmt::join(known, ", ")));
    }
    report_missing();
  }

  const YAML::Node& node() const { return node_; }
  const fs::path& file() const { return file_; }

 private:
  // Into the open sink: "is required" for each required key not given (once).
  void report_missing() const {
    auto* sink = ProblemSink::active();
    if (sink == nullptr) return;
    for (const auto& name : missing_) sink->add(message(node_, key_path(name), "is required"));
    missing_.clear();
  }

  YAML::Node node_;
  std::string path_;
  const fs::path& file_;
  std::set<std::string> seen_;
  mutable std::set<std::string> missing_;  // required keys not given (only while a sink is open)
};

// A plain YAML scalar as a typed JSON value (null, true/false, integer, number, else string); a
// quoted one is always a string.
nlohmann::json typed_scalar(const YAML::Node& node);

// The mapping form of `wait: {log: {...}}` (log_fields.hpp), at `path` of `file`.
LogFieldsMatch parse_log_fields(const YAML::Node& node, const std::string& path, const fs::path& file);

// `verify: {media: ..., expect: {loudness: {...}}}` (loudness.hpp), at `path` of `file`.
LoudnessExpect parse_loudness(const YAML::Node& node, const std::string& path, const fs::path& file);

}  // namespace dubctl::scenario_detail
