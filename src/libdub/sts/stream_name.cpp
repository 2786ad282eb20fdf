#include "dub/sts/stream_name.hpp"

#include <fmt/format.h>

#include "dub/sts/protocol.hpp"

namespace dub::sts::stream_name {

namespace {

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-' || c == '~';
}

}  // namespace

bool valid(std::string_view name) {
  if (name.empty() || name.size() > kMaxLength || name.find("..") != std::string_view::npos) return false;
  bool part_empty = true;
  for (const char c : name) {
    if (c == '/') {
      if (part_empty) return false;
      part_empty = true;
    } else if (name_char(c)) {
      part_empty = false;
    } else {
      return false;
    }
  }
  return !part_empty;
}

std::optional<std::string> parse(std::string_view name_or_path) {
  std::string_view name = name_or_path;
  std::string_view p = name_or_path;
  if (p.starts_with('/')) p.remove_prefix(1);
  if (p.ends_with('/')) p.remove_suffix(1);
  if (p.starts_with("live/") && p.ends_with("/in") && p.size() > 8) name = p.substr(5, p.size() - 8);
  if (!valid(name)) return std::nullopt;
  return std::string(name);
}

std::string input_path(std::string_view name) {
  return fmt::format("live/{}/in", name);
}

std::string output_path(std::string_view name) {
  return fmt::format("live/{}/out", name);
}

std::string stream_id(std::string_view name) {
  return protocol::sanitize_id(std::string(name));
}

}  // namespace dub::sts::stream_name
