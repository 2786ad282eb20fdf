#include "step_vars.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <exception>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <utility>

#include "dub/util/env.hpp"
#include "dub/util/error.hpp"
#include "json_path.hpp"
#include "scenario_reader.hpp"
#include "suggest.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

using scenario_detail::Reader;

int line_of(const YAML::Node& node) {
  return node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
}

// `regex` as std::regex takes it, or why not.
std::optional<std::string> regex_problem(const std::string& regex) {
  try {
    const std::regex re(regex, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return fmt::format("'{}' is not a valid regex: {}", regex, e.what());
  }
  return std::nullopt;
}

// Reports `from` (at `node`, key `key`) when it is not a path JsonPath takes.
void check_from(const Reader& r, const YAML::Node& node, const std::string& key, const std::string& from) {
  if (const auto problem = json_path_problem(from)) r.report(node, key, *problem);
}

// One entry `name: PATH` or `name: {from: PATH, regex: RE}`.
VarCapture parse_capture(Reader& outer, const YAML::Node& key, const YAML::Node& value) {
  VarCapture c{key.Scalar(), "", "", line_of(key), outer.key_path(key.Scalar())};
  static const std::regex name_re("[A-Za-z_][A-Za-z0-9_.]*");
  if (!std::regex_match(c.name, name_re)) {
    outer.report(key, c.key, fmt::format("'{}' is not a variable name (letters, digits, _ and .)", c.name));
  }
  const auto& taken = runner_var_names();
  if (std::find(taken.begin(), taken.end(), c.name) != taken.end()) {
    outer.report(key, c.key,
                 fmt::format("the runner sets ${{{}}} for every scenario: capture into another name", c.name));
  }
  if (value.IsScalar()) {
    c.from = value.Scalar();
    check_from(outer, value, c.key, c.from);
  } else if (value.IsMap()) {
    Reader r(value, c.key, outer.file());
    c.from = r.string("from");
    if (!c.from.empty()) check_from(r, r.get("from"), r.key_path("from"), c.from);
    c.regex = r.string_or("regex", "");
    if (const auto problem = c.regex.empty() ? std::nullopt : regex_problem(c.regex)) {
      r.report(r.get("regex"), r.key_path("regex"), *problem);
    }
    r.finish();
  } else {
    outer.report(value, c.key, "must be a path ($.a.b) or {from: PATH, regex: RE}");
  }
  return c;
}

std::string shorten(const std::string& text) {
  constexpr std::size_t kShown = 200;
  return text.size() <= kShown ? text : text.substr(0, kShown) + "...";
}

// `text`, shortened, quoted after `what` for a failure; not for a secret-named var, whose source
// may hold the value it was meant to take.
std::string quoting(const std::string& what, const std::string& text, bool secret_name) {
  return secret_name ? what + " (its text is not shown: the var is named as a secret)"
                     : fmt::format("{}: '{}'", what, shorten(text));
}

// The value `c` takes from `result`: its text and, within it, the part captured.
CapturedVar capture_one(const VarCapture& c, const nlohmann::json& result, const Redactor& redactor) {
  const auto& value = JsonPath(c.from).find(result);
  if (value.is_null()) throw dub::Error(fmt::format("{} is null: nothing to capture", c.from));
  const auto text = json_text(value);
  const bool secret_name = redactor.is_secret(c.name);
  if (c.regex.empty()) return {c.name, text, secret_name || redactor.touches_secret(text, 0, text.size())};
  if (text.size() > kMaxCaptureRegexText) {
    throw dub::Error(
        fmt::format("{} is {} characters long; a regex applies to at most {}: point `from` at a "
                    "smaller part",
                    c.from, text.size(), kMaxCaptureRegexText));
  }
  const std::regex re(c.regex, std::regex::ECMAScript);
  std::smatch m;
  if (!std::regex_search(text, m, re)) {
    throw dub::Error(quoting(fmt::format("/{}/ does not match {}", c.regex, c.from), text, secret_name));
  }
  const std::size_t group = re.mark_count() > 0 ? 1 : 0;
  if (!m[group].matched) {
    throw dub::Error(
        quoting(fmt::format("/{}/ matches {} but its group 1 takes no part", c.regex, c.from), text, secret_name));
  }
  const auto begin = static_cast<std::size_t>(m.position(group));
  const auto length = static_cast<std::size_t>(m.length(group));
  return {c.name, text.substr(begin, length), secret_name || redactor.touches_secret(text, begin, begin + length)};
}

struct CaptureSite {
  const VarCapture* capture;
  const Step* step;
};

// Why `use` in `step` finds its name not yet captured: `run`, the first step that runs and captures it
// (this one or a later one), and `skipped`, the first skipped one that would; either may be null.
std::string order_problem(const Scenario& s, const Step& step, const VarUse& use, const CaptureSite* run,
                          const CaptureSite* skipped) {
  std::vector<std::string> why;
  if (skipped != nullptr) {
    why.push_back(
        fmt::format("the step at line {} that captures it ({}) is skipped (skip: {}), and a skipped step "
                    "captures nothing",
                    skipped->step->line, skipped->capture->key, *skipped->step->skip));
  }
  if (run != nullptr && run->step == &step) {
    why.push_back(fmt::format("this step captures it ({}, line {}), and its own options are expanded before it runs",
                              run->capture->key, run->capture->line));
  } else if (run != nullptr) {
    why.push_back(
        fmt::format("the step at line {} captures it ({}), after this one", run->step->line, run->capture->key));
  }
  return fmt::format("{}:{}: {}: ${{{}}} is used before any step captures it: {}", s.file.string(), use.line, use.key,
                     use.name, fmt::join(why, "; "));
}

}  // namespace

