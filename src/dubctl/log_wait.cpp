#include "log_wait.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <sstream>

#include "dub/util/error.hpp"
#include "eventually.hpp"

namespace dubctl {

namespace {

bool is_regex_form(const std::string& text) {
  return text.size() >= 2 && text.front() == '/' && text.back() == '/';
}

std::string shorten(const std::string& text, std::size_t max = 300) {
  return text.size() <= max ? text : text.substr(0, max) + "...";
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace

LogPattern::LogPattern(const std::string& text) : text_(text) {
  if (!is_regex_form(text)) return;
  try {
    regex_.emplace(text.substr(1, text.size() - 2), std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw dub::Error(fmt::format("{} is not a valid regular expression: {}", text, e.what()));
  }
}

bool LogPattern::matches(const std::string& line) const {
  if (regex_) return std::regex_search(line, *regex_);
  return line.find(text_) != std::string::npos;
}

std::string LogPattern::describe() const {
  return regex_ ? text_ : fmt::format("'{}'", text_);
}

std::optional<std::string> log_pattern_problem(const std::string& text) {
  if (text.empty() || text == "//") return "must not be empty (a substring, or /a regular expression/)";
  if (!is_regex_form(text)) return std::nullopt;
  // ${...} is expanded at run time: check the rest as if each reference were a plain word.
  static const std::regex var_re(R"(\$\{[^}]*\})");
  const auto probe = std::regex_replace(text.substr(1, text.size() - 2), var_re, "x");
  try {
    std::regex(probe, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return fmt::format("{} is not a valid regular expression ({}); plain text (no slashes) is a substring", text,
                       e.what());
  }
  return std::nullopt;
}

std::optional<WallClock::time_point> parse_rfc3339(const std::string& text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') || text[13] != ':' ||
      text[16] != ':') {
    return std::nullopt;
  }
  const auto digits = [&text](std::size_t at, std::size_t n) -> std::optional<int> {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (std::isdigit(static_cast<unsigned char>(text[i])) == 0) return std::nullopt;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  const auto year = digits(0, 4);
  const auto month = digits(5, 2);
  const auto day = digits(8, 2);
  const auto hour = digits(11, 2);
  const auto minute = digits(14, 2);
  const auto second = digits(17, 2);
  if (!year || !month || !day || !hour || !minute || !second || *month < 1 || *month > 12 || *day < 1 || *day > 31 ||
      *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  std::size_t at = 19;
  std::int64_t nanos = 0;
  if (at < text.size() && text[at] == '.') {
    ++at;
    int n = 0;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])) != 0) {
      if (n < 9) nanos = nanos * 10 + (text[at] - '0');
      ++n;
      ++at;
    }
    if (n == 0) return std::nullopt;
    for (int i = n; i < 9; ++i) nanos *= 10;
  }
  int offset_s = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at + 6 == text.size() && (text[at] == '+' || text[at] == '-') && text[at + 3] == ':') {
    const auto oh = digits(at + 1, 2);
    const auto om = digits(at + 4, 2);
    if (!oh || !om) return std::nullopt;
    offset_s = (*oh * 3600 + *om * 60) * (text[at] == '-' ? -1 : 1);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != text.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  const std::time_t utc = timegm(&tm) - offset_s;
  return WallClock::time_point(
      std::chrono::duration_cast<WallClock::duration>(std::chrono::seconds(utc) + std::chrono::nanoseconds(nanos)));
}

std::optional<ComposeLogLine> parse_compose_log_line(const std::string& line) {
  const auto bar = line.find("| ");
  if (bar == std::string::npos) return std::nullopt;  // "Attaching to ...", warnings
  ComposeLogLine out;
  out.container = line.substr(0, bar);
  while (!out.container.empty() && out.container.back() == ' ') out.container.pop_back();
  if (out.container.empty() || out.container.find(' ') != std::string::npos) return std::nullopt;
  const auto rest = line.substr(bar + 2);
  const auto space = rest.find(' ');
  if (const auto time = parse_rfc3339(rest.substr(0, space))) {
    out.time = time;
    out.text = space == std::string::npos ? "" : rest.substr(space + 1);
  } else {
    out.text = rest;
  }
  return out;
}

LogSearch search_compose_logs(const std::string& output, const LogPattern& pattern, WallClock::time_point since) {
  LogSearch result;
  std::istringstream lines(output);
  std::string raw;
  while (std::getline(lines, raw)) {
    const auto line = parse_compose_log_line(raw);
    if (!line || !line->time || *line->time < since) continue;  // not provably from this scenario
    ++result.considered;
    result.last = line->text;
    if (!result.match && pattern.matches(line->text)) result.match = line->text;
  }
  return result;
}

std::vector<std::string> compose_log_texts(const std::string& output, WallClock::time_point since) {
  std::vector<std::string> texts;
  std::istringstream lines(output);
  std::string raw;
  while (std::getline(lines, raw)) {
    const auto line = parse_compose_log_line(raw);
    if (line && line->time && *line->time >= since) texts.push_back(line->text);
  }
  return texts;
}

namespace {

// One look at the logs: the answer of the step when it is there, else what was seen.
struct LogPoll {
  std::optional<LogWaitMatch> found;
  std::string done;  // the progress line's closing words
  std::string seen;  // "<summary>; <details>"
};

LogPoll poll_text(const std::string& output, const LogPattern& pattern, WallClock::time_point since) {
  const auto found = search_compose_logs(output, pattern, since);
  if (found.match) {
    return {
        LogWaitMatch{*found.match, shorten(*found.match)}, fmt::format("found after {} line(s)", found.considered), {}};
  }
  return {std::nullopt,
          {},
          fmt::format("{} line(s) logged since the scenario started{}", found.considered,
                      found.last.empty() ? "" : "; the last: " + shorten(found.last))};
}

LogPoll poll_fields(const std::string& output, const LogFieldsMatcher& matcher, WallClock::time_point since) {
  const auto s = search_log_fields(compose_log_texts(output, since), matcher);
  if (s.satisfied) {
    return {LogWaitMatch{s.matched.front(), fmt::format("{} matching line(s), the first: {}", s.matched.size(),
                                                        shorten(s.matched.front()))},
            fmt::format("{} of {} JSON line(s) match", s.matched.size(), s.considered),
            {}};
  }
  std::string seen =
      fmt::format("{} JSON line(s) logged since the scenario started, {} with those fields", s.considered, s.selected);
  if (!matcher.match().each_key.empty()) {
    seen += fmt::format("; none yet for {} {}", matcher.match().each_key, nlohmann::json(s.missing_each).dump());
  }
  if (!s.nearest.empty()) seen += "; the last one that falls short: " + s.nearest;
  return {std::nullopt, {}, seen};
}

}  // namespace

LogWaitMatch wait_log(const WaitLogStep& step, const Stack& stack, const EnvMap& compose_env,
                      WallClock::time_point since) {
  std::optional<LogPattern> pattern;
  std::optional<LogFieldsMatcher> fields;
  if (step.fields) {
    fields.emplace(*step.fields, [](const std::string& text) { return text; });
  } else {
    pattern.emplace(step.pattern);
  }
  const auto what = fields ? "fields " + fields->describe() : pattern->describe();
  const auto where = step.service.empty() ? fmt::format("{} stack", step.stack)
                                          : fmt::format("{} ({} stack)", step.service, step.stack);
  auto argv = compose_command();
  argv.insert(argv.end(),
              {"-p", stack.project, "-f", stack.compose_file.string(), "logs", "--no-color", "--timestamps"});
  if (!step.service.empty()) argv.push_back(step.service);
  std::string last = "no logs read yet";
  LogWaitMatch match;
  const auto found = eventually(
      {fmt::format("waiting for a line matching {} in the {} logs", what, where), step.timeout,
       std::chrono::seconds(1)},
      [&](std::string& seen) -> std::optional<std::string> {
        const auto logs = run_command(argv, compose_env);
        if (logs.exit_code != 0) {
          if (lower(logs.output).find("no such service") != std::string::npos) {
            throw dub::Error(
                fmt::format("the {} stack has no service '{}' ({})", step.stack, step.service, shorten(logs.output)));
          }
          seen = fmt::format("`compose logs` failed: {}", shorten(logs.output));
          return std::nullopt;
        }
        auto poll = fields ? poll_fields(logs.output, *fields, since) : poll_text(logs.output, *pattern, since);
        if (!poll.found) {
          seen = poll.seen;
          return std::nullopt;
        }
        match = *poll.found;
        return poll.done;
      },
      last);
  if (!found) {
    throw dub::Error(fmt::format("no line of the {} logs matched {} within {:.0f}s ({})", where, what,
                                 std::chrono::duration<double>(step.timeout).count(), last));
  }
  return match;
}

}  // namespace dubctl
