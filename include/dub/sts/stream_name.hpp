#pragma once
// The one stream-name rule: a stream is published at live/<name>/in, dubbed to live/<name>/out,
// and known to the STS service as stream_id = sanitize_id(<name>). Names: parts of letters,
// digits, '.', '_', '-', '~' joined by '/', no "..", at most 200 characters. Shared with Python
// (sts_service.stream_name) and checked on both sides by docs/protocol/vectors/stream_names.json.
#include <optional>
#include <string>
#include <string_view>

namespace dub::sts::stream_name {

inline constexpr std::size_t kMaxLength = 200;

// "live/<name>/in" (with or without a leading '/' or trailing '/') or a bare name -> the name;
// nullopt when the name breaks the rule.
std::optional<std::string> parse(std::string_view name_or_path);
[[nodiscard]] bool valid(std::string_view name);
// "live/<name>/in" and "live/<name>/out" (MediaMTX path names).
std::string input_path(std::string_view name);
std::string output_path(std::string_view name);
// The protocol identifier of the stream (dub::sts::protocol::sanitize_id of the name).
std::string stream_id(std::string_view name);

}  // namespace dub::sts::stream_name
