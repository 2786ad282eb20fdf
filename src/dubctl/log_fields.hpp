#pragma once
// Structured log lines matched by field, with types (the JSON form of a log wait):
//   wait:
//     log:
//       fields: {msg: fragment processed, stream: "${stream}", status: success}  # equal, type included
//       contains: {transcript: "one"}              # the string field holds this text (any case)
//       nonempty: [transcript, translated_text]    # string fields that must not be empty
//       each: {sequence_number: [0, 1, 2, 3, 4]}  # one matching line for every value
//     stack: media
//     service: media-service
// A value written plain in YAML is typed: 0 is a number, true a boolean, null null, anything else a
// string; a quoted value ("0") is always a string. A number matches a JSON number of the same value
// (0 matches 0 and 0.0), never the string "0". ${...} in strings is expanded at run time.
#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace dubctl {

struct LogFieldsMatch {
  nlohmann::json fields = nlohmann::json::object();  // key -> the value the line's field must equal
  std::map<std::string, std::string> contains;       // key -> text the (string) field must contain
  std::vector<std::string> nonempty;                 // string fields that must hold more than spaces
  std::string each_key;                              // with each_values: one matching line per value
  std::vector<nlohmann::json> each_values;
};

// True when `actual` equals `expected` in type and value (numbers compare by value).
bool typed_equal(const nlohmann::json& actual, const nlohmann::json& expected);

class LogFieldsMatcher {
 public:
  // `expand` resolves ${...} in every string of the match (scenario variables).
  template <typename Expand>
  LogFieldsMatcher(const LogFieldsMatch& match, Expand expand) : m_(match) {
    for (auto& [key, value] : m_.fields.items()) {
      if (value.is_string()) value = expand(value.template get<std::string>());
    }
    for (auto& [key, text] : m_.contains) text = expand(text);
    for (auto& value : m_.each_values) {
      if (value.is_string()) value = expand(value.template get<std::string>());
    }
  }

  // Whether `line` has every field of `fields` (the line is about the right thing).
  [[nodiscard]] bool selects(const nlohmann::json& line) const;
  // For a selected line: "" when it also meets contains and nonempty, else the first unmet condition
  // ("'transcript' is empty").
  [[nodiscard]] std::string shortfall(const nlohmann::json& line) const;
  // `{"msg":"...",...}, transcript contains 'x', translated_text not empty, one line per sequence_number in [0, 1]`
  [[nodiscard]] std::string describe() const;
  [[nodiscard]] const LogFieldsMatch& match() const { return m_; }

 private:
  LogFieldsMatch m_;
};

// What the lines logged since the scenario started hold.
struct LogFieldsSearch {
  bool satisfied = false;
  std::vector<std::string> matched;          // the matching lines (for `each`: the first per value, in order)
  std::vector<nlohmann::json> missing_each;  // `each` values without a matching line yet
  std::size_t considered = 0;                // JSON lines considered
  std::size_t selected = 0;                  // of them, with every field of `fields`
  std::string nearest;                       // the last selected line that fell short, and why
};

// `lines`: the text of each log line (compose prefix and timestamp removed), oldest first; lines that
// are not JSON objects are skipped.
LogFieldsSearch search_log_fields(const std::vector<std::string>& lines, const LogFieldsMatcher& matcher);

}  // namespace dubctl
