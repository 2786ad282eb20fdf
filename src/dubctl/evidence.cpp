#include "evidence.hpp"

#include <fmt/color.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

#include "dub/http/client.hpp"
#include "dub/media/decode.hpp"
#include "dub/media/fingerprint.hpp"
#include "dub/media/probe.hpp"
#include "dub/media/remux.hpp"
#include "dub/util/error.hpp"
#include "input_duration.hpp"
#include "progress.hpp"
#include "readback.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

constexpr int kWaveRate = 8000;           // decoding rate for the waveform plot
constexpr std::size_t kWaveBins = 1200;   // envelope points per track
constexpr std::size_t kWindowItems = 16;  // fingerprint items per similarity window (~2 s)
constexpr std::size_t kHopItems = 4;      // window step (~0.5 s)

std::optional<double> number(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::string string_of(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return {};
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

// report.html's loudness table: the whole file first, then every window.
void loudness_rows(const LoudnessReport& l, report::ScenarioReport& r) {
  r.loudness.push_back({-1, 0, l.media.duration_s, l.media.integrated_lufs, l.reference.integrated_lufs,
                        l.media.true_peak_dbtp, l.media.clipped_samples, ""});
  for (const auto& w : l.windows) {
    r.loudness.push_back({w.index, w.start_s, w.end_s, w.media.integrated_lufs, w.reference.integrated_lufs,
                          w.media.true_peak_dbtp, w.media.clipped_samples, w.problem});
  }
  if (!l.problems.empty() && r.loudness.front().problem.empty()) {
    for (const auto& p : l.problems) {
      if (!p.starts_with("window ")) r.loudness.front().problem += (r.loudness.front().problem.empty() ? "" : "; ") + p;
    }
  }
  const auto& x = l.expect;
  r.loudness_bounds = fmt::format(
      "Integrated loudness (LUFS) of the dubbed output and of the original ({}), whole file and per {:g} s window; "
      "held to ±{:g} LU (whole file) and ±{:g} LU (windows where the original is louder than {:g} LUFS, which must "
      "not be silent), true peak below {:g} dBTP, at most {} clipped samples.",
      l.reference_file.empty() ? x.reference : std::filesystem::path(l.reference_file).filename().string(),
      std::chrono::duration<double>(x.window).count(), x.max_difference_lu, x.window_limit_lu(), x.silence_lufs,
      x.max_true_peak_dbtp, x.max_clipped_samples);
}

std::vector<report::FragmentRow> fragment_rows(const ScenarioEvidence& ev) {
  std::map<long long, report::FragmentRow> rows;
  for (const auto& s : ev.summaries) {
    if (!s.is_object() || !s.contains("sequence_number") || !s["sequence_number"].is_number()) continue;
    auto& r = rows[s["sequence_number"].get<long long>()];
    r.sequence_number = s["sequence_number"].get<long long>();
    r.fragment_id = string_of(s, "fragment_id");
    r.start_s = number(s, "pts_ns").value_or(0) / 1e9;
    r.end_s = r.start_s + number(s, "duration_ns").value_or(0) / 1e9;
    r.transcript = string_of(s, "transcript");
    r.translated_text = string_of(s, "translated_text");
    if (s.contains("stage_timings_ms")) {
      const auto& t = s["stage_timings_ms"];
      r.asr_ms = number(t, "asr");
      r.mt_ms = number(t, "translation");
      r.tts_ms = number(t, "tts");
    }
    r.queue_ms = number(s, "queue_time_ms");
    r.processing_ms = number(s, "processing_time_ms");
    r.status = string_of(s, "status");
    if (s.contains("error") && s["error"].is_object()) r.error = string_of(s["error"], "message");
  }
  // The media service's side: the round trip it measured and what it published for each fragment.
  if (ev.worker.is_object() && ev.worker.contains("fragments") && ev.worker["fragments"].is_array()) {
    for (const auto& f : ev.worker["fragments"]) {
      if (!f.is_object() || !f.contains("sequence_number") || !f["sequence_number"].is_number()) continue;
      const auto seq = f["sequence_number"].get<long long>();
      const bool known = rows.contains(seq);
      auto& r = rows[seq];
      r.sequence_number = seq;
      if (!known) {
        r.fragment_id = string_of(f, "fragment_id");
        r.start_s = number(f, "pts_ns").value_or(0) / 1e9;
        r.end_s = r.start_s + number(f, "duration_ns").value_or(0) / 1e9;
        r.transcript = string_of(f, "transcript");
        r.translated_text = string_of(f, "translated_text");
        r.processing_ms = number(f, "processing_time_ms");
        r.status = string_of(f, "status");
      }
      r.roundtrip_ms = number(f, "latency_ms");
      r.state = string_of(f, "state");
      if (r.error.empty()) r.error = string_of(f, "error");
      if (const auto reason = string_of(f, "passthrough_reason"); !reason.empty()) {
        r.error = r.error.empty() ? "reason: " + reason : r.error + " (reason: " + reason + ")";
      }
    }
  }
  std::vector<report::FragmentRow> out;
  out.reserve(rows.size());
  for (auto& [seq, r] : rows) out.push_back(std::move(r));
  return out;
}

// Similarity of ~2 s windows of `dubbed` to the matching stretch of `original` (`offset_s`:
// dubbed time = original time + offset_s); x is the window's middle on the dubbed timeline.
std::vector<report::Point> windowed_similarity(const dub::media::Fingerprint& dubbed,
                                               const dub::media::Fingerprint& original, double offset_s,
                                               double dubbed_start_s) {
  std::vector<report::Point> out;
  if (dubbed.raw.size() < kWindowItems || original.raw.size() < kWindowItems) return out;
  const double item_d = dubbed.item_s;
  const double item_o = original.item_s;
  if (item_d <= 0 || item_o <= 0) return out;
  for (std::size_t i = 0; i + kWindowItems <= dubbed.raw.size(); i += kHopItems) {
    const double t_d = static_cast<double>(i) * item_d;
    const auto j = static_cast<long long>(std::llround((t_d - offset_s) / item_o));
    if (j < 0 || j + static_cast<long long>(kWindowItems) > static_cast<long long>(original.raw.size())) continue;
    dub::media::Fingerprint a;
    dub::media::Fingerprint b;
    a.raw.assign(dubbed.raw.begin() + static_cast<std::ptrdiff_t>(i),
                 dubbed.raw.begin() + static_cast<std::ptrdiff_t>(i + kWindowItems));
    b.raw.assign(original.raw.begin() + j, original.raw.begin() + j + static_cast<long long>(kWindowItems));
    out.push_back({dubbed_start_s + t_d + item_d * kWindowItems / 2, dub::media::similarity(a, b, 2)});
  }
  return out;
}

std::string relative_to(const fs::path& file, const fs::path& base) {
  std::error_code ec;
  const auto rel = fs::relative(file, base, ec);
  return ec || rel.empty() ? file.string() : rel.generic_string();
}

}  // namespace

void ScenarioEvidence::fetch_worker(const Scenario& scenario, const EnvMap& vars) {
  const auto media = scenario.stacks.find("media");
  if (!has_media() || media == scenario.stacks.end()) return;
  const auto& services = media->second.services;
  if (!services.empty() && std::find(services.begin(), services.end(), "media-service") == services.end()) return;
  std::string url;
  try {
    url = expand("${media.api}/v1/streams/${stream}", vars);
    const auto r = dub::http::get(url, std::chrono::seconds(3));
    if (r.status != 200) {
      notes.push_back(
          fmt::format("the media service has no record of the stream ({} answered HTTP {}): no round trip "
                      "or dubbed/passthrough state per fragment",
                      url, r.status));
      return;
    }
    worker = nlohmann::json::parse(r.body);
  } catch (const std::exception& e) {
    notes.push_back(fmt::format("the media service's record of the stream could not be read ({}): {}", url, e.what()));
  }
}

namespace {

// What the report makes of one scenario's media, and where its timelines meet.
struct Media {
  fs::path dubbed;    // dubbed.mp4, or empty
  fs::path original;  // original.mp4, or empty
  std::optional<double> dubbed_audio_start;
  double offset_s = 0;  // output time = input time + offset_s
  bool aligned = false;
};

// dubbed.mp4: MediaMTX's recording of the output, every segment, in order, remuxed. Its length is
// the verify step's figure when that step probed the one recording segment.
fs::path make_dubbed(const std::vector<fs::path>& segments, const ScenarioEvidence& ev, const fs::path& target,
                     const fs::path& artifacts, report::ScenarioReport& r) {
  try {
    std::vector<std::string> inputs;
    inputs.reserve(segments.size());
    for (const auto& s : segments) inputs.push_back(s.string());
    dub::media::remux(inputs, target.string());
    const bool verified = segments.size() == 1 && ev.media_span_s && fs::path(ev.media_source) == segments.front();
    r.output_duration_s = verified ? *ev.media_span_s : dub::media::probe(target.string()).span_s();
    r.artifacts.emplace_back("dubbed.mp4", relative_to(target, artifacts));
    if (segments.size() > 1) r.notes.push_back(fmt::format("dubbed.mp4 joins {} recording segments", segments.size()));
    return target;
  } catch (const std::exception& e) {
    r.notes.push_back(fmt::format("dubbed.mp4 could not be made: {}", e.what()));
    return {};
  }
}

// original.mp4: the fixture as it was published (the input path is not recorded); its span is what
// `duration_s: input` compared with (input_duration.hpp).
fs::path make_original(const ScenarioEvidence& ev, const fs::path& target, const fs::path& artifacts,
                       report::ScenarioReport& r) {
  try {
    r.input_duration_s = remux_published(ev.fixture, ev.publish_stop_after_s, target);
    r.artifacts.emplace_back("original.mp4", relative_to(target, artifacts));
    return target;
  } catch (const std::exception& e) {
    r.notes.push_back(fmt::format("original.mp4 could not be made from {}: {}", ev.fixture.string(), e.what()));
    return {};
  }
}

// A/V drift of the output: the verify step's analysis when it was of the recording (never measured
// twice), else one made here on dubbed.mp4.
void output_drift(const ScenarioEvidence& ev, bool verified, Media& m, report::ScenarioReport& r) {
  std::optional<dub::media::DriftReport> drift;
  if (ev.drift && verified) drift = ev.drift;
  if (!drift && !m.dubbed.empty()) {
    try {
      dub::media::DriftOptions options;  // a mid-GOP join's late picture is not drift (verify_media.cpp)
      options.source_start_offset_s = ev.source_start_offset_s.value_or(0.0);
      drift = dub::media::analyze_drift(m.dubbed.string(), options);
    } catch (const std::exception& e) {
      r.notes.push_back(fmt::format("A/V drift of dubbed.mp4 could not be measured: {}", e.what()));
    }
  }
  if (!drift) return;
  if (!r.max_drift_ms) r.max_drift_ms = drift->max_abs_drift_s * 1000.0;
  for (const auto& p : drift->series) r.drift_ms.push_back({p.t_s, p.drift_s * 1000.0});
  if (drift->audio.present) m.dubbed_audio_start = drift->audio.start_s;
}

// The two timelines: the media service passes the video through untouched, so its packets say
// exactly where the output sits in the input.
void align(Media& m, report::ScenarioReport& r) {
  if (m.dubbed.empty() || m.original.empty()) return;
  try {
    const auto a = dub::media::align_video(m.dubbed.string(), m.original.string());
    if (!a.found) {
      r.alignment = "The video packets of the output were not found in the input; the tracks are drawn from 0.";
      return;
    }
    m.offset_s = a.offset_s;
    m.aligned = true;
    r.alignment =
        fmt::format("Aligned on identical video packets ({} of {} matched): output time = input time {} {:.3f} s.",
                    a.matched, a.compared, a.offset_s < 0 ? "−" : "+", std::abs(a.offset_s));
  } catch (const std::exception& e) {
    r.alignment = "The timelines could not be aligned; the tracks are drawn from 0.";
    r.notes.push_back(fmt::format("aligning dubbed.mp4 on original.mp4 failed: {}", e.what()));
  }
}

// The waveforms, and the fingerprints: the verify step's whole-file similarity (when it compared
// the recording) and ~2 s windows along the output.
void waves_and_similarity(const ScenarioEvidence& ev, bool verified, const Media& m, report::ScenarioReport& r) {
  const auto decode = [&r](const fs::path& file, const char* what) -> std::optional<dub::media::Pcm> {
    if (file.empty()) return std::nullopt;
    try {
      return dub::media::decode_audio(file.string(), kWaveRate, 1);
    } catch (const std::exception& e) {
      r.notes.push_back(fmt::format("the {} audio could not be decoded: {}", what, e.what()));
      return std::nullopt;
    }
  };
  const auto dubbed = decode(m.dubbed, "dubbed");
  const auto original = decode(m.original, "original");
  const double start = m.dubbed_audio_start.value_or(0);
  if (dubbed)
    r.dubbed_wave = report::make_envelope(dubbed->samples, dubbed->sample_rate, dubbed->channels, start, kWaveBins);
  if (original) {
    r.original_wave =
        report::make_envelope(original->samples, original->sample_rate, original->channels, m.offset_s, kWaveBins);
  }
  if (ev.similarity && verified) r.similarity = ev.similarity;
  if (!dubbed || !original) return;
  try {
    const auto fd = dub::media::fingerprint_pcm(dubbed->samples, dubbed->sample_rate, 1);
    const auto fo = dub::media::fingerprint_pcm(original->samples, original->sample_rate, 1);
    if (!r.similarity) r.similarity = dub::media::similarity(fd, fo);
    if (m.aligned) r.similarity_series = windowed_similarity(fd, fo, m.offset_s - start, start);
  } catch (const std::exception& e) {
    r.notes.push_back(fmt::format("fingerprinting failed: {}", e.what()));
  }
}

// The recording's segments as they are now; read back over the network (readback.hpp) it may be
// gone (a scenario took the media stack down): then what the last verify step fetched, with a note.
std::vector<fs::path> recording_now(const fs::path& dir, std::vector<std::string>& notes) {
  try {
    return recording_segments(dir);
  } catch (const dub::Error& e) {
    notes.push_back(
        fmt::format("the recording could not be read back again ({}): dubbed.mp4 is what the "
                    "scenario's last check read",
                    e.what()));
    return recording_segments(dir, false);
  }
}

}  // namespace

report::ScenarioReport build_scenario_report(const Scenario& scenario, const TestCase& tc, const ScenarioEvidence& ev,
                                             int iteration, const fs::path& root, const fs::path& artifacts) {
  report::ScenarioReport r;
  r.name = tc.name;
  r.description = scenario.description;
  r.file = scenario.file.string();
  r.passed = tc.failure.empty() && !tc.skipped;
  r.skipped = tc.skipped;
  r.failure = tc.skipped ? "skipped: " + tc.skip_reason : tc.failure;
  r.time_s = tc.time_s;
  r.properties = tc.properties;
  r.notes = ev.notes;
  r.steps = ev.steps;
  r.max_similarity = ev.max_similarity;
  r.drift_limit_ms = ev.max_drift_ms.value_or(report::kDriftLimitMs);
  if (ev.drift) r.max_drift_ms = ev.drift->max_abs_drift_s * 1000.0;  // what the scenario verified
  if (!ev.has_media()) return r;

  const auto t0 = std::chrono::steady_clock::now();
  const fs::path dir = artifacts / scenario.name;
  const std::string suffix = iteration > 1 ? fmt::format("-{}", iteration) : "";
  std::error_code ec;
  fs::create_directories(dir, ec);
  const auto rec_dir = ev.recording.empty() ? recording_dir(root, ev.stream) : ev.recording;
  const auto segments = recording_now(rec_dir, r.notes);
  const auto from_recording = [&rec_dir](const std::string& source) {
    return !source.empty() &&
           fs::path(source).lexically_normal().string().starts_with(rec_dir.lexically_normal().string());
  };
  // The pipeline's part: shown when STS was watched or the pipeline recorded an output.
  r.has_media = ev.monitored || !segments.empty();
  Media m;
  if (!segments.empty()) {
    m.dubbed = make_dubbed(segments, ev, dir / ("dubbed" + suffix + ".mp4"), artifacts, r);
  } else if (r.has_media) {
    r.notes.push_back(
        fmt::format("no recording of the dubbed output in {}: no dubbed.mp4", relative_to(rec_dir, root)));
  }
  if (!ev.fixture.empty()) m.original = make_original(ev, dir / ("original" + suffix + ".mp4"), artifacts, r);
  if (ev.heard) {
    for (const auto& w : ev.heard->windows) {
      r.heard.push_back({w.index, w.start_s, w.end_s, w.silent ? std::string() : w.language, w.probability,
                         w.expected_language, w.passthrough, w.text, w.expected_text, w.verdict});
    }
  }
  if (ev.loudness) loudness_rows(*ev.loudness, r);
  if (!r.has_media) return r;
  r.fragments = fragment_rows(ev);
  output_drift(ev, ev.drift && from_recording(ev.drift->source), m, r);
  align(m, r);
  waves_and_similarity(ev, from_recording(ev.similarity_source), m, r);
  std::vector<std::string> made;
  made.reserve(r.artifacts.size());
  for (const auto& a : r.artifacts) made.push_back(a.first);
  fmt::print(stderr, "  {} report data gathered, {} written ({:.1f}s)\n", stderr_is_tty() ? "\u2714" : "ok",
             made.empty() ? std::string("no media artifact") : fmt::format("{}", fmt::join(made, ", ")),
             std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return r;
}

void finish_run(const fs::path& artifacts, const report::ReportFiles& files, const report::RunReport& run,
                const std::string& after_table, const Redactor& redactor) {
  const bool tty = stderr_is_tty();
  const auto& html = files.html;
  const auto png = fs::path(html).replace_extension(".png");
  report::RunReport page = run;  // its links relative to the page's folder, wherever --report-html puts it
  const auto page_dir = fs::absolute(html).parent_path();
  for (auto& s : page.scenarios) {
    for (auto& artifact : s.artifacts) {
      artifact.second = relative_to(fs::absolute(artifacts / artifact.second), page_dir);
    }
  }
  std::string report_line;
  std::string screenshot_line;
  try {
    if (html.has_parent_path()) fs::create_directories(html.parent_path());
    report::write_html(html, page, redactor);
    report_line = html.string();
    const auto why_not = report::screenshot(html, png, 1280, report::estimated_height(run));
    screenshot_line = why_not.empty() ? png.string() : "not taken: " + why_not;
  } catch (const std::exception& e) {
    report_line = fmt::format("not written: {}", e.what());
  }
  const auto& scenarios = run.scenarios;
  fmt::print(stderr, "\n{}", report::terminal_summary(scenarios, tty));
  fmt::print(stderr, "{}", redactor.apply(after_table));  // the failed runs' reasons
  const auto label = [tty](const char* text) {
    return tty ? fmt::format(fmt::emphasis::bold, "{:<13}", text) : fmt::format("{:<13}", text);
  };
  fmt::print(stderr, "\n{}{}\n", label("report"), report_line);
  if (!screenshot_line.empty()) fmt::print(stderr, "{}{}\n", label("screenshot"), screenshot_line);
  for (const auto& s : scenarios) {
    for (const auto& [name, rel] : s.artifacts) {
      fmt::print(stderr, "{}{}\n", label(name.c_str()), (artifacts / rel).string());
    }
  }
  fmt::print(stderr, "{}{}\n{}{}\n{}{}\n", label("junit"), files.junit.string(), label("json"), files.json.string(),
             label("artifacts"), artifacts.string());
}

}  // namespace dubctl
