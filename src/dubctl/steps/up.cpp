// `up: media`, `up: [media, sts]` or `up: {stacks: [...], timeout: 2m}`: starts the stacks with the
// settings the scenario declares (session.hpp: a running stack with the same settings is reused).
#include <fmt/format.h>

#include "session.hpp"
#include "steps/step.hpp"

namespace dubctl {

namespace {

class Up final : public StepOf<UpStep, Up> {
 public:
  void expand(const EnvMap& /*vars*/) override {}
  [[nodiscard]] std::string describe() const override { return fmt::format("up {}", fmt::join(options.stacks, ", ")); }
  void run(StepContext& ctx, StepResult& /*result*/) const override {
    for (const auto& name : options.stacks) ctx.session.up(name, ctx.scenario.stacks.at(name), options.timeout);
  }
  [[nodiscard]] std::vector<std::string> stacks() const override { return options.stacks; }
};

std::unique_ptr<StepKind> parse(const YAML::Node& value, const std::string& path, const std::filesystem::path& file) {
  auto step = std::make_unique<Up>();
  step->options.stacks = parse_stack_names(value, path, file, "up", &step->options.timeout);
  return step;
}

}  // namespace

StepType up_type() {
  return {"up", {}, {}, parse};
}

}  // namespace dubctl
