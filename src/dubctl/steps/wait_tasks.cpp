// `wait: {publish: done}`, `wait: {record: done}`, `wait: {fault: done}`: waits until every
// background task of that kind (a fixture playing, a recording, a delayed fault) has ended.
#include <fmt/format.h>

#include <algorithm>

#include "eventually.hpp"
#include "scenario_reader.hpp"
#include "steps/step.hpp"

namespace dubctl {

namespace {

class WaitTasks final : public StepOf<WaitPublishStep, WaitTasks> {
 public:
  void expand(const EnvMap& /*vars*/) override {}
  [[nodiscard]] std::string describe() const override { return fmt::format("wait for {} to finish", options.what); }

  void run(StepContext& ctx, StepResult& result) const override {
    const auto& kind = options.what;
    const std::string what = kind == "publish" ? "the fixture to finish playing"
                             : kind == "fault" ? "the delayed fault to act"
                                               : "the recording to end";
    auto& tasks = ctx.tasks;
    auto mine = [&kind](const auto& t) { return t->kind() == kind; };
    if (std::none_of(tasks.begin(), tasks.end(), mine)) {
      throw dub::Error(fmt::format("nothing to wait for: no background {} step before this one", kind));
    }
    std::string last;
    const auto ended = [&](std::string&) -> std::optional<std::string> {
      const bool all =
          std::all_of(tasks.begin(), tasks.end(), [&](const auto& t) { return !mine(t) || t->finished(); });
      return all ? std::optional<std::string>("done") : std::nullopt;
    };
    if (!eventually({"waiting for " + what, options.timeout, std::chrono::milliseconds(250)}, ended, last)) {
      throw dub::Error(fmt::format("{} did not happen in time", what));
    }
    // The tasks waited for are done with: a later wait of the same kind (a second publish after a
    // fault) only waits for the tasks started after this one.
    std::string detail;
    std::string error;
    for (const auto& t : tasks) {
      if (!mine(t)) continue;
      t->join();
      if (error.empty()) error = t->error();
      detail += t->summary() + " ";
    }
    std::erase_if(tasks, mine);
    if (!error.empty()) throw dub::Error(error);
    result.detail = detail;
  }
};

std::unique_ptr<StepKind> parse(const YAML::Node& value, const std::string& path, const std::filesystem::path& file) {
  scenario_detail::Reader r(value, path, file);
  auto step = std::make_unique<WaitTasks>();
  auto& o = step->options;
  o.what = r.has("publish") ? "publish" : r.has("record") ? "record" : "fault";
  if (r.string(o.what) != "done") r.report(r.get(o.what), r.key_path(o.what), "the only value is `done`");
  o.timeout = r.duration("timeout", o.timeout);
  r.finish();
  return step;
}

}  // namespace

StepType wait_tasks_type() {
  return {"wait", {"publish", "record", "fault"}, "`publish: done`, `record: done`, `fault: done`", parse};
}

}  // namespace dubctl
