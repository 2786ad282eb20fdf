// `verify: {media: SOURCE, expect: {...}, golden: FILE}`: probes a file, folder of recordings or URL and
// checks what `expect` says (streams, codecs, duration, A/V drift, unlike the original, loudness) and
// every field of a golden descriptor (golden.hpp; `dubctl run --update-golden` rewrites it instead).
// What it measures goes to the step's result and to the scenario's evidence, which report.html uses as is.
#include <fmt/format.h>

#include <chrono>

#include <cmath>
#include <cstdlib>

#include "content_sync.hpp"
#include "dub/media/drift.hpp"
#include "dub/media/fingerprint.hpp"
#include "dub/media/probe.hpp"
#include "dub/util/error.hpp"
#include "evidence.hpp"
#include "golden.hpp"
#include "input_duration.hpp"
#include "loudness.hpp"
#include "readback.hpp"
#include "scenario_reader.hpp"
#include "steps/step.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

// The file to probe: `source` itself, or the newest recording of a folder of recordings (MediaMTX
// writes one file per segment; readback.hpp); relative paths start at the project root.
std::string media_file(std::string source, const fs::path& root) {
  if (source.find("://") != std::string::npos) return source;
  if (fs::path(source).is_relative()) source = (root / source).string();
  if (fs::is_directory(source)) {
    const auto segments = recording_segments(source);
    if (segments.empty()) throw dub::Error(fmt::format("no recording in {}", source));
    source = segments.back().string();
  }
  if (!fs::exists(source)) {
    throw dub::Error(
        fmt::format("media file not found: {} (fixtures live in fixtures/test_streams/; "
                    "regenerate with scripts/make-fixtures)",
                    source));
  }
  return source;
}

// What the probe says against `x`, the problems in order.
std::vector<std::string> probe_problems(const Expectation& x, const dub::media::MediaInfo& info) {
  std::vector<std::string> problems;
  const auto* video = info.first(dub::media::StreamType::Video);
  const auto* audio = info.first(dub::media::StreamType::Audio);
  if (x.streams && static_cast<int>(info.streams.size()) != *x.streams) {
    problems.push_back(fmt::format("streams: expected {}, found {}", *x.streams, info.streams.size()));
  }
  if (x.video_codec && (video == nullptr || video->codec != *x.video_codec)) {
    problems.push_back(
        fmt::format("video codec: expected {}, found {}", *x.video_codec, video ? video->codec : "none"));
  }
  if (x.audio_codec && (audio == nullptr || audio->codec != *x.audio_codec)) {
    problems.push_back(
        fmt::format("audio codec: expected {}, found {}", *x.audio_codec, audio ? audio->codec : "none"));
  }
  if (x.has_audio && (*x.has_audio != (audio != nullptr))) {
    problems.push_back(
        fmt::format("audio track: expected {}, found {}", *x.has_audio ? "one" : "none", audio ? "one" : "none"));
  }
  if (x.sample_rate && (audio == nullptr || audio->sample_rate != *x.sample_rate)) {
    problems.push_back(
        fmt::format("sample rate: expected {}, found {}", *x.sample_rate, audio ? audio->sample_rate : 0));
  }
  if (x.audio_language && (audio == nullptr || audio->language != *x.audio_language)) {
    problems.push_back(
        fmt::format("audio language: expected '{}', found '{}'", *x.audio_language, audio ? audio->language : ""));
  }
  return problems;
}

