// `down: media`, `down: [media, sts]` or `down: {stacks: [...]}`: stops and removes the stacks.
#include <fmt/format.h>

#include "session.hpp"
#include "steps/step.hpp"

namespace dubctl {

namespace {

class Down final : public StepOf<DownStep, Down> {
 public:
  void expand(const EnvMap& /*vars*/) override {}
  [[nodiscard]] std::string describe() const override {
    return fmt::format("down {}", fmt::join(options.stacks, ", "));
  }
  void run(StepContext& ctx, StepResult& /*result*/) const override {
    for (const auto& name : options.stacks) ctx.session.down(name);
  }
  [[nodiscard]] std::vector<std::string> stacks() const override { return options.stacks; }
};

std::unique_ptr<StepKind> parse(const YAML::Node& value, const std::string& path, const std::filesystem::path& file) {
  auto step = std::make_unique<Down>();
  step->options.stacks = parse_stack_names(value, path, file, "down", nullptr);
  return step;
}

}  // namespace

StepType down_type() {
  return {"down", {}, {}, parse};
}

}  // namespace dubctl
