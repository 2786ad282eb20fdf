#include "scenario.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "dub/util/env.hpp"
#include "scenario_limits.hpp"
#include "scenario_reader.hpp"
#include "step_vars.hpp"
#include "steps/step.hpp"
#include "suggest.hpp"

namespace fs = std::filesystem;

namespace dubctl {

using scenario_detail::kStacks;
using scenario_detail::ProblemSink;
using scenario_detail::Reader;

ScenarioError::ScenarioError(std::vector<std::string> problems)
    : dub::Error(fmt::format("{}", fmt::join(problems, "\n"))), problems_(std::move(problems)) {}

namespace {

std::vector<std::string> stack_names() {
  return {kStacks.begin(), kStacks.end()};
}

// `stacks: {media: {env: {...}, services: [...]}, sts: ...}`; a problem with one stack does not
// stop the others from being read.
void read_stacks(Reader& r, Scenario& s, ProblemSink& sink) {
  const auto stacks = r.get("stacks");
  if (!stacks.IsMap()) {
    r.report(stacks, "stacks", "must map stack names (media, sts) to their settings");
    return;
  }
  for (const auto& kv : stacks) {
    const auto name = kv.first.Scalar();
    if (!kStacks.contains(name)) {
      r.report(kv.first, "stacks." + name,
               fmt::format("unknown stack{} (use media or sts)", did_you_mean(name, stack_names())));
      continue;
    }
    StackUse use;
    try {
      if (!kv.second.IsNull()) {
        Reader sr(kv.second, "stacks." + name, s.file);
        use.env = sr.env_map("env");
        if (sr.has("services")) use.services = sr.string_list("services");
        sr.finish();
      }
    } catch (const ScenarioError& e) {
      sink.add(e);
    }
    s.stacks[name] = use;
  }
}

// `secrets: [NAME, ...]`: each an environment variable name (redact.hpp).
void read_secrets(Reader& r, Scenario& s) {
  static const std::regex name_re("[A-Za-z_][A-Za-z0-9_]*");
  const auto node = r.get("secrets");
  s.secrets = r.string_list("secrets");
  for (std::size_t i = 0; i < s.secrets.size(); ++i) {
    if (!std::regex_match(s.secrets[i], name_re)) {
      r.report(node.IsSequence() ? node[i] : node, fmt::format("secrets[{}]", i),
               fmt::format("'{}' is not a variable name", s.secrets[i]));
    }
  }
}

// Every step, each on its own: a step that cannot be read is reported and the next one is read.
void read_steps(Reader& r, const YAML::Node& root, Scenario& s, ProblemSink& sink) {
  if (!r.has("steps")) {
    r.report(root, "steps", "is required (a list of up/down/publish/wait/verify steps)");
    return;
  }
  const auto steps = r.get("steps");
  if (!steps.IsSequence() || steps.size() == 0) {
    r.report(steps, "steps", "must be a non-empty list");
    return;
  }
  for (std::size_t i = 0; i < steps.size(); ++i) {
    try {
      s.steps.push_back(parse_step(steps[i], i, s.file));
    } catch (const ScenarioError& e) {
      sink.add(e);
    }
  }
}

// Every stack a step names must be declared, so its settings are explicit.
void check_declared_stacks(const Scenario& s, ProblemSink& sink) {
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    const auto& step = s.steps[i];
    for (const auto& name : step.action->stacks()) {
      if (kStacks.contains(name) && !s.stacks.contains(name)) {  // an unknown name is reported where it is
        sink.add(fmt::format("{}:{}: steps[{}].{}: names stack '{}', which is not declared under `stacks:`",
                             s.file.string(), step.line, i, step.kind, name));
      }
    }
  }
}

// Why no publish step has sent an input before a step using `input`: none comes before it, or those
// that do (`skipped`: their lines) are skipped.
std::string no_input_before(const std::vector<int>& skipped) {
  if (skipped.empty()) return "no publish step comes before this one";
  if (skipped.size() == 1) {
    return fmt::format("the publish step before this one (line {}) is skipped, and a skipped step sends nothing",
                       skipped.front());
  }
  return fmt::format("the publish steps before this one (lines {}) are skipped, and a skipped step sends nothing",
                     fmt::join(skipped, ", "));
}

// `duration_s: input` compares with what a publish step sent: one that runs must come before the step
// using it. A skipped step is not checked (it does not run), and a skipped publish sends nothing.
void check_input_uses(const Scenario& s, ProblemSink& sink) {
  bool published = false;
  std::vector<int> skipped_publishes;  // their lines
  for (const auto& step : s.steps) {
    if (step.skip) {
      if (step.action->publishes()) skipped_publishes.push_back(step.line);
      continue;
    }
    if (const auto use = step.action->uses_input(); use && !published) {
      sink.add(
          fmt::format("{}:{}: {}: `input` is the length a publish step sent, and {} (write the length in "
                      "seconds instead)",
                      s.file.string(), use->line, use->key, no_input_before(skipped_publishes)));
    }
    published = published || step.action->publishes();
  }
}

}  // namespace