// What `duration_s` holds the media to: its constant, or (`input`) the length of what the scenario's
// publish step sent, measured now on its fixture as published (the measurement input_duration_s).
DurationBound duration_bound(const Expectation& x, const StepContext& ctx, Properties& m) {
  DurationBound bound;
  bound.expected_s = x.duration_s.value_or(0);
  bound.tolerance_s = x.duration_tolerance_s;
  if (!x.duration_of_input) return bound;
  const auto& ev = ctx.evidence;
  if (ev.fixture.empty()) {
    throw dub::Error(fmt::format("{}:{}: {}: `input`: no publish step has run before this one (skipped?)",
                                 ctx.scenario.file.string(), x.duration_of_input->line, x.duration_of_input->key));
  }
  fs::create_directories(ctx.scenario_dir);
  const auto scratch = ctx.scenario_dir / "input-as-published.mp4";
  bound.expected_s = remux_published(ev.fixture, ev.publish_stop_after_s, scratch);
  std::error_code ec;
  fs::remove(scratch, ec);
  bound.input = describe_input(ev.fixture, ev.publish_stop_after_s);
  m.emplace_back("input_duration_s", fmt::format("{:.3f}", bound.expected_s));
  return bound;
}

// `golden: FILE` (relative to the project root): its problems added to `problems`, or the file
// rewritten with --update-golden; "" without one, else "; <what was done>" for the step's detail.
std::string golden_problems(const std::string& golden, const dub::media::MediaInfo& info, const StepContext& ctx,
                            std::vector<std::string>& problems) {
  if (golden.empty()) return "";
  const fs::path file = fs::path(golden).is_absolute() ? fs::path(golden) : ctx.root / golden;
  // --update-golden takes only media that passed the step's other checks: a truncated or out-of-sync
  // recording must not become the reference. Otherwise the golden is compared, as without the flag.
  const bool update = ctx.update_golden && problems.empty();
  auto outcome = check_golden(file, golden, info, update);
  problems.insert(problems.end(), outcome.problems.begin(), outcome.problems.end());
  if (ctx.update_golden && !update)
    problems.push_back(
        fmt::format("golden {} not updated (--update-golden): the media failed the checks above", golden));
  return "; " + outcome.note;
}

// `max_drift_ms`, `max_frame_offset_ms` and `max_drift_trend_ms_per_min`, from one pass over the
// packets (drift.hpp).
void timing_problems(const Expectation& x, const std::string& source, ScenarioEvidence& ev, Properties& m,
                     std::vector<std::string>& problems) {
  // A worker that joined the live stream mid-GOP started its picture later than its sound: not drift.
  dub::media::DriftOptions drift_options;
  drift_options.source_start_offset_s = ev.source_start_offset_s.value_or(0.0);
  const auto drift = dub::media::analyze_drift(source, drift_options);
  if (x.max_frame_offset_ms) {
    const double off_ms = drift.video.max_abs_offset_s * 1000.0;
    m.emplace_back("max_frame_offset_ms", fmt::format("{:.1f}", off_ms));
    if (off_ms > *x.max_frame_offset_ms) {
      problems.push_back(fmt::format(
          "a video frame's time is {:.1f} ms off its place at {:g} fps (> {:g} ms): frames squashed onto one time, "
          "or frames lost",
          off_ms, drift.video.frame_rate, *x.max_frame_offset_ms));
    }
  }
  if (x.max_drift_trend_ms_per_min) {
    const double trend = drift.drift_trend_ms_per_min;
    m.emplace_back("av_drift_trend_ms_per_min", fmt::format("{:.2f}", trend));
    if (std::abs(trend) > *x.max_drift_trend_ms_per_min) {
      problems.push_back(fmt::format("A/V drift grows {:.2f} ms per minute over {:.0f} s (> {:g} ms/min)", trend,
                                     drift.duration_s, *x.max_drift_trend_ms_per_min));
    }
  }
  if (!x.max_drift_ms) return;
  ev.drift = drift;
  ev.max_drift_ms = *x.max_drift_ms;
  const double max_ms = drift.max_abs_drift_s * 1000.0;
  m.emplace_back("max_av_drift_ms", fmt::format("{:.1f}", max_ms));
  if (ev.source_start_offset_s) {
    m.emplace_back("source_start_offset_ms", fmt::format("{:.1f}", *ev.source_start_offset_s * 1000.0));
  }
  if (max_ms > *x.max_drift_ms) {
    problems.push_back(fmt::format(
        "A/V drift reaches {:.1f} ms (> {:.0f} ms){}", max_ms, *x.max_drift_ms,
        ev.source_start_offset_s
            ? fmt::format(" beside the input's own start offset of {:.1f} ms", *ev.source_start_offset_s * 1000.0)
            : ""));
  }
}

