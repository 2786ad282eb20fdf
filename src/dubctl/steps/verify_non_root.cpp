// `verify: {non_root: [media, sts]}`: no process of any running container of these stacks runs as
// root. The uid is the one the host sees (`docker top`, containers.hpp), not the image's USER, so a
// compose `user:`, an entrypoint that drops privileges or one that does not are all seen as they are.
#include <fmt/format.h>

#include <set>

#include "containers.hpp"
#include "scenario_reader.hpp"
#include "stacks.hpp"
#include "steps/step.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

using scenario_detail::Reader;

class VerifyNonRoot final : public StepOf<VerifyNonRootStep, VerifyNonRoot> {
 public:
  void expand(const EnvMap& /*vars*/) override {}
  [[nodiscard]] std::string describe() const override {
    return fmt::format("verify no process of the {} stack(s) runs as root", fmt::join(options.stacks, ", "));
  }
  void run(StepContext& ctx, StepResult& result) const override {
    std::vector<std::string> seen;
    nlohmann::json data = nlohmann::json::object();
    for (const auto& name : options.stacks) {
      const auto stack = stacks_for(name, ctx.root).front();
      int running = 0;
      for (const auto& c : container_statuses(stack, stack_env(ctx, name))) {
        if (!c.running()) continue;
        ++running;
        std::set<int> uids;
        for (const auto& p : container_processes(c.name)) {
          uids.insert(p.uid);
          data[c.service].push_back({{"pid", p.pid}, {"uid", p.uid}, {"command", p.command}});
          if (p.uid == 0) {
            result.problems.push_back(fmt::format("{} (compose project {}): process {} ({}) runs as root (uid 0)",
                                                  c.service, stack.project, p.pid, p.command));
          }
        }
        if (uids.empty()) result.problems.push_back(fmt::format("{}: `docker top` listed no process", c.service));
        seen.push_back(fmt::format("{} uid {}", c.service, fmt::join(uids, "/")));
      }
      if (running == 0) result.problems.push_back(fmt::format("the {} stack has no running container", name));
    }
    result.detail = seen.empty() ? "no container" : fmt::format("{}", fmt::join(seen, ", "));
    result.data = {{"processes", data}};
  }
  [[nodiscard]] std::vector<std::string> stacks() const override { return options.stacks; }
};

std::unique_ptr<StepKind> parse(const YAML::Node& value, const std::string& path, const fs::path& file) {
  Reader r(value, path, file);
  auto step = std::make_unique<VerifyNonRoot>();
  step->options.stacks = r.string_list("non_root");
  for (const auto& name : step->options.stacks) {
    if (!scenario_detail::kStacks.contains(name)) {
      r.report(r.get("non_root"), r.key_path("non_root"), fmt::format("unknown stack '{}' (use media or sts)", name));
    }
  }
  if (step->options.stacks.empty()) r.report(r.get("non_root"), r.key_path("non_root"), "names no stack");
  r.finish();
  return step;
}

}  // namespace

StepType verify_non_root_type() {
  return {"verify", {"non_root"}, {}, parse};
}

}  // namespace dubctl