Scenario parse_scenario(const std::string& yaml_text, const fs::path& file) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw ScenarioError(fmt::format("{}:{}: not valid YAML: {}", file.string(), e.mark.line + 1, e.msg));
  }
  if (!root.IsDefined() || root.IsNull())
    throw ScenarioError(fmt::format("{}:1: the scenario is empty", file.string()));
  check_text_lengths(root, file);  // before any std::regex sees a value: scenario_limits.hpp
  // From here on every problem is collected, and thrown together at the end.
  ProblemSink sink(file);
  Reader r(root, "", file);
  Scenario s;
  s.file = file;
  s.name = r.string("name");
  static const std::regex name_re("[a-z0-9][a-z0-9_-]*");
  if (!s.name.empty() && !std::regex_match(s.name, name_re)) {
    r.report(r.get("name"), "name", "use lower-case letters, digits, '-' and '_' (it becomes part of stream names)");
  }
  s.description = r.string("description");
  if (r.has("tags")) s.tags = r.string_list("tags");
  s.timeout = r.duration("timeout", s.timeout);
  if (r.has("stacks")) read_stacks(r, s, sink);
  if (r.has("secrets")) read_secrets(r, s);
  read_steps(r, root, s, sink);
  r.finish();
  check_declared_stacks(s, sink);
  check_input_uses(s, sink);
  for (const auto& problem : var_order_problems(s)) sink.add(problem);
  sink.throw_if_any();
  return s;
}

Scenario load_scenario(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw ScenarioError(fmt::format("{}: cannot read the scenario file (does it exist?)", file.string()));
  std::stringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), file);
}

std::vector<Scenario> load_scenarios(const std::vector<fs::path>& files) {
  std::vector<Scenario> scenarios;
  std::vector<std::string> problems;
  for (const auto& file : files) {
    try {
      scenarios.push_back(load_scenario(file));
    } catch (const ScenarioError& e) {
      problems.insert(problems.end(), e.problems().begin(), e.problems().end());
    }
  }
  if (!problems.empty()) throw ScenarioError(std::move(problems));
  return scenarios;
}

std::vector<fs::path> scenario_files(const std::vector<std::string>& args) {
  std::vector<fs::path> files;
  for (const auto& arg : args) {
    const fs::path p(arg);
    if (fs::is_directory(p)) {
      std::vector<fs::path> found;
      for (const auto& entry : fs::directory_iterator(p)) {
        if (entry.path().extension() == ".yaml" || entry.path().extension() == ".yml") found.push_back(entry.path());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(p)) {
      files.push_back(p);
    } else {
      throw ScenarioError(fmt::format("{}: no such scenario file or folder", arg));
    }
  }
  return files;
}

std::string expand(const std::string& text, const EnvMap& vars) {
  static const std::regex var_re(R"(\$\{([A-Za-z_][A-Za-z0-9_.]*)(:-([^}]*))?\})");
  std::string out;
  auto begin = std::sregex_iterator(text.begin(), text.end(), var_re);
  std::size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    out.append(text, last, static_cast<std::size_t>(m.position()) - last);
    const auto name = m[1].str();
    if (const auto found = vars.find(name); found != vars.end()) {
      out += found->second;
    } else if (const auto env = dub::env::get(name.c_str())) {
      out += *env;
    } else if (m[2].matched) {
      out += m[3].str();
    } else {
      throw dub::Error(
          fmt::format("'${{{}}}' in '{}' is not set and has no default (write ${{{}:-value}})", name, text, name));
    }
    last = static_cast<std::size_t>(m.position() + m.length());
  }
  out.append(text, last);
  return out;
}

}  // namespace dubctl
