// `verify: {fragments: {count: 5, status: success, reference: SIDECAR, max_wer: 0.3, ...}}`: what
// STS reported for the stream on /monitor (sts_monitor.hpp: verify_fragments).
#include <fmt/format.h>

#include "scenario_reader.hpp"
#include "steps/step.hpp"
#include "sts_monitor.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

class VerifyFragments final : public StepOf<VerifyFragmentsStep, VerifyFragments> {
 public:
  void expand(const EnvMap& vars) override { expand_each(vars, options.stream, options.reference); }
  [[nodiscard]] std::string describe() const override {
    return fmt::format("verify STS results for {}", options.stream);
  }
  void run(StepContext& ctx, StepResult& result) const override {
    const auto summaries = need_monitor(ctx.monitor).summaries(options.stream);
    result.data = {{"fragments", summaries}};
    result.detail = verify_fragments(options, summaries, ctx.root, result.measurements);
  }
};

std::unique_ptr<StepKind> parse(const YAML::Node& value, const std::string& path, const fs::path& file) {
  scenario_detail::Reader r(value, path, file);
  const auto fn = r.get("fragments");
  scenario_detail::Reader f(fn, r.key_path("fragments"), file);
  auto step = std::make_unique<VerifyFragments>();
  auto& v = step->options;
  v.stream = f.string_or("stream", v.stream);
  if (f.has("count")) v.count = f.integer("count", 0, 0, 100000);
  if (f.has("min_count")) v.min_count = f.integer("min_count", 0, 0, 100000);
  if (f.has("tail")) v.tail = f.duration("tail", Duration{0});
  if (v.tail && !v.count) f.report(f.get("tail"), f.key_path("tail"), "goes with `count:` (the full fragments)");
  v.status = f.string_or("status", v.status);
  if (!known_status(v.status)) {
    f.report(f.get("status"), f.key_path("status"), "use success, partial, failed or any");
  }
  v.reference = f.string_or("reference", "");
  if (f.has("max_wer")) v.max_wer = f.number("max_wer", f.get("max_wer"));
  if (f.has("min_translation_coverage")) {
    v.min_translation_coverage = f.number("min_translation_coverage", f.get("min_translation_coverage"));
  }
  if (f.has("dubbed")) v.dubbed = f.boolean("dubbed", f.get("dubbed"));
  if (f.has("max_processing")) v.max_processing = f.duration("max_processing", Duration{0});
  f.finish();
  if ((v.max_wer || v.min_translation_coverage > 0) && v.reference.empty()) {
    f.report(fn, r.key_path("fragments"), "max_wer and min_translation_coverage need a `reference:` sidecar");
  }
  r.finish();
  return step;
}

}  // namespace

StepType verify_fragments_type() {
  return {"verify", {"fragments"}, {}, parse};
}

}  // namespace dubctl
