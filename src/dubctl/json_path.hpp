#pragma once
// The paths a step's `vars:` reads from its result document (step_vars.hpp), a small subset of
// JSONPath plus JSON Pointer:
//   $                    the whole document
//   $.name               a member (name: letters, digits, '_' and '-', not starting with a digit or '-')
//   $['any name']        a member whose name has other characters ("..." too; no escapes)
//   $[2], $[-1]          an array item by index, from the end when negative
//   $.a.b[0].c           any chain of the above
//   /a/b/0               a JSON Pointer (RFC 6901: ~0 is '~', ~1 is '/')
// No wildcards, filters, slices or recursive descent.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace dubctl {

class JsonPath {
 public:
  // Parses `text`; throws dub::Error saying what is wrong and where (the character's position).
  explicit JsonPath(const std::string& text);

  // The value at this path in `doc`; throws dub::Error naming the part of the path that is not in
  // `doc` (a missing member, with the nearest existing name suggested; an index past the end; a
  // step into a value that is not an object or array).
  [[nodiscard]] const nlohmann::json& find(const nlohmann::json& doc) const;

  [[nodiscard]] const std::string& text() const { return text_; }

 private:
  std::string text_;
  bool pointer_;                                        // a JSON Pointer (else a $ path)
  std::vector<std::variant<std::string, long>> parts_;  // member names and array indexes
};

// Why `text` is not a path JsonPath takes, or nothing.
std::optional<std::string> json_path_problem(const std::string& text);

// A JSON value as text for a ${...} variable: a string as it is, a number or boolean as JSON writes
// it (12, 812.5, true), an object or array as compact JSON; null is "null".
std::string json_text(const nlohmann::json& value);

}  // namespace dubctl
