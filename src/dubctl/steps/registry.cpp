// The step kinds a scenario may use, and the parsing of one step: which kind its key (and, for
// `wait` and `verify`, the key inside) names, its line and the keys common to every step
// (`expect_error`, `skip`, `retry`, `delay`, `vars`).
#include <fmt/format.h>

#include <set>

#include "scenario_reader.hpp"
#include "step_vars.hpp"
#include "steps/step.hpp"
#include "suggest.hpp"

namespace fs = std::filesystem;

namespace dubctl {

// Each kind's file defines its StepType; steps/kinds.def lists them, one line per kind.
#define DUBCTL_STEP(name) StepType name##_type();
#include "steps/kinds.def"
#undef DUBCTL_STEP

const std::vector<StepType>& step_types() {
#define DUBCTL_STEP(name) name##_type(),
  static const std::vector<StepType> types = {
#include "steps/kinds.def"
  };
#undef DUBCTL_STEP
  return types;
}

namespace {

using scenario_detail::Reader;

// "up, down, publish, ..., sts or fault": every verb once, in registration order.
std::vector<std::string> verbs() {
  std::vector<std::string> out;
  for (const auto& t : step_types()) {
    if (std::find(out.begin(), out.end(), t.verb) == out.end()) out.push_back(t.verb);
  }
  return out;
}

std::string one_of(const std::vector<std::string>& words) {
  if (words.size() < 2) return fmt::format("{}", fmt::join(words, ""));
  return fmt::format("{} or {}", fmt::join(words.begin(), words.end() - 1, ", "), words.back());
}

bool present(const YAML::Node& map, const std::string& key) {
  return map[key].IsDefined() && !map[key].IsNull();
}

// The kind of `verb` that `value` names: the first whose selector key it has, else the verb's default.
const StepType* choose(const std::string& verb, const YAML::Node& value, const std::string& path,
                       const fs::path& file) {
  std::vector<const StepType*> kinds;
  for (const auto& t : step_types()) {
    if (t.verb == verb) kinds.push_back(&t);
  }
  if (kinds.size() == 1) return kinds.front();
  const Reader r(value, path, file);  // several kinds: the value must be a mapping
  const StepType* fallback = nullptr;
  std::vector<std::string> usages;
  std::vector<std::string> selectors;
  for (const auto* t : kinds) {
    if (t->selectors.empty()) fallback = t;
    for (const auto& key : t->selectors) {
      if (present(value, key)) return t;
    }
    selectors.insert(selectors.end(), t->selectors.begin(), t->selectors.end());
    if (!t->usage.empty()) usages.push_back(t->usage);
  }
  // `wait: {htp: ...}` is a misspelt `http`, not the verb's default kind with an unknown key.
  for (const auto& kv : value) {
    const auto key = kv.first.Scalar();
    if (const auto near = nearest_name(key, selectors)) {
      r.fail(
          kv.first, r.key_path(key),
          fmt::format("unknown key; did you mean {}? (what to {} for: {})", *near, verb, fmt::join(selectors, ", ")));
    }
  }
  if (fallback != nullptr) return fallback;
  r.fail(value, path, fmt::format("say what to {} for: {}", verb, one_of(usages)));
}

// The keys any step may carry beside its kind's key (Step in scenario.hpp).
const std::vector<std::string> kCommonKeys = {"expect_error", "skip", "retry", "delay", "vars"};
constexpr int kMaxRetry = 100;

// `expect_error`, `skip`, `retry`, `delay` and `vars`, into `step`.
void parse_common_keys(Reader& outer, const YAML::Node& item, Step& step) {
  const auto text = [&](const std::string& key, const std::string& what) -> std::optional<std::string> {
    if (!item[key].IsDefined()) return std::nullopt;
    auto value = outer.has(key) ? outer.scalar(outer.get(key), outer.key_path(key)) : "";
    if (value.empty()) outer.fail(item[key], outer.key_path(key), what);
    return value;
  };
  step.expect_error = text("expect_error", "give the text the step's error message must contain");
  step.skip = text("skip", "give the reason the step is skipped");
  step.retry = outer.integer("retry", 0, 0, kMaxRetry);
  step.delay = outer.duration("delay", Duration{0});
  if (item["retry"].IsDefined() && step.expect_error) {
    outer.report(item["retry"], outer.key_path("retry"),
                 "not allowed with expect_error (a step expected to fail is not run again)");
  }
  if (item["delay"].IsDefined() && !item["retry"].IsDefined()) {
    outer.report(item["delay"], outer.key_path("delay"), "is the wait between retries: give retry too");
  }
  if (!item["vars"].IsDefined()) return;
  step.vars = parse_var_captures(outer.get("vars"), outer.key_path("vars"), outer.file());
  if (step.expect_error) {
    outer.report(item["vars"], outer.key_path("vars"), "not allowed with expect_error (a failed step has no result)");
  }
}

}  // namespace

Step parse_step(const YAML::Node& item, std::size_t index, const fs::path& file) {
  const std::string path = fmt::format("steps[{}]", index);
  Reader outer(item, path, file);
  Step step;
  parse_common_keys(outer, item, step);
  const auto known = verbs();
  std::vector<std::string> own;  // the keys that are not common ones: exactly one, the step's kind
  for (const auto& kv : item) {
    const auto key = kv.first.Scalar();
    if (std::find(kCommonKeys.begin(), kCommonKeys.end(), key) == kCommonKeys.end()) own.push_back(key);
  }
  if (own.size() != 1) {
    std::string hint;  // `expect_eror: x` beside `up: media`: the misspelt common key
    for (const auto& key : own) {
      if (hint.empty() && std::find(known.begin(), known.end(), key) == known.end()) {
        hint = did_you_mean(key, kCommonKeys);
      }
    }
    outer.fail(item, path,
               fmt::format("each step is a mapping with exactly one key: {} (and optionally {}){}", one_of(known),
                           fmt::join(kCommonKeys, ", "), hint));
  }
  const auto& verb = own.front();
  if (std::find(known.begin(), known.end(), verb) == known.end()) {
    outer.fail(item, path,
               fmt::format("unknown step '{}'{} (known: {})", verb, did_you_mean(verb, known), fmt::join(known, ", ")));
  }
  const std::string step_path = path + "." + verb;
  step.kind = verb;
  step.line = item.Mark().line + 1;
  step.action = choose(verb, item[verb], step_path, file)->parse(item[verb], step_path, file);
  collect_var_uses(item[verb], step_path, step.uses);
  return step;
}

std::vector<std::string> parse_stack_names(const YAML::Node& value, const std::string& path, const fs::path& file,
                                           const std::string& verb, Duration* timeout,
                                           std::optional<Duration>* max_healthy) {
  const auto names_of = [](Reader& r, const YAML::Node& at) {
    auto names = r.string_list("stacks");
    if (names.empty()) r.report(at, r.key_path("stacks"), "names no stack");
    const std::vector<std::string> stacks(scenario_detail::kStacks.begin(), scenario_detail::kStacks.end());
    for (const auto& name : names) {
      if (!scenario_detail::kStacks.contains(name)) {
        r.report(at, r.key_path("stacks"),
                 fmt::format("unknown stack '{}'{} (use media or sts)", name, did_you_mean(name, stacks)));
      }
    }
    return names;
  };
  if (value.IsMap()) {
    Reader r(value, path, file);
    auto names = names_of(r, value);
    if (timeout != nullptr) *timeout = r.duration("timeout", *timeout);
    if (max_healthy != nullptr && r.has("max_healthy")) {
      *max_healthy = r.duration("max_healthy", Duration{0});
      if (timeout != nullptr && **max_healthy > *timeout) {
        r.report(r.get("max_healthy"), r.key_path("max_healthy"),
                 fmt::format("{:g} s is longer than the step's timeout ({:g} s): the wait would give up first",
                             std::chrono::duration<double>(**max_healthy).count(),
                             std::chrono::duration<double>(*timeout).count()));
      }
    }
    r.finish();
    return names;
  }
  if (value.IsScalar() || value.IsSequence()) {
    YAML::Node wrapper;
    wrapper["stacks"] = value;
    Reader r(wrapper, path, file);
    return names_of(r, value);
  }
  throw ScenarioError(fmt::format("{}:{}: {}: {} takes a stack name, a list of names, or {{stacks: [...]}}",
                                  file.string(), value.Mark().line + 1, path, verb));
}

}  // namespace dubctl
