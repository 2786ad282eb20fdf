#pragma once
// Scenarios: YAML files that say which compose stacks to start and which steps to run (each step
// of a kind from steps/: steps/step.hpp).
// The schema is strict: an unknown key, a wrong type or a bad duration is rejected before
// anything starts, with the file, line and key in the message. Documented in man/dubctl.1
// and scenarios/README.md.
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dub/util/error.hpp"

namespace dubctl {

using Duration = std::chrono::milliseconds;
using EnvMap = std::map<std::string, std::string>;

struct StackUse {
  EnvMap env;                         // extra compose environment (ports, URLs, modes)
  std::vector<std::string> services;  // empty: every service of the project
};

class StepKind;  // steps/step.hpp

// One entry of a step's `vars:`: a value its result gives the later steps as ${name} (step_vars.hpp).
struct VarCapture {
  std::string name;
  std::string from;   // where in the step's result document (json_path.hpp)
  std::string regex;  // "" or an ECMAScript regex searched in that value: its first group (else the match)
  int line = 0;       // of the entry, 1-based
  std::string key;    // "steps[2].vars.first_rtt", for messages
};

// A ${name} without a default in a step's options: checked against the captures (step_vars.hpp).
struct VarUse {
  std::string name;
  int line = 0;
  std::string key;  // "steps[3].wait.http"
};

struct Step {
  std::string kind;                        // its key: "up", "down", "publish", "monitor", "wait", "verify", ...
  int line = 0;                            // 1-based line in the scenario file
  std::shared_ptr<const StepKind> action;  // what it does (steps/step.hpp)
  // `expect_error: TEXT` beside the step: it passes only if it fails with a message containing TEXT
  // (expect_error.hpp).
  std::optional<std::string> expect_error;
  // `skip: REASON`: the step is not run; the terminal and JUnit system-out show it skipped with REASON.
  std::optional<std::string> skip;
  // `retry: N` (with an optional `delay: D`): a failed step is run again, up to N more times, D apart
  // (retry.hpp). Not with `expect_error`.
  int retry = 0;
  Duration delay{0};
  // `vars: {NAME: {from: PATH, regex: RE}}`: values taken from its result once it passed, ${NAME} for
  // the steps after it (step_vars.hpp). Not with `expect_error`.
  std::vector<VarCapture> vars;
  std::vector<VarUse> uses;  // the ${name}s (without a default) in its options
};

struct Scenario {
  std::filesystem::path file;
  std::string name;
  std::string description;
  std::vector<std::string> tags;
  Duration timeout{std::chrono::minutes(10)};
  std::map<std::string, StackUse> stacks;  // "media", "sts"
  // `secrets: [NAME, ...]`: variables (--env, the stacks' env, the environment) whose values are
  // masked in everything the run writes (redact.hpp).
  std::vector<std::string> secrets;
  std::vector<Step> steps;
};

// Thrown for a malformed scenario; what() is "file:line: key: problem", one line per problem when
// the file has several (parse_scenario reports every problem it can find, not just the first).
class ScenarioError : public dub::Error {
 public:
  explicit ScenarioError(const std::string& problem) : dub::Error(problem), problems_{problem} {}
  explicit ScenarioError(std::vector<std::string> problems);
  // Each "file:line: key: problem", by line.
  [[nodiscard]] const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

Scenario load_scenario(const std::filesystem::path& file);
// Every file, each loaded as load_scenario does; one ScenarioError lists the problems of them all.
std::vector<Scenario> load_scenarios(const std::vector<std::filesystem::path>& files);
Scenario parse_scenario(const std::string& yaml_text, const std::filesystem::path& file_for_messages);

// Scenario files named by the arguments: files as given, folders expanded to their *.yaml (sorted).
std::vector<std::filesystem::path> scenario_files(const std::vector<std::string>& args);

// Expands ${NAME} and ${NAME:-default} from `vars`, then from the process environment. Names may
// hold dots (${media.api}: endpoints.hpp).
// Throws dub::Error naming the variable when it is unset and has no default.
std::string expand(const std::string& text, const EnvMap& vars);

}  // namespace dubctl
