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
#include "steps/step.hpp"

namespace fs = std::filesystem;

namespace dubctl {

using scenario_detail::kStacks;
using scenario_detail::Reader;

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
  Reader r(root, "", file);
  Scenario s;
  s.file = file;
  s.name = r.string("name");
  static const std::regex name_re("[a-z0-9][a-z0-9_-]*");
  if (!std::regex_match(s.name, name_re)) {
    r.fail(r.get("name"), "name", "use lower-case letters, digits, '-' and '_' (it becomes part of stream names)");
  }
  s.description = r.string("description");
  if (r.has("tags")) s.tags = r.string_list("tags");
  s.timeout = r.duration("timeout", s.timeout);

  if (r.has("stacks")) {
    const auto stacks = r.get("stacks");
    if (!stacks.IsMap()) r.fail(stacks, "stacks", "must map stack names (media, sts) to their settings");
    for (const auto& kv : stacks) {
      const auto name = kv.first.Scalar();
      if (!kStacks.contains(name)) r.fail(kv.first, "stacks." + name, "unknown stack (use media or sts)");
      StackUse use;
      if (!kv.second.IsNull()) {
        Reader sr(kv.second, "stacks." + name, file);
        use.env = sr.env_map("env");
        if (sr.has("services")) use.services = sr.string_list("services");
        sr.finish();
      }
      s.stacks[name] = use;
    }
  }

  if (!r.has("steps")) r.fail(root, "steps", "is required (a list of up/down/publish/wait/verify steps)");
  const auto steps = r.get("steps");
  if (!steps.IsSequence() || steps.size() == 0) r.fail(steps, "steps", "must be a non-empty list");
  for (std::size_t i = 0; i < steps.size(); ++i) s.steps.push_back(parse_step(steps[i], i, file));
  r.finish();

  // Every stack a step names must be declared, so its settings are explicit.
  for (const auto& step : s.steps) {
    for (const auto& name : step.action->stacks()) {
      if (!s.stacks.contains(name)) {
        throw ScenarioError(fmt::format("{}:{}: steps: '{}' names stack '{}', which is not declared under `stacks:`",
                                        file.string(), step.line, step.kind, name));
      }
    }
  }
  return s;
}

Scenario load_scenario(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw ScenarioError(fmt::format("{}: cannot read the scenario file (does it exist?)", file.string()));
  std::stringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), file);
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
