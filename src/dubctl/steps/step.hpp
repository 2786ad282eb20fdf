#pragma once
// A scenario step kind: one file under src/dubctl/steps/ implements it, one line in
// steps/kinds.def registers it.
//   parse     YAML -> typed options (strict: "file:line: key: problem"), done for every scenario
//             before anything starts;
//   expand    every ${...} in its options, once, just before it runs (runner.cpp);
//   describe  the one line the terminal and JUnit show for it;
//   run       does it, with what the run shares (StepContext), into a StepResult: detail,
//             measurements, problems (unmet expectations fail the step).
// The runner knows no kind by name.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "background_task.hpp"
#include "dub/sts/protocol_gen.hpp"
#include "fixture_check.hpp"
#include "log_wait.hpp"
#include "scenario.hpp"
#include "steps/options.hpp"

namespace dubctl {

class Session;
class StsMonitor;
struct ScenarioEvidence;

using Properties = std::vector<std::pair<std::string, std::string>>;

// What a step gives back: its one-line report, the figures it measured (JUnit properties; the typed
// ones for report.html go to the scenario's evidence, evidence.hpp) and the expectations it found
// unmet. With problems the step fails: "<detail>:\n  - <problem>..." (detail says what does not match).
// `data` is what the kind observed, typed, for the step's `vars:` (step_vars.hpp): e.g. the worker
// record, an HTTP answer, a log line (steps/result.cpp serialises those it has).
struct StepResult {
  std::string detail;
  Properties measurements;
  std::vector<std::string> problems;
  nlohmann::json data = nlohmann::json::object();
};

// The step's result document that `vars:` paths read: the members of `data`, then `detail` and
// `measurements` (each property, a number when it reads as one, else its text).
nlohmann::json result_json(const StepResult& result);

// `wait: {http}`'s data: {"status": 200, "body": <the body as JSON when it parses, else its text>}.
nlohmann::json http_answer_json(int status, const std::string& body);

// `wait: {log}`'s data: {"line": <the matching line>, "fields": <its JSON object, when it is one>}.
nlohmann::json log_line_json(const std::string& line);

// What a running step may use: the run's stacks, the scenario's background tasks, its STS monitor,
// its evidence for report.html and where its artifacts go.
struct StepContext {
  const Scenario& scenario;
  Session& session;
  std::filesystem::path root;          // the project root
  std::filesystem::path scenario_dir;  // <artifacts>/<scenario>
  EnvMap& vars;                        // what ${...} expands to; each step's `vars:` add to it (step_vars.hpp)
  const EnvMap& env;                   // --env: every stack's compose environment
  WallClock::time_point started_at;    // the scenario's start (log waits look from here on)
  Tasks& tasks;
  std::unique_ptr<StsMonitor>& monitor;
  ScenarioEvidence& evidence;
  bool update_golden = false;  // dubctl run --update-golden: `golden:` files are rewritten, not compared
};

class StepKind {
 public:
  StepKind() = default;
  StepKind(const StepKind&) = default;
  StepKind& operator=(const StepKind&) = default;
  StepKind(StepKind&&) = default;
  StepKind& operator=(StepKind&&) = default;
  virtual ~StepKind() = default;

  [[nodiscard]] virtual std::unique_ptr<StepKind> clone() const = 0;
  // Replaces every ${...} in the options (scenario.hpp: expand); throws dub::Error naming an unset one.
  virtual void expand(const EnvMap& vars) = 0;
  [[nodiscard]] virtual std::string describe() const = 0;
  // Fills `result` as it goes (what was measured before a failure is kept); throws dub::Error when
  // it cannot do its work.
  virtual void run(StepContext& ctx, StepResult& result) const = 0;
  // The stacks it names (each must be declared under `stacks:`).
  [[nodiscard]] virtual std::vector<std::string> stacks() const { return {}; }
  // A fixture it needs (checked before anything starts; "" when none).
  [[nodiscard]] virtual std::string fixture() const { return {}; }
  // It sends media into the pipeline: what `duration_s: input` of a later step compares with.
  [[nodiscard]] virtual bool publishes() const { return false; }
  // Where it uses what a publish step before it sent (`duration_s: input`); nullopt when it does not.
  [[nodiscard]] virtual std::optional<KeyAt> uses_input() const { return std::nullopt; }
};

// A kind whose options are `Options` (scenario.hpp); step_as<Options>(step) reads them back.
template <typename Options>
class Typed : public StepKind {
 public:
  Options options;
};

// Implements clone() for a kind `Self` with options `Options`.
template <typename Options, typename Self>
class StepOf : public Typed<Options> {
 public:
  [[nodiscard]] std::unique_ptr<StepKind> clone() const override {
    return std::make_unique<Self>(static_cast<const Self&>(*this));
  }
};

// The options of `step` when it is of the kind with options `Options`; throws std::bad_cast
// otherwise.
template <typename Options>
const Options& step_as(const Step& step) {
  return dynamic_cast<const Typed<Options>&>(*step.action).options;
}

// Expands each of `texts` in place.
template <typename... Text>
void expand_each(const EnvMap& vars, Text&... texts) {
  ((texts = dubctl::expand(texts, vars)), ...);
}

// A fragment status a step may expect: one of the protocol's (dub/sts/protocol_gen.hpp) or "any".
inline bool known_status(const std::string& status) {
  return status == "any" || std::find(dub::sts::protocol::kStatuses.begin(), dub::sts::protocol::kStatuses.end(),
                                      status) != dub::sts::protocol::kStatuses.end();
}

// The compose environment stack `name` runs with in this scenario: the run's --env, the stack's
// `env:` over it (what the compose tool needs to find the project's containers).
inline EnvMap stack_env(const StepContext& ctx, const std::string& name) {
  EnvMap env = ctx.env;
  if (const auto use = ctx.scenario.stacks.find(name); use != ctx.scenario.stacks.end()) {
    for (const auto& [k, v] : use->second.env) env[k] = v;
  }
  return env;
}

// How a scenario file says a kind: its step key (`verb`) and, for verbs with several kinds (wait,
// verify), the keys that choose it (none: the verb's default kind).
struct StepType {
  std::string verb;
  std::vector<std::string> selectors;
  std::string usage;  // how it is written, for "say what to wait for: ..."
  std::unique_ptr<StepKind> (*parse)(const YAML::Node& value, const std::string& path,
                                     const std::filesystem::path& file);
};

// Every kind, in the order a verb's kinds are tried (steps/kinds.def).
const std::vector<StepType>& step_types();

// Parses steps[index] of `file`: its kind, line and `expect_error`.
Step parse_step(const YAML::Node& item, std::size_t index, const std::filesystem::path& file);

// `up: media`, `down: [media, sts]` or `{stacks: [...], timeout: 2m, max_healthy: 30s}` (timeout
// only when `timeout` is given, max_healthy only when `max_healthy` is): the stack names, each media
// or sts.
std::vector<std::string> parse_stack_names(const YAML::Node& value, const std::string& path,
                                           const std::filesystem::path& file, const std::string& verb,
                                           Duration* timeout, std::optional<Duration>* max_healthy = nullptr);

}  // namespace dubctl
