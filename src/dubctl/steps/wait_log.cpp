// `wait: {log: TEXT | /regex/ | {fields: ...}, stack: media, service: media-service, timeout: 30s}`:
// waits for a line in a stack's container logs logged since the scenario started (log_wait.hpp).
#include <fmt/format.h>

#include <regex>
#include <utility>

#include "scenario_reader.hpp"
#include "stacks.hpp"
#include "steps/step.hpp"

namespace dubctl {

namespace {

class WaitLog final : public StepOf<WaitLogStep, WaitLog> {
 public:
  void expand(const EnvMap& vars) override {
    expand_each(vars, options.pattern);
    if (options.fields) {
      const LogFieldsMatcher expanded(*options.fields,
                                      [&vars](const std::string& t) { return dubctl::expand(t, vars); });
      options.fields = expanded.match();
    }
  }
  [[nodiscard]] std::string describe() const override {
    return fmt::format("wait for a log line {} from {}",
                       options.fields ? "with fields " + options.fields->fields.dump() : options.pattern,
                       options.service.empty() ? options.stack : options.service);
  }
  void run(StepContext& ctx, StepResult& result) const override {
    auto match =
        wait_log(options, stacks_for(options.stack, ctx.root).front(), stack_env(ctx, options.stack), ctx.started_at);
    result.detail = std::move(match.detail);  // shortened for the step's line
    result.data = log_line_json(match.line);  // whole, for `vars:`
  }
  [[nodiscard]] std::vector<std::string> stacks() const override { return {options.stack}; }
};

std::unique_ptr<StepKind> parse(const YAML::Node& value, const std::string& path, const std::filesystem::path& file) {
  scenario_detail::Reader r(value, path, file);
  auto step = std::make_unique<WaitLog>();
  auto& wait = step->options;
  if (r.get("log").IsMap()) {
    wait.fields = scenario_detail::parse_log_fields(r.get("log"), r.key_path("log"), r.file());
  } else {
    wait.pattern = r.string("log");
    if (const auto problem = log_pattern_problem(wait.pattern)) r.report(r.get("log"), r.key_path("log"), *problem);
  }
  wait.stack = r.string("stack");
  if (!scenario_detail::kStacks.contains(wait.stack)) {
    r.report(r.get("stack"), r.key_path("stack"), fmt::format("unknown stack '{}' (use media or sts)", wait.stack));
  }
  wait.service = r.string_or("service", "");
  static const std::regex service_re("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
  if (r.has("service") && !std::regex_match(wait.service, service_re)) {
    r.report(
        r.get("service"), r.key_path("service"),
        fmt::format("'{}' is not a compose service name (e.g. media-service, mediamtx, sts-service)", wait.service));
  }
  wait.timeout = r.duration("timeout", wait.timeout);
  r.finish();
  return step;
}

}  // namespace

StepType wait_log_type() {
  return {"wait", {"log"}, "`log: TEXT`", parse};
}

}  // namespace dubctl
