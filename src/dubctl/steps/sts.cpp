// `sts: {fixture: NAME, fragment: 6s, concurrent: true, pace: 10x, repeat: 10, expect: {...}}`:
// drives the STS service directly over Socket.IO, no media service (sts_drive.hpp).
#include <fmt/format.h>

#include <cstdlib>
#include <set>

#include "eventually.hpp"
#include "scenario_reader.hpp"
#include "steps/step.hpp"
#include "sts_drive.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

using scenario_detail::Reader;

class Sts final : public StepOf<StsDriveStep, Sts> {
 public:
  void expand(const EnvMap& vars) override {
    expand_each(vars, options.url, options.fixture, options.stream, options.auth_token, options.expect.reference);
  }
  [[nodiscard]] std::string describe() const override {
    const auto sending = options.pace         ? fmt::format(", {:g}x real time", *options.pace)
                         : options.concurrent ? std::string(", all at once")
                                              : std::string();
    return fmt::format("drive STS at {} with {}{} ({:g}s fragments{})", options.url, options.fixture,
                       options.repeat > 1 ? fmt::format(" x{}", options.repeat) : "",
                       std::chrono::duration<double>(options.fragment).count(), sending);
  }
  [[nodiscard]] std::string fixture() const override { return options.fixture; }
  void run(StepContext& ctx, StepResult& result) const override {
    result.detail = drive_sts(options, fixture_path(options.fixture, ctx.root), ctx.root, ctx.scenario_dir,
                              result.measurements, check_cancelled);
  }
};

void parse_expect(Reader& r, const fs::path& file, StsDriveStep& sts) {
  const auto en = r.get("expect");
  Reader e(en, r.key_path("expect"), file);
  auto& x = sts.expect;
  x.status = e.string_or("status", x.status);
  if (!known_status(x.status)) {
    e.report(e.get("status"), e.key_path("status"), "use success, partial, failed or any");
  }
  if (e.has("fragments")) x.fragments = e.integer("fragments", 0, 1, 100000);
  if (e.has("min_fragments")) x.min_fragments = e.integer("min_fragments", 0, 1, 100000);
  if (e.has("transcript_contains")) x.transcript_contains = e.string_list("transcript_contains");
  if (e.has("translation_contains")) x.translation_contains = e.string_list("translation_contains");
  x.reference = e.string_or("reference", "");
  if (e.has("max_wer")) x.max_wer = e.number("max_wer", e.get("max_wer"));
  if (e.has("min_translation_coverage")) {
    x.min_translation_coverage = e.number("min_translation_coverage", e.get("min_translation_coverage"));
  }
  if (e.has("dubbed")) x.dubbed = e.boolean("dubbed", e.get("dubbed"));
  if (e.has("no_speech")) x.no_speech = e.boolean("no_speech", e.get("no_speech"));
  if (e.has("min_inflight")) x.min_inflight = e.integer("min_inflight", 0, 1, 64);
  if (e.has("min_backpressure")) x.min_backpressure = e.integer("min_backpressure", 0, 1, 100000);
  if (e.has("max_processing")) x.max_processing = e.duration("max_processing", Duration{0});
  e.finish();
  if ((x.max_wer || x.min_translation_coverage > 0) && x.reference.empty()) {
    e.report(en, r.key_path("expect"), "max_wer and min_translation_coverage need a `reference:` sidecar");
  }
  if (x.no_speech && x.dubbed) {
    e.report(en, r.key_path("expect"),
             "no_speech expects silence back, which is not a dub: add `dubbed: false` (silent input, silent output)");
  }
  if (x.no_speech && (!x.transcript_contains.empty() || !x.translation_contains.empty())) {
    e.report(en, r.key_path("expect"), "no_speech contradicts transcript_contains / translation_contains");
  }
  if (x.min_inflight && *x.min_inflight > 1 && !sts.concurrent) {
    e.report(e.get("min_inflight"), e.key_path("min_inflight"),
             "one fragment at a time never has more than 1 in flight: set `concurrent: true`");
  }
  if (x.min_backpressure && !sts.pace) {
    e.report(e.get("min_backpressure"), e.key_path("min_backpressure"),
             "only a paced client resends what BACKPRESSURE refused: set `pace:` (and `concurrent: true`)");
  }
  if (sts.repeat > 1 && !x.reference.empty()) {
    e.report(
        e.get("reference"), e.key_path("reference"),
        fmt::format("the sidecar holds the fixture's text once, the stream holds it {} times (`repeat:`)", sts.repeat));
  }
}

// `pace: 10x` (or 10): how many times faster than real time the fragments go out, more than 0 and
// at most 100; `repeat: N`: the fixture's audio N times over.
void parse_load(Reader& r, StsDriveStep& sts) {
  sts.pace = r.pace("pace");
  if (r.has("pace") && !sts.concurrent) {
    r.report(r.get("pace"), r.key_path("pace"),
             "paces the fragments of `concurrent: true` (one at a time waits for each answer): add it");
  }
  sts.repeat = r.integer("repeat", sts.repeat, 1, 100);
}

std::unique_ptr<StepKind> parse(const YAML::Node& value, const std::string& path, const fs::path& file) {
  Reader r(value, path, file);
  auto step = std::make_unique<Sts>();
  auto& sts = step->options;
  sts.url = r.string_or("url", sts.url);
  sts.fixture = r.string("fixture");
  sts.fragment = r.duration("fragment", sts.fragment);
  if (sts.fragment < std::chrono::milliseconds(100) || sts.fragment > std::chrono::seconds(30)) {
    r.report(r.get("fragment"), r.key_path("fragment"), "must be between 100ms and 30s (the STS limit)");
  }
  if (r.has("concurrent")) sts.concurrent = r.boolean("concurrent", r.get("concurrent"));
  parse_load(r, sts);
  sts.sample_rate = r.integer("sample_rate", sts.sample_rate, 8000, 48000);
  static const std::set<int> kRates = {8000, 16000, 22050, 24000, 32000, 44100, 48000};
  if (!kRates.contains(sts.sample_rate)) {
    r.report(r.get("sample_rate"), r.key_path("sample_rate"),
             "use a rate STS accepts: 8000, 16000, 22050, 24000, 32000, 44100 or 48000");
  }
  sts.channels = r.integer("channels", sts.channels, 1, 2);
  sts.source_language = r.string_or("source_language", sts.source_language);
  sts.target_language = r.string_or("target_language", sts.target_language);
  sts.stream = r.string_or("stream", sts.stream);
  sts.auth_token = r.string_or("token", sts.auth_token);
  sts.timeout = r.duration("timeout", sts.timeout);
  if (r.has("expect")) parse_expect(r, file, sts);
  r.finish();
  return step;
}

}  // namespace

StepType sts_type() {
  return {"sts", {}, {}, parse};
}

}  // namespace dubctl
