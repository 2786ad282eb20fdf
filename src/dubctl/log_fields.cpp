#include "log_fields.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace dubctl {

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

bool blank(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

std::string shorten(const std::string& text, std::size_t max = 200) {
  return text.size() <= max ? text : text.substr(0, max) + "...";
}

}  // namespace

bool typed_equal(const nlohmann::json& actual, const nlohmann::json& expected) {
  if (expected.is_number()) {
    if (!actual.is_number()) return false;
    if (expected.is_number_float() || actual.is_number_float()) {
      return actual.get<double>() == expected.get<double>();
    }
    if (expected.is_number_unsigned() != actual.is_number_unsigned()) {
      const auto& sign = expected.is_number_unsigned() ? actual : expected;  // the signed one
      const auto& unsign = expected.is_number_unsigned() ? expected : actual;
      return sign.get<std::int64_t>() >= 0 &&
             static_cast<std::uint64_t>(sign.get<std::int64_t>()) == unsign.get<std::uint64_t>();
    }
    if (expected.is_number_unsigned()) return actual.get<std::uint64_t>() == expected.get<std::uint64_t>();
    return actual.get<std::int64_t>() == expected.get<std::int64_t>();
  }
  return actual.type() == expected.type() && actual == expected;
}

bool LogFieldsMatcher::selects(const nlohmann::json& line) const {
  if (!line.is_object()) return false;
  for (const auto& [key, value] : m_.fields.items()) {
    const auto it = line.find(key);
    if (it == line.end() || !typed_equal(*it, value)) return false;
  }
  return true;
}

std::string LogFieldsMatcher::shortfall(const nlohmann::json& line) const {
  for (const auto& [key, text] : m_.contains) {
    const auto it = line.find(key);
    if (it == line.end()) return fmt::format("no '{}'", key);
    if (!it->is_string()) return fmt::format("'{}' is {}, not text", key, it->dump());
    if (lower(it->get<std::string>()).find(lower(text)) == std::string::npos) {
      return fmt::format("'{}' is {} (does not contain '{}')", key, shorten(it->dump()), text);
    }
  }
  for (const auto& key : m_.nonempty) {
    const auto it = line.find(key);
    if (it == line.end()) return fmt::format("no '{}'", key);
    if (!it->is_string()) return fmt::format("'{}' is {}, not text", key, it->dump());
    if (blank(it->get<std::string>())) return fmt::format("'{}' is empty", key);
  }
  if (!m_.each_key.empty() && !line.contains(m_.each_key)) return fmt::format("no '{}'", m_.each_key);
  return {};
}

std::string LogFieldsMatcher::describe() const {
  std::vector<std::string> parts = {m_.fields.dump()};
  for (const auto& [key, text] : m_.contains) parts.push_back(fmt::format("{} contains '{}'", key, text));
  for (const auto& key : m_.nonempty) parts.push_back(fmt::format("{} not empty", key));
  if (!m_.each_key.empty()) {
    parts.push_back(fmt::format("one line per {} in {}", m_.each_key, nlohmann::json(m_.each_values).dump()));
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

LogFieldsSearch search_log_fields(const std::vector<std::string>& lines, const LogFieldsMatcher& matcher) {
  const auto& m = matcher.match();
  LogFieldsSearch out;
  std::vector<std::optional<std::string>> per_value(m.each_values.size());
  for (const auto& text : lines) {
    const auto line = nlohmann::json::parse(text, nullptr, false);
    if (!line.is_object()) continue;
    ++out.considered;
    if (!matcher.selects(line)) continue;
    ++out.selected;
    if (const auto why = matcher.shortfall(line); !why.empty()) {
      out.nearest = fmt::format("{} in {}", why, shorten(text, 300));
      continue;
    }
    if (m.each_key.empty()) {
      out.matched.push_back(text);
      out.satisfied = true;
      return out;
    }
    for (std::size_t i = 0; i < m.each_values.size(); ++i) {
      if (!per_value[i] && typed_equal(line[m.each_key], m.each_values[i])) per_value[i] = text;
    }
  }
  for (std::size_t i = 0; i < per_value.size(); ++i) {
    if (per_value[i]) {
      out.matched.push_back(*per_value[i]);
    } else {
      out.missing_each.push_back(m.each_values[i]);
    }
  }
  out.satisfied = !m.each_key.empty() && out.missing_each.empty();
  return out;
}

}  // namespace dubctl