class VerifyMedia final : public StepOf<VerifyMediaStep, VerifyMedia> {
 public:
  void expand(const EnvMap& vars) override {
    expand_each(vars, options.source, options.expect.unlike, options.golden);
    if (options.expect.loudness) expand_each(vars, options.expect.loudness->reference);
  }
  [[nodiscard]] std::string describe() const override { return fmt::format("verify {}", options.source); }
  [[nodiscard]] std::optional<KeyAt> uses_input() const override { return options.expect.duration_of_input; }
  void run(StepContext& ctx, StepResult& result) const override;
};

void VerifyMedia::run(StepContext& ctx, StepResult& result) const {
  const auto t0 = std::chrono::steady_clock::now();
  const auto& root = ctx.root;
  auto& ev = ctx.evidence;
  const auto source = media_file(options.source, root);
  // A golden pins packet counts, which a live stream never finishes: counting would read it forever.
  if (!options.golden.empty() && source.find("://") != std::string::npos) {
    throw dub::Error(
        fmt::format("golden: {} is a live stream; a golden descriptor needs a finished recording "
                    "(verify the file a record: step or MediaMTX's recording wrote, e.g. ${{recording}})",
                    source));
  }
  const auto& x = options.expect;
  // A length is measured on the packets (probe.hpp: packet_span_s), as a golden counts them; a live
  // URL is only probed (its packets never end).
  const bool is_file = source.find("://") == std::string::npos;
  const bool read_packets = !options.golden.empty() || (is_file && (x.duration_s || x.duration_of_input));
  const auto info = dub::media::probe(source, {.count_packets = read_packets});
  auto problems = probe_problems(x, info);
  auto& m = result.measurements;
  ev.media_span_s = info.span_s();
  ev.media_source = source;
  m.emplace_back("duration_s", fmt::format("{:.3f}", info.span_s()));  // reported even when not asserted
  if (x.duration_s || x.duration_of_input) {
    if (auto problem = duration_problem(duration_bound(x, ctx, m), info)) problems.push_back(*problem);
  }
  if (x.max_drift_ms || x.max_frame_offset_ms || x.max_drift_trend_ms_per_min) {
    timing_problems(x, source, ev, m, problems);
  }
  if (x.content_sync) {
    auto sync = check_content_sync(source, *x.content_sync);
    for (auto& p : sync.properties()) m.push_back(std::move(p));
    problems.insert(problems.end(), sync.problems.begin(), sync.problems.end());
  }
  if (!x.unlike.empty()) {
    const auto other = fixture_path(x.unlike, root);
    const double sim = dub::media::similarity(dub::media::fingerprint(source), dub::media::fingerprint(other.string()));
    m.emplace_back("fingerprint_similarity", fmt::format("{:.3f}", sim));
    ev.similarity = sim;
    ev.similarity_source = source;
    ev.max_similarity = x.max_similarity;
    if (sim > x.max_similarity) {
      problems.push_back(
          fmt::format("audio fingerprint similarity to {} is {:.3f} (> {:.2f}): the audio was not dubbed",
                      other.filename().string(), sim, x.max_similarity));
    }
  }
  if (x.loudness) {
    const auto reference = fixture_path(x.loudness->reference, root);
    auto loudness = check_loudness(source, reference.string(), *x.loudness);
    for (auto& p : loudness.properties()) m.push_back(std::move(p));
    problems.insert(problems.end(), loudness.problems.begin(), loudness.problems.end());
    ev.loudness = std::move(loudness);
  }
  const auto golden_note = golden_problems(options.golden, info, ctx, problems);
  // Issue 15's "a 30 s output verified in < 1 s" (scripts/bench prints it).
  m.emplace_back("media_verify_time_s",
                 fmt::format("{:.2f}", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()));
  result.problems = std::move(problems);
  result.detail = result.problems.empty()
                      ? fmt::format("{}: {} stream(s), {:.3f} s{}", fs::path(source).filename().string(),
                                    info.streams.size(), info.span_s(), golden_note)
                      : fmt::format("{} does not match{}", source,
                                    options.golden.empty() ? "" : fmt::format(" (golden {})", options.golden));
}

