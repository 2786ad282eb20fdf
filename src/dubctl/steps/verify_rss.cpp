// `verify: {rss: {stack: sts, service: sts-service, max_mb: 800}}`: the peak resident memory (VmHWM)
// of a running service's main process is at most `max_mb` (peak_rss.hpp). Placed after a load, it
// bounds the memory the load cost; the same figure for every service. With `max_growth_mb`, its RSS
// floor (the lowest over `window`) against the scenario's first sample of that service: a soak
// samples at start, middle and end.
#include <fmt/format.h>

#include <algorithm>

#include "containers.hpp"
#include "eventually.hpp"
#include "evidence.hpp"
#include "peak_rss.hpp"
#include "scenario_reader.hpp"
#include "stacks.hpp"
#include "steps/step.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

using scenario_detail::Reader;

// "sts-service" -> "sts_service", for property names.
std::string underscored(std::string name) {
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

class VerifyRss final : public StepOf<VerifyRssStep, VerifyRss> {
 public:
  void expand(const EnvMap& /*vars*/) override {}
  [[nodiscard]] std::string describe() const override {
    return fmt::format("verify the peak RSS of {} ({} stack) is at most {:g} MB", options.service, options.stack,
                       options.max_mb);
  }
  void run(StepContext& ctx, StepResult& result) const override {
    const auto stack = stacks_for(options.stack, ctx.root).front();
    const auto containers = container_statuses(stack, stack_env(ctx, options.stack));
    const auto it = std::find_if(containers.begin(), containers.end(),
                                 [&](const ContainerStatus& c) { return c.service == options.service; });
    if (it == containers.end()) {
      std::vector<std::string> services;
      services.reserve(containers.size());
      for (const auto& c : containers) services.push_back(c.service);
      throw dub::Error(fmt::format("compose project {} has no container of service {} (it has: {})", stack.project,
                                   options.service,
                                   services.empty() ? "none" : fmt::format("{}", fmt::join(services, ", "))));
    }
    if (!it->running()) throw dub::Error(not_running_message(*it, stack.project));
    const auto memory = container_memory(it->name);
    const auto key = underscored(options.service);
    result.measurements.emplace_back(fmt::format("peak_rss_{}_mb", key), fmt::format("{:.1f}", to_mb(memory.peak_kb)));
    result.measurements.emplace_back(fmt::format("rss_{}_mb", key), fmt::format("{:.1f}", to_mb(memory.now_kb)));
    result.measurements.emplace_back(fmt::format("max_rss_{}_mb", key), fmt::format("{:g}", options.max_mb));
    result.data = {{"peak_rss_mb", to_mb(memory.peak_kb)}, {"rss_mb", to_mb(memory.now_kb)}};
    result.detail = fmt::format("{} peak RSS {:.1f} MB (now {:.1f} MB), bound {:g} MB", options.service,
                                to_mb(memory.peak_kb), to_mb(memory.now_kb), options.max_mb);
    if (auto problem = rss_problem(options.service, memory, options.max_mb)) result.problems.push_back(*problem);
    if (options.max_growth_mb) growth(ctx, rss_floor_kb(it->name, memory.now_kb), key, result);
  }
  [[nodiscard]] std::vector<std::string> stacks() const override { return {options.stack}; }

 private:
  // The lowest VmRSS over `window`: the floor between fragments, not one caught in flight.
  [[nodiscard]] long long rss_floor_kb(const std::string& container, long long now_kb) const {
    long long floor = now_kb;
    std::string last;
    const Wait wait{.what = "", .timeout = options.window, .interval = std::chrono::milliseconds(250)};
    (void)eventually(
        wait,
        [&](std::string& /*last*/) -> std::optional<std::string> {
          floor = std::min(floor, container_memory(container).now_kb);
          return std::nullopt;  // sample until the window is over
        },
        last);
    return floor;
  }

  // The RSS floor against the scenario's first sample of the service (taken here when there is none).
  void growth(StepContext& ctx, long long floor_kb, const std::string& key, StepResult& result) const {
    const auto [first, taken] = ctx.evidence.rss_first_kb.try_emplace(options.stack + "/" + options.service, floor_kb);
    const double grown = to_mb(floor_kb - first->second);
    result.measurements.emplace_back(fmt::format("rss_floor_{}_mb", key), fmt::format("{:.1f}", to_mb(floor_kb)));
    result.measurements.emplace_back(fmt::format("rss_growth_{}_mb", key), fmt::format("{:.1f}", grown));
    result.data["rss_floor_mb"] = to_mb(floor_kb);
    result.data["rss_growth_mb"] = grown;
    result.detail += fmt::format("; floor {:.1f} MB over {} ms", to_mb(floor_kb), options.window.count());
    result.detail += taken ? ", the scenario's first sample" : fmt::format(", grown {:.1f} MB since the first", grown);
    if (auto problem = rss_growth_problem(options.service, first->second, floor_kb, *options.max_growth_mb)) {
      result.problems.push_back(*problem);
    }
  }
};

std::unique_ptr<StepKind> parse(const YAML::Node& value, const std::string& path, const fs::path& file) {
  Reader outer(value, path, file);
  auto step = std::make_unique<VerifyRss>();
  auto& o = step->options;
  Reader r(outer.get("rss"), outer.key_path("rss"), file);
  o.stack = r.string("stack");
  if (r.has("stack") && !scenario_detail::kStacks.contains(o.stack)) {
    r.report(r.get("stack"), r.key_path("stack"), fmt::format("unknown stack '{}' (use media or sts)", o.stack));
  }
  o.service = r.string("service");  // one the project lacks is named with those it has, at run time
  if (r.has("max_mb")) {
    o.max_mb = r.number("max_mb", r.get("max_mb"));
    if (o.max_mb <= 0) r.report(r.get("max_mb"), r.key_path("max_mb"), "must be a size in MB above 0");
  } else {
    r.string("max_mb");  // required: a bound makes it a check
  }
  if (r.has("max_growth_mb")) {
    o.max_growth_mb = r.number("max_growth_mb", r.get("max_growth_mb"));
    if (*o.max_growth_mb < 0) r.report(r.get("max_growth_mb"), r.key_path("max_growth_mb"), "must be 0 MB or more");
  }
  if (r.has("window") && !o.max_growth_mb) {
    r.report(r.get("window"), r.key_path("window"),
             "only means something with max_growth_mb (it is that check's sampling)");
  }
  o.window = r.duration("window", o.window);
  r.finish();
  outer.finish();
  return step;
}

}  // namespace

StepType verify_rss_type() {
  return {"verify", {"rss"}, {}, parse};
}

}  // namespace dubctl
