// What does not fit in scenario.cpp: the problem sink, the JSON form of a log wait
// (log_fields.hpp) and the loudness expectation of verify media (loudness.hpp).
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <regex>

#include "scenario_reader.hpp"

namespace dubctl::scenario_detail {

void ProblemSink::add(const std::string& message) {
  // "file:line: key: problem" -> line, key (a message of another shape: line 0, no key).
  long line = 0;
  std::string key;
  if (message.starts_with(prefix_)) {
    const char* start = message.c_str() + prefix_.size();
    char* end = nullptr;
    line = std::strtol(start, &end, 10);
    const std::string rest(end);
    if (rest.starts_with(": ")) key = rest.substr(2, rest.find(": ", 2) - 2);
  }
  for (const auto& e : entries_) {
    if (e.message == message || (!key.empty() && key != "(top level)" && e.key == key)) return;
  }
  entries_.push_back({line, key, message});
}

void ProblemSink::throw_if_any() const {
  if (entries_.empty()) return;
  auto sorted = entries_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Entry& a, const Entry& b) { return a.line < b.line; });
  std::vector<std::string> messages;
  messages.reserve(sorted.size());
  for (const auto& e : sorted) messages.push_back(e.message);
  throw ScenarioError(std::move(messages));
}

nlohmann::json typed_scalar(const YAML::Node& node) {
  const auto& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted: a string, whatever it looks like
  if (text == "null" || text == "Null" || text == "NULL" || text == "~" || text.empty()) return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  static const std::regex integer_re("[-+]?[0-9]+");
  static const std::regex number_re(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  try {
    if (std::regex_match(text, integer_re)) {
      if (text.front() == '-') return std::stoll(text);
      return std::stoull(text);
    }
    if (std::regex_match(text, number_re)) return std::stod(text);
  } catch (const std::out_of_range&) {
    return text;  // beyond 64 bits: compared as written
  }
  return text;
}

namespace {

std::vector<std::string> key_names(Reader& r, const std::string& key) {
  auto names = r.string_list(key);
  if (names.empty()) r.fail(r.get(key), r.key_path(key), "names no field");
  for (const auto& name : names) {
    if (name.empty()) r.fail(r.get(key), r.key_path(key), "a field name is empty");
  }
  return names;
}

}  // namespace

LogFieldsMatch parse_log_fields(const YAML::Node& node, const std::string& path, const fs::path& file) {
  Reader r(node, path, file);
  LogFieldsMatch m;
  if (!r.has("fields")) {
    r.fail(node, path,
           "the mapping form needs `fields:` (e.g. {msg: fragment processed, stream: \"${stream}\"}); "
           "plain text is a substring or /a regex/");
  }
  const auto fields = r.get("fields");
  if (!fields.IsMap() || fields.size() == 0) {
    r.fail(fields, r.key_path("fields"), "must be a non-empty mapping of field: value");
  }
  for (const auto& kv : fields) {
    const auto key = kv.first.Scalar();
    if (!kv.second.IsScalar() && !kv.second.IsNull()) {
      r.fail(kv.second, r.key_path("fields." + key),
             "must be a single value (text, number, true/false or null), not a list or mapping");
    }
    m.fields[key] = kv.second.IsNull() ? nlohmann::json(nullptr) : typed_scalar(kv.second);
  }
  if (r.has("contains")) {
    const auto contains = r.get("contains");
    if (!contains.IsMap() || contains.size() == 0) {
      r.fail(contains, r.key_path("contains"), "must be a mapping of field: text");
    }
    for (const auto& kv : contains) {
      const auto key = kv.first.Scalar();
      const auto text = r.scalar(kv.second, r.key_path("contains." + key));
      if (text.empty()) r.fail(kv.second, r.key_path("contains." + key), "give the text (or use `nonempty:`)");
      m.contains[key] = text;
    }
  }
  if (r.has("nonempty")) m.nonempty = key_names(r, "nonempty");
  if (r.has("each")) {
    const auto each = r.get("each");
    if (!each.IsMap() || each.size() != 1) {
      r.fail(each, r.key_path("each"), "must name one field and its values, e.g. {fragment: [0, 1, 2]}");
    }
    const auto& kv = *each.begin();
    m.each_key = kv.first.Scalar();
    const auto key_path = r.key_path("each." + m.each_key);
    if (m.fields.contains(m.each_key)) {
      r.fail(kv.first, key_path, "is also under `fields:` (a line cannot have every value at once)");
    }
    if (!kv.second.IsSequence() || kv.second.size() == 0) r.fail(kv.second, key_path, "must be a non-empty list");
    for (std::size_t i = 0; i < kv.second.size(); ++i) {
      const auto item = kv.second[i];
      if (!item.IsScalar()) r.fail(item, fmt::format("{}[{}]", key_path, i), "must be a single value");
      m.each_values.push_back(typed_scalar(item));
    }
  }
  r.finish();
  return m;
}

LoudnessExpect parse_loudness(const YAML::Node& node, const std::string& path, const fs::path& file) {
  Reader r(node, path, file);
  LoudnessExpect x;
  x.reference = r.string("reference");
  x.window = r.duration("window", x.window);
  if (x.window < std::chrono::seconds(1)) r.fail(r.get("window"), r.key_path("window"), "must be at least 1s");
  const auto bound = [&r](const char* key, double& into, double min, double max) {
    if (!r.has(key)) return;
    into = r.number(key, r.get(key));
    if (into < min || into > max) {
      r.fail(r.get(key), r.key_path(key), fmt::format("{:g} is outside {:g}..{:g}", into, min, max));
    }
  };
  bound("max_difference_lu", x.max_difference_lu, 0, 60);
  if (r.has("max_window_difference_lu")) {
    double w = 0;
    bound("max_window_difference_lu", w, 0, 60);
    x.max_window_difference_lu = w;
  }
  bound("max_true_peak_dbtp", x.max_true_peak_dbtp, -60, 6);
  bound("silence_lufs", x.silence_lufs, -70, -10);
  x.max_clipped_samples = r.integer("max_clipped_samples", 0, 0, 1'000'000'000);
  r.finish();
  return x;
}

}  // namespace dubctl::scenario_detail
