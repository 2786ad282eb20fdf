// `verify: {heard: {media: ..., language: es, min_confidence: 0.8, reference: SIDECAR, ...}}`:
// listens to a recording with an independent judge (heard.hpp).
#include <fmt/format.h>

#include "evidence.hpp"
#include "heard.hpp"
#include "scenario_reader.hpp"
#include "steps/step.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

class VerifyHeard final : public StepOf<VerifyHeardStep, VerifyHeard> {
 public:
  void expand(const EnvMap& vars) override {
    expand_each(vars, options.media, options.reference, options.media_service, options.stream);
  }
  [[nodiscard]] std::string describe() const override {
    return fmt::format("listen to {} (judge: Whisper {})", options.media, options.model);
  }
  void run(StepContext& ctx, StepResult& result) const override {
    result.detail =
        verify_heard(options, ctx.root, ctx.scenario_dir, result.measurements, ctx.evidence.heard.emplace());
  }
};

std::unique_ptr<StepKind> parse(const YAML::Node& value, const std::string& path, const fs::path& file) {
  scenario_detail::Reader r(value, path, file);
  const auto node = r.get("heard");
  scenario_detail::Reader h(node, r.key_path("heard"), file);
  auto step = std::make_unique<VerifyHeard>();
  auto& v = step->options;
  v.media = h.string("media");
  v.language = h.string_or("language", v.language);
  if (h.has("min_confidence")) {
    v.min_confidence = h.number("min_confidence", h.get("min_confidence"));
    if (v.min_confidence < 0 || v.min_confidence > 1) {
      h.report(h.get("min_confidence"), h.key_path("min_confidence"), "must be between 0 and 1");
    }
  }
  v.passthrough_language = h.string_or("passthrough_language", "");
  v.reference = h.string_or("reference", "");
  if (h.has("min_coverage")) v.min_coverage = h.number("min_coverage", h.get("min_coverage"));
  if (h.has("window")) v.window = h.duration("window", Duration{0});
  if (v.window && v.window->count() < 1000) h.report(h.get("window"), h.key_path("window"), "must be at least 1s");
  v.media_service = h.string_or("media_service", v.media_service);
  v.stream = h.string_or("stream", v.stream);
  v.image = h.string_or("image", v.image);
  v.model = h.string_or("model", v.model);
  v.timeout = h.duration("timeout", v.timeout);
  h.finish();
  if (v.min_coverage > 0 && v.reference.empty()) {
    h.report(node, r.key_path("heard"), "min_coverage needs a `reference:` sidecar");
  }
  r.finish();
  return step;
}

}  // namespace

StepType verify_heard_type() {
  return {"verify", {"heard"}, {}, parse};
}

}  // namespace dubctl
