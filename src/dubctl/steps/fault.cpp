// `fault: {stack: sts, service: sts-service, action: kill, after: 12s, timeout: 2m}`: kills, stops,
// starts, restarts, pauses or unpauses a service of a running stack, now or in the background (fault.hpp).
#include <fmt/format.h>

#include <map>
#include <set>

#include "fault.hpp"
#include "scenario_reader.hpp"
#include "steps/step.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

using scenario_detail::Reader;

// The services of each compose project (compose/*/docker-compose.e2e.yml).
const std::map<std::string, std::set<std::string>> kServices = {{"media", {"mediamtx", "media-service"}},
                                                                {"sts", {"sts-service"}}};
const std::set<std::string> kActions = {"kill", "stop", "start", "restart", "pause", "unpause"};

class Fault final : public StepOf<FaultStep, Fault> {
 public:
  void expand(const EnvMap& /*vars*/) override {}
  [[nodiscard]] std::string describe() const override {
    const auto& a = options;
    return fmt::format(
        "fault: {} {} ({} stack){}", a.action, a.service, a.stack,
        a.after.count() > 0 ? fmt::format(" after {:g}s", std::chrono::duration<double>(a.after).count()) : "");
  }
  void run(StepContext& ctx, StepResult& result) const override {
    result.detail = fault_step(options, ctx.session, ctx.tasks);
  }
  [[nodiscard]] std::vector<std::string> stacks() const override { return {options.stack}; }
};

std::unique_ptr<StepKind> parse(const YAML::Node& value, const std::string& path, const fs::path& file) {
  Reader r(value, path, file);
  auto step = std::make_unique<Fault>();
  auto& fault = step->options;
  fault.stack = r.string("stack");
  const auto services = kServices.find(fault.stack);
  if (services == kServices.end()) {
    r.report(r.get("stack"), r.key_path("stack"),
             fmt::format("unknown stack '{}'{} (use media or sts)", fault.stack,
                         did_you_mean(fault.stack, {"media", "sts"})));
  }
  fault.service = r.string("service");
  if (services != kServices.end() && !services->second.contains(fault.service)) {
    const std::vector<std::string> names(services->second.begin(), services->second.end());
    r.report(r.get("service"), r.key_path("service"),
             fmt::format("the {} stack has no service '{}'{} (it has: {})", fault.stack, fault.service,
                         did_you_mean(fault.service, names), fmt::join(names, ", ")));
  }
  fault.action = r.string("action");
  if (!kActions.contains(fault.action)) {
    r.report(r.get("action"), r.key_path("action"),
             fmt::format("unknown action '{}'{} (use kill, stop, start, restart, pause or unpause)", fault.action,
                         did_you_mean(fault.action, {kActions.begin(), kActions.end()})));
  }
  fault.after = r.duration("after", fault.after);
  fault.timeout = r.duration("timeout", fault.timeout);
  if (fault.timeout.count() <= 0) r.report(r.get("timeout"), r.key_path("timeout"), "must be positive");
  r.finish();
  return step;
}

}  // namespace

StepType fault_type() {
  return {"fault", {}, {}, parse};
}

}  // namespace dubctl
