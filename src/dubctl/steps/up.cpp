// `up: media`, `up: [media, sts]` or `up: {stacks: [...], timeout: 2m, max_healthy: 30s}`: starts the
// stacks with the settings the scenario declares, together (session.hpp: a running stack with the same
// settings is reused). Each stack it starts is timed from `compose up` to healthy (JUnit `<stack>_healthy_s`);
// with `max_healthy` (SC-006) each must start cold here (none of its containers running before) and
// be healthy within that bound.
#include <fmt/format.h>

#include "session.hpp"
#include "steps/step.hpp"

namespace dubctl {

namespace {

double seconds(Duration d) {
  return std::chrono::duration<double>(d).count();
}

class Up final : public StepOf<UpStep, Up> {
 public:
  void expand(const EnvMap& /*vars*/) override {}
  [[nodiscard]] std::string describe() const override { return fmt::format("up {}", fmt::join(options.stacks, ", ")); }
  void run(StepContext& ctx, StepResult& result) const override {
    std::vector<std::string> report;
    std::vector<std::pair<std::string, StackUse>> stacks;
    for (const auto& name : options.stacks) stacks.emplace_back(name, ctx.scenario.stacks.at(name));
    const auto took = ctx.session.up(stacks, options.timeout);
    for (std::size_t i = 0; i < stacks.size(); ++i) {
      const auto& name = options.stacks[i];
      const auto& healthy = took[i];
      if (!healthy) {
        report.push_back(fmt::format("{} not started cold (running before the step)", name));
        if (options.max_healthy) {
          result.problems.push_back(
              fmt::format("{}: already running when the step began, so no cold start was timed (put `down: {}` "
                          "before this step; one started outside the run: `dubctl down {}`)",
                          name, name, name));
        }
        continue;
      }
      result.measurements.emplace_back(name + "_healthy_s", fmt::format("{:.1f}", seconds(*healthy)));
      report.push_back(fmt::format("{} healthy {:.1f} s after compose up", name, seconds(*healthy)));
      if (options.max_healthy && *healthy > *options.max_healthy) {
        result.problems.push_back(
            fmt::format("{}: healthy {:.1f} s after compose up, over the {:g} s bound (max_healthy)", name,
                        seconds(*healthy), seconds(*options.max_healthy)));
      }
    }
    result.detail = fmt::format("{}", fmt::join(report, ", "));
  }
  [[nodiscard]] std::vector<std::string> stacks() const override { return options.stacks; }
};

std::unique_ptr<StepKind> parse(const YAML::Node& value, const std::string& path, const std::filesystem::path& file) {
  auto step = std::make_unique<Up>();
  step->options.stacks = parse_stack_names(value, path, file, "up", &step->options.timeout, &step->options.max_healthy);
  return step;
}

}  // namespace

StepType up_type() {
  return {"up", {}, {}, parse};
}

}  // namespace dubctl
