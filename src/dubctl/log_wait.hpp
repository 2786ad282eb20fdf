#pragma once
// Waiting for a log line of a compose service:
//   wait: {log: "fragment timed out", stack: media, service: media-service, timeout: 30s}
//   wait: {log: {fields: {msg: fragment processed, sequence_number: 0}, nonempty: [transcript]}, stack: media}
// The stack's `compose logs --timestamps` is read every second; only lines logged since the
// scenario started count, so a line left by an earlier scenario on the shared stacks never matches.
#include <chrono>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "log_fields.hpp"
#include "stacks.hpp"
#include "steps/options.hpp"

namespace dubctl {

using WallClock = std::chrono::system_clock;

// What a log wait looks for: plain text is a substring; text written /like this/ is an ECMAScript
// regular expression searched anywhere in the line.
class LogPattern {
 public:
  explicit LogPattern(const std::string& text);  // throws dub::Error when the regular expression is invalid
  [[nodiscard]] bool matches(const std::string& line) const;
  [[nodiscard]] std::string describe() const;  // "'text'" or "/regex/"

 private:
  std::string text_;
  std::optional<std::regex> regex_;
};

// Why a pattern as written in a scenario cannot be used (empty, bad regex), or nothing. ${...}
// references are checked as if they were plain words: they are expanded at run time.
std::optional<std::string> log_pattern_problem(const std::string& text);

// One line of `compose logs --no-color --timestamps`: "<container>  | <RFC 3339 time> <text>".
struct ComposeLogLine {
  std::string container;
  std::optional<WallClock::time_point> time;
  std::string text;
};
std::optional<ComposeLogLine> parse_compose_log_line(const std::string& line);

// "2025-11-25T11:25:01.123456789Z" (or with a +hh:mm offset) as a time point; nothing if malformed.
std::optional<WallClock::time_point> parse_rfc3339(const std::string& text);

struct LogSearch {
  std::optional<std::string> match;  // the first matching line's text
  std::size_t considered = 0;        // lines logged at or after `since`
  std::string last;                  // the last of them
};
// Searches `compose logs` output for the first line logged at or after `since` that matches.
LogSearch search_compose_logs(const std::string& output, const LogPattern& pattern, WallClock::time_point since);

// The text of every line of `compose logs` output logged at or after `since`, oldest first.
std::vector<std::string> compose_log_texts(const std::string& output, WallClock::time_point since);

// What a log wait found: the matching line whole (what a step's `vars:` read) and the shortened
// report of it the terminal and JUnit show.
struct LogWaitMatch {
  std::string line;    // the first matching line, in full
  std::string detail;  // e.g. "3 matching line(s), the first: <line, cut at 300 characters>"
};

// Polls the stack's logs until a line logged since `since` matches (the text pattern, or with
// `fields`, log_fields.hpp), with a progress line. `step` comes expanded (the runner expands a
// step's ${...} once, before it runs).
// `compose_env` is the stack's compose environment. Returns the match; throws dub::Error with what
// was seen when `timeout` passes or the service does not exist.
LogWaitMatch wait_log(const WaitLogStep& step, const Stack& stack, const EnvMap& compose_env,
                      WallClock::time_point since);

}  // namespace dubctl
