#pragma once
// A step's `vars:` (venom's `vars:`): values taken from the step's result once it has passed, which
// every later step of the same scenario reads as ${NAME}:
//
//   - verify: {worker: {state: completed}}
//     vars:
//       dubbed: {from: "$.output_stats.fragments_dubbed"}   # a path into the result (json_path.hpp)
//       state: $.state                                     # short for {from: $.state}
//       level: {from: "$.line", regex: "level=(\\w+)"}      # a regex on that value: its first group
//
// The result document of a step is its kind's own fields (StepResult::data: e.g. the worker record
// for `verify: {worker}`, {status, body} for `wait: {http}`), plus `detail` (its one-line report) and
// `measurements` (its JUnit properties, numbers as numbers): steps/result.cpp.
//
// Checked before anything runs: each path and regex; a name that is not a variable name or is one
// the runner sets (stream, media.api, ...); a ${NAME} a step uses that only a later step, the step
// itself or a skipped step captures. At run time a path that is not in the result, a regex that does
// not match or a value that is null fails the step (so `retry:` covers it), naming file:line, the
// `vars` key and the name.
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "redact.hpp"
#include "scenario.hpp"

namespace YAML {
class Node;
}

namespace dubctl {

// Regexes apply to values up to this long (libstdc++'s std::regex recurses once per character).
inline constexpr std::size_t kMaxCaptureRegexText = 16384;

// The names the runner sets for every scenario, which `vars:` may not capture (runner.cpp,
// endpoints.hpp).
const std::vector<std::string>& runner_var_names();

// The `vars:` mapping at `path` of `file` (strict: problems go to the open ProblemSink).
std::vector<VarCapture> parse_var_captures(const YAML::Node& node, const std::string& path,
                                           const std::filesystem::path& file);

// Every ${name} without a default in the scalars of `node` and below (`path` its key), into `out`.
void collect_var_uses(const YAML::Node& node, const std::string& path, std::vector<VarUse>& out);

// "file:line: key: problem" for each use of a name the scenario captures before any earlier step
// that runs has captured it: a skipped step captures nothing, and what it uses itself is not looked
// at (it is never expanded).
std::vector<std::string> var_order_problems(const Scenario& s);

// For `dubctl validate`: each use of a name nothing sets that is within two edits of a name a
// scenario step captures ("did you mean ...?"). Names the runner sets, the stacks' env and the
// environment hold are not flagged; a --var is unknown here, so a --var that near a captured name
// is (rename one of them).
std::vector<std::string> var_typo_problems(const Scenario& s, const EnvMap& environment);

struct CapturedVar {
  std::string name;
  std::string value;
  // Named as a secret (Redactor::is_secret), or taken from text where it overlaps a secret's value.
  bool secret = false;
};

// Takes each of `step`'s vars from `result` (its result document); throws dub::Error
// "file:line: steps[i].vars.NAME: ..." for the first that cannot be taken (whatever it was that
// failed: a missing path, a regex, JSON that cannot be written). A failure quotes the text the var
// was taken from, except for a secret-named one. `on_secret` gets each secret one as soon as it is
// taken, before the next var is: a later var's failure may quote text holding its value.
std::vector<CapturedVar> capture_vars(const Step& step, const nlohmann::json& result, const std::filesystem::path& file,
                                      const Redactor& redactor,
                                      const std::function<void(const CapturedVar&)>& on_secret = {});

// "vars: a=1, b=***" for the step's line (secret ones masked); "" for none.
std::string captured_summary(const std::vector<CapturedVar>& captured);

// The failure of expanding `step`'s options (`error`, from expand()) told with the scenario's
// file:line: key of the first ${name} that `vars` does not set, and the nearest set name; `error`
// itself when no use explains it.
std::string unset_var_message(const Step& step, const EnvMap& vars, const std::filesystem::path& file,
                              const std::string& error);

}  // namespace dubctl
