// `wait: {fragments: N, stream: ${stream}, timeout: 2m}`: waits until STS has processed N
// fragments of the stream (as the `monitor:` step sees them).
#include <fmt/format.h>

#include "eventually.hpp"
#include "scenario_reader.hpp"
#include "steps/step.hpp"
#include "sts_monitor.hpp"

namespace dubctl {

namespace {

class WaitFragments final : public StepOf<WaitFragmentsStep, WaitFragments> {
 public:
  void expand(const EnvMap& vars) override { expand_each(vars, options.stream); }
  [[nodiscard]] std::string describe() const override {
    return fmt::format("wait for {} STS fragment(s) of {}", options.count, options.stream);
  }

  void run(StepContext& ctx, StepResult& result) const override {
    auto& monitor = need_monitor(ctx.monitor);
    const auto& stream = options.stream;
    const auto count = static_cast<std::size_t>(options.count);
    std::size_t have = 0;
    std::string last;
    const auto attempt = [&](std::string& seen) -> std::optional<std::string> {
      have = monitor.wait_for(stream, count, std::chrono::milliseconds(500));  // blocks: no extra interval
      seen = fmt::format("{} so far", have);
      return have >= count ? std::optional<std::string>(fmt::format("{} fragments", have)) : std::nullopt;
    };
    const Wait wait{fmt::format("waiting for STS to process {} fragment(s) of {}", count, stream), options.timeout,
                    Duration{0}};
    if (!eventually(wait, attempt, last)) {
      throw dub::Error(fmt::format("STS processed {} of {} fragments of {} within {:.0f}s", have, count, stream,
                                   std::chrono::duration<double>(options.timeout).count()));
    }
    result.detail = fmt::format("{} fragments processed", have);
    result.data = {{"fragments", monitor.summaries(stream)}};
  }
};

std::unique_ptr<StepKind> parse(const YAML::Node& value, const std::string& path, const std::filesystem::path& file) {
  scenario_detail::Reader r(value, path, file);
  auto step = std::make_unique<WaitFragments>();
  auto& o = step->options;
  o.count = r.integer("fragments", 1, 1, 100000);
  o.stream = r.string_or("stream", o.stream);
  o.timeout = r.duration("timeout", o.timeout);
  r.finish();
  return step;
}

}  // namespace

StepType wait_fragments_type() {
  return {"wait", {"fragments"}, "`fragments: N`", parse};
}

}  // namespace dubctl
