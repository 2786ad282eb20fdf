#include "json_path.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "dub/util/error.hpp"
#include "suggest.hpp"

namespace dubctl {

namespace {

bool name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_';
}

bool name_char(char c) {
  return name_start(c) || std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '-';
}

// Reads a $ path into parts; every problem names the position it was found at.
class Parser {
 public:
  explicit Parser(const std::string& text) : text_(text) {}

  std::vector<std::variant<std::string, long>> parse() {
    if (text_.empty() || text_[0] != '$') fail(0, "starts with $ (a JSONPath) or / (a JSON Pointer)");
    pos_ = 1;
    std::vector<std::variant<std::string, long>> parts;
    while (pos_ < text_.size()) {
      if (text_[pos_] == '.') {
        parts.emplace_back(name());
      } else if (text_[pos_] == '[') {
        parts.push_back(bracket());
      } else {
        fail(pos_, "expected .name or [...]");
      }
    }
    return parts;
  }

 private:
  [[noreturn]] void fail(std::size_t at, const std::string& what) const {
    throw dub::Error(
        fmt::format("'{}' is not a path this takes: at character {}, {} (supported: $, .name, "
                    "['name'], [index], [-index], or a JSON Pointer /a/0)",
                    text_, at + 1, what));
  }

  std::string name() {
    const auto start = ++pos_;  // past '.'
    if (pos_ >= text_.size() || !name_start(text_[pos_])) fail(pos_, "expected a name after '.'");
    while (pos_ < text_.size() && name_char(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  std::variant<std::string, long> bracket() {
    const auto open = pos_++;  // past '['
    if (pos_ < text_.size() && (text_[pos_] == '\'' || text_[pos_] == '"')) {
      const char quote = text_[pos_];
      const auto end = text_.find(quote, pos_ + 1);
      if (end == std::string::npos) fail(pos_, "an unclosed quote");
      auto key = text_.substr(pos_ + 1, end - pos_ - 1);
      pos_ = end + 1;
      close(open);
      return key;
    }
    const auto start = pos_;
    if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
    const auto digits = pos_;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_])) != 0) ++pos_;
    if (pos_ == digits || pos_ - digits > 9) fail(start, "expected an index (a whole number) or a quoted name");
    const long index = std::stol(text_.substr(start, pos_ - start));
    close(open);
    return index;
  }

  void close(std::size_t open) {
    if (pos_ >= text_.size() || text_[pos_] != ']') fail(open, "'[' without its ']'");
    ++pos_;
  }

  const std::string& text_;
  std::size_t pos_ = 0;
};

std::string type_name(const nlohmann::json& v) {
  return v.is_null() ? "null" : std::string(v.type_name());
}

using Parts = std::vector<std::variant<std::string, long>>;

// A JSON Pointer's reference tokens, ~1 and ~0 undone; throws dub::Error on a '~' escaping nothing.
Parts pointer_parts(const std::string& text) {
  Parts parts;
  std::size_t start = 1;
  while (true) {
    const auto end = text.find('/', start);
    std::string token;
    for (auto i = start; i < (end == std::string::npos ? text.size() : end); ++i) {
      if (text[i] != '~') {
        token += text[i];
      } else if (i + 1 < text.size() && (text[i + 1] == '0' || text[i + 1] == '1')) {
        token += text[++i] == '0' ? '~' : '/';
      } else {
        throw dub::Error(
            fmt::format("'{}' is not a JSON Pointer: at character {}, '~' is neither ~0 nor ~1", text, i + 1));
      }
    }
    parts.emplace_back(token);
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

// A pointer token that indexes an array: digits, without a leading 0 unless it is 0.
bool is_index(const std::string& token) {
  if (token.empty() || token.size() > 9 || (token.size() > 1 && token[0] == '0')) return false;
  return std::all_of(token.begin(), token.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

// "$.a[1]" (or "/a/1" for a pointer) for the parts before `upto`; the whole document is "$" either way.
std::string prefix(const Parts& parts, std::size_t upto, bool pointer) {
  std::string out = pointer && upto > 0 ? "" : "$";
  for (std::size_t i = 0; i < upto; ++i) {
    if (pointer) {
      out += "/" + std::get<std::string>(parts[i]);
    } else if (const auto* name = std::get_if<std::string>(&parts[i])) {
      out += fmt::format(".{}", *name);
    } else {
      out += fmt::format("[{}]", std::get<long>(parts[i]));
    }
  }
  return out;
}

const nlohmann::json& member(const nlohmann::json& at, const std::string& name, const std::string& where) {
  if (!at.is_object())
    throw dub::Error(fmt::format("{} is {}, not an object: it has no '{}'", where, type_name(at), name));
  const auto it = at.find(name);
  if (it != at.end()) return *it;
  std::vector<std::string> keys;
  for (const auto& [key, value] : at.items()) keys.push_back(key);
  throw dub::Error(fmt::format("{} has no '{}'{} (it has: {})", where, name, did_you_mean(name, keys),
                               keys.empty() ? "nothing" : fmt::format("{}", fmt::join(keys, ", "))));
}

const nlohmann::json& item(const nlohmann::json& at, long index, const std::string& where) {
  if (!at.is_array())
    throw dub::Error(fmt::format("{} is {}, not an array: it has no [{}]", where, type_name(at), index));
  const auto size = static_cast<long>(at.size());
  const long i = index < 0 ? size + index : index;
  if (i < 0 || i >= size) throw dub::Error(fmt::format("{} has {} item(s): no [{}]", where, size, index));
  return at[static_cast<std::size_t>(i)];
}

}  // namespace

JsonPath::JsonPath(const std::string& text) : text_(text), pointer_(!text.empty() && text[0] == '/') {
  parts_ = pointer_ ? pointer_parts(text) : Parser(text).parse();
}

const nlohmann::json& JsonPath::find(const nlohmann::json& doc) const {
  const nlohmann::json* at = &doc;
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    const auto where = prefix(parts_, i, pointer_);
    if (const auto* index = std::get_if<long>(&parts_[i])) {
      at = &item(*at, *index, where);
    } else if (const auto& name = std::get<std::string>(parts_[i]); pointer_ && at->is_array() && is_index(name)) {
      at = &item(*at, std::stol(name), where);
    } else {
      at = &member(*at, name, where);
    }
  }
  return *at;
}

std::optional<std::string> json_path_problem(const std::string& text) {
  try {
    JsonPath path(text);
  } catch (const dub::Error& e) {
    return e.what();
  }
  return std::nullopt;
}

std::string json_text(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace dubctl