// `duration_s: 30` (seconds) or `duration_s: input` (what the publish step before it sent).
void parse_duration(scenario_detail::Reader& e, Expectation& x) {
  const auto n = e.get("duration_s");
  const auto text = e.scalar(n, e.key_path("duration_s"));
  char* end = nullptr;
  std::strtod(text.c_str(), &end);
  if (text == "input") {
    x.duration_of_input = KeyAt{static_cast<int>(n.Mark().line) + 1, e.key_path("duration_s")};
  } else if (text.empty() || *end != '\0') {
    e.report(n, e.key_path("duration_s"),
             fmt::format("'{}' is neither a number of seconds nor `input` (what the publish step sent)", text));
  } else {
    x.duration_s = e.number("duration_s", n);
  }
}

std::unique_ptr<StepKind> parse(const YAML::Node& value, const std::string& path, const fs::path& file) {
  scenario_detail::Reader r(value, path, file);
  auto step = std::make_unique<VerifyMedia>();
  step->options.source = r.string("media");
  step->options.golden = r.string_or("golden", "");
  if (!r.has("expect")) {
    if (step->options.golden.empty()) {
      r.fail(value, path, "needs an `expect:` mapping or a `golden:` file (what the media must be)");
    }
    r.finish();
    return step;
  }
  const auto en = r.get("expect");
  scenario_detail::Reader e(en, r.key_path("expect"), file);
  auto& x = step->options.expect;
  if (e.has("streams")) x.streams = e.integer("streams", 0, 0, 64);
  if (e.has("video_codec")) x.video_codec = e.string("video_codec");
  if (e.has("audio_codec")) x.audio_codec = e.string("audio_codec");
  if (e.has("audio_language")) x.audio_language = e.string("audio_language");
  if (e.has("has_audio")) x.has_audio = e.boolean("has_audio", e.get("has_audio"));
  if (e.has("sample_rate")) x.sample_rate = e.integer("sample_rate", 0, 1, 384000);
  if (e.has("duration_s")) parse_duration(e, x);
  if (e.has("max_drift_ms")) x.max_drift_ms = e.number("max_drift_ms", e.get("max_drift_ms"));
  if (e.has("max_frame_offset_ms")) {
    x.max_frame_offset_ms = e.number("max_frame_offset_ms", e.get("max_frame_offset_ms"));
  }
  if (e.has("max_drift_trend_ms_per_min")) {
    x.max_drift_trend_ms_per_min = e.number("max_drift_trend_ms_per_min", e.get("max_drift_trend_ms_per_min"));
  }
  x.content_sync = scenario_detail::parse_content_sync(e);
  x.unlike = e.string_or("unlike", "");
  if (e.has("max_similarity")) x.max_similarity = e.number("max_similarity", e.get("max_similarity"));
  if (e.has("duration_tolerance_s")) {
    x.duration_tolerance_s = e.number("duration_tolerance_s", e.get("duration_tolerance_s"));
  }
  if (e.has("loudness")) x.loudness = scenario_detail::parse_loudness(e.get("loudness"), e.key_path("loudness"), file);
  e.finish();
  r.finish();
  return step;
}

}  // namespace

StepType verify_media_type() {
  return {"verify", {}, {}, parse};
}

}  // namespace dubctl
