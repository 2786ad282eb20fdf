// `monitor: {sts: URL, token: TOKEN}`: starts watching the STS /monitor namespace (before publishing,
// so nothing is missed); `wait: {fragments: N}` and `verify: {fragments: ...}` read what it saw.
#include <fmt/format.h>

#include "evidence.hpp"
#include "scenario_reader.hpp"
#include "steps/step.hpp"
#include "sts_monitor.hpp"

namespace dubctl {

namespace {

class Monitor final : public StepOf<MonitorStep, Monitor> {
 public:
  void expand(const EnvMap& vars) override { expand_each(vars, options.sts_url, options.auth_token); }
  [[nodiscard]] std::string describe() const override { return fmt::format("monitor STS at {}", options.sts_url); }
  void run(StepContext& ctx, StepResult& result) const override {
    ctx.monitor = std::make_unique<StsMonitor>(options.sts_url, options.auth_token);
    ctx.evidence.monitored = true;
    result.detail = "connected to /monitor";
  }
};

std::unique_ptr<StepKind> parse(const YAML::Node& value, const std::string& path, const std::filesystem::path& file) {
  scenario_detail::Reader r(value, path, file);
  auto step = std::make_unique<Monitor>();
  step->options.sts_url = r.string_or("sts", step->options.sts_url);
  step->options.auth_token = r.string_or("token", step->options.auth_token);
  r.finish();
  return step;
}

}  // namespace

StepType monitor_type() {
  return {"monitor", {}, {}, parse};
}

}  // namespace dubctl