const std::vector<std::string>& runner_var_names() {
  static const std::vector<std::string> names = {"stream",        "scenario",      "artifacts",         "recording",
                                                 "stream.in",     "stream.out",    "media.api",         "mediamtx.api",
                                                 "mediamtx.rtsp", "mediamtx.rtmp", "mediamtx.playback", "sts.url",
                                                 "media.project", "sts.project"};
  return names;
}

std::vector<VarCapture> parse_var_captures(const YAML::Node& node, const std::string& path, const fs::path& file) {
  Reader r(node, path, file);
  std::vector<VarCapture> out;
  if (node.size() == 0) r.report(node, path, "names no variable (give NAME: {from: PATH})");
  for (const auto& kv : node) out.push_back(parse_capture(r, kv.first, kv.second));
  return out;
}

void collect_var_uses(const YAML::Node& node, const std::string& path, std::vector<VarUse>& out) {
  static const std::regex var_re(R"(\$\{([A-Za-z_][A-Za-z0-9_.]*)(:-[^}]*)?\})");
  // Iterative; a collection reached twice (an alias) is walked once (scenario_limits.cpp does the same).
  std::vector<std::pair<YAML::Node, std::string>> todo{{node, path}};
  std::set<int> seen;
  while (!todo.empty()) {
    auto [at, key] = std::move(todo.back());
    todo.pop_back();
    if (at.IsScalar()) {
      const auto& text = at.Scalar();
      for (auto it = std::sregex_iterator(text.begin(), text.end(), var_re); it != std::sregex_iterator(); ++it) {
        if (!(*it)[2].matched) out.push_back({(*it)[1].str(), line_of(at), key});
      }
      continue;
    }
    if ((!at.IsSequence() && !at.IsMap()) || !seen.insert(at.Mark().pos).second) continue;
    if (at.IsSequence()) {
      for (std::size_t i = at.size(); i-- > 0;) todo.emplace_back(at[i], fmt::format("{}[{}]", key, i));
      continue;
    }
    std::vector<std::pair<YAML::Node, std::string>> children;  // in order, once popped
    for (const auto& kv : at) children.emplace_back(kv.second, key + "." + kv.first.Scalar());
    todo.insert(todo.end(), children.rbegin(), children.rend());
  }
}

std::vector<std::string> var_order_problems(const Scenario& s) {
  // Every captured name: its first capture by a step that runs, and by a skipped step.
  std::map<std::string, CaptureSite> by_run;
  std::map<std::string, CaptureSite> by_skipped;
  for (const auto& step : s.steps) {
    for (const auto& c : step.vars) (step.skip ? by_skipped : by_run).try_emplace(c.name, CaptureSite{&c, &step});
  }
  const auto find = [](const std::map<std::string, CaptureSite>& sites, const std::string& name) -> const CaptureSite* {
    const auto it = sites.find(name);
    return it == sites.end() ? nullptr : &it->second;
  };
  std::set<std::string> captured;  // by the steps so far that run
  std::vector<std::string> problems;
  for (const auto& step : s.steps) {
    if (step.skip) continue;  // not run: its options are never expanded, and it captures nothing
    for (const auto& use : step.uses) {
      const auto* run = find(by_run, use.name);
      const auto* skipped = find(by_skipped, use.name);
      if ((run == nullptr && skipped == nullptr) || captured.contains(use.name)) continue;  // --var, --env, environment
      problems.push_back(order_problem(s, step, use, run, skipped));
    }
    for (const auto& c : step.vars) captured.insert(c.name);
  }
  return problems;
}

std::vector<std::string> var_typo_problems(const Scenario& s, const EnvMap& environment) {
  std::vector<std::string> names;
  std::map<std::string, int> line_of_name;
  for (const auto& step : s.steps) {
    for (const auto& c : step.vars) {
      names.push_back(c.name);
      line_of_name.try_emplace(c.name, c.line);
    }
  }
  const auto set_elsewhere = [&](const std::string& name) {
    const auto& runner = runner_var_names();
    if (std::find(runner.begin(), runner.end(), name) != runner.end() || environment.contains(name)) return true;
    return std::any_of(s.stacks.begin(), s.stacks.end(), [&](const auto& st) { return st.second.env.contains(name); });
  };
  std::vector<std::string> problems;
  for (const auto& step : s.steps) {
    for (const auto& use : step.uses) {
      if (line_of_name.contains(use.name) || set_elsewhere(use.name)) continue;
      if (const auto near = nearest_name(use.name, names)) {
        problems.push_back(
            fmt::format("{}:{}: {}: ${{{}}} is set by nothing here; did you mean ${{{}}} (captured at "
                        "line {})? (a --var of this name would pass `dubctl run`: rename one)",
                        s.file.string(), use.line, use.key, use.name, *near, line_of_name.at(*near)));
      }
    }
  }
  return problems;
}

std::vector<CapturedVar> capture_vars(const Step& step, const nlohmann::json& result, const fs::path& file,
                                      const Redactor& redactor,
                                      const std::function<void(const CapturedVar&)>& on_secret) {
  std::vector<CapturedVar> out;
  for (const auto& c : step.vars) {
    try {
      out.push_back(capture_one(c, result, redactor));
    } catch (const std::exception& e) {  // dub::Error, and what the library throws: e.g. JSON of invalid UTF-8
      throw dub::Error(
          fmt::format("{}:{}: {}: cannot capture ${{{}}}: {}", file.string(), c.line, c.key, c.name, e.what()));
    }
    if (out.back().secret && on_secret) on_secret(out.back());  // masked before the next var can fail quoting it
  }
  return out;
}

std::string captured_summary(const std::vector<CapturedVar>& captured) {
  if (captured.empty()) return "";
  std::vector<std::string> parts;
  parts.reserve(captured.size());
  for (const auto& c : captured) {
    parts.push_back(fmt::format("{}={}", c.name, c.secret ? std::string(Redactor::kMask) : shorten(c.value)));
  }
  return fmt::format("vars: {}", fmt::join(parts, ", "));
}

std::string unset_var_message(const Step& step, const EnvMap& vars, const fs::path& file, const std::string& error) {
  for (const auto& use : step.uses) {
    if (vars.contains(use.name) || dub::env::get(use.name.c_str())) continue;
    std::vector<std::string> names;
    names.reserve(vars.size());
    for (const auto& [name, value] : vars) names.push_back(name);
    return fmt::format(
        "{}:{}: {}: ${{{}}} is not set: no earlier step captures it (vars:) and no --var, --env or environment "
        "variable gives it{} (write ${{{}:-value}} for a default)",
        file.string(), use.line, use.key, use.name, did_you_mean(use.name, names), use.name);
  }
  return error;
}

}  // namespace dubctl
