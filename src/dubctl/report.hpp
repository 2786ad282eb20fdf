#pragma once
// report.html: one self-contained page per run (inline CSS and SVG, no script, no network) that
// shows what happened: every scenario's verdict, each STS fragment, and plots of the audio, the
// per-fragment latency, the A/V drift and how unlike the original the dubbed audio is.
// Rendering is pure (data in, text out); the data is gathered by evidence.hpp from the real run.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dubctl {
class Redactor;  // redact.hpp
}  // namespace dubctl

namespace dubctl::report {

inline constexpr double kLatencyBudgetS = 15.0;  // spec: a fragment's dub must be back within 15 s
inline constexpr double kDriftLimitMs = 120.0;   // spec: A/V drift within +-120 ms

// One fragment, in the protocol's words (sequence_number, translated_text, status: the STS's);
// `state` is the media service's own (GET /v1/streams/<stream>).
struct FragmentRow {
  long long sequence_number = 0;
  std::string fragment_id;
  double start_s = 0;  // media-service stream timeline
  double end_s = 0;
  std::string transcript;                       // English, from STS
  std::string translated_text;                  // Spanish, from STS
  std::optional<double> asr_ms, mt_ms, tts_ms;  // STS stage timings
  std::optional<double> queue_ms;               // waiting in STS before processing
  std::optional<double> processing_ms;          // STS, all stages
  std::optional<double> roundtrip_ms;           // media service: sent -> result received
  std::string status;                           // STS: success / partial / failed ("" no answer)
  std::string state;                            // media service: dubbed / passthrough / partial ("" unknown)
  std::string error;
};

// Min/max envelope of an audio signal in [-1, 1], one bin every `step_s` from `start_s`.
struct Envelope {
  double start_s = 0;
  double step_s = 0;
  std::vector<float> min;
  std::vector<float> max;
  [[nodiscard]] double end_s() const { return start_s + step_s * static_cast<double>(min.size()); }
};

// `bins` min/max pairs over interleaved 16-bit PCM (channels mixed), placed at `start_s`.
Envelope make_envelope(const std::vector<std::int16_t>& samples, int sample_rate, int channels, double start_s,
                       std::size_t bins);

// One window of the dubbed output as the independent judge heard it (verify heard).
struct HeardRow {
  int index = 0;
  double start_s = 0;
  double end_s = 0;
  std::string language;  // "" when silent
  double probability = 0;
  std::string expected_language;  // "" when not judged
  bool passthrough = false;
  std::string text;           // what the judge transcribed
  std::string expected_text;  // the original's words there
  std::string verdict;        // "ok" or what is wrong
};

// The table of those windows ("" when there are none). Element id "heard-<slug>".
std::string heard_table(const std::string& id, const std::vector<HeardRow>& rows);

// EBU R128 figures of the dubbed output against the original (verify media `loudness`): the whole
// file (index -1) and each window.
struct LoudnessRow {
  int index = -1;  // -1: the whole file
  double start_s = 0;
  double end_s = 0;
  double dubbed_lufs = 0;
  double original_lufs = 0;
  double true_peak_dbtp = 0;
  long long clipped_samples = 0;  // whole file only
  std::string problem;            // "" when fine
};

// The loudness table ("" without rows), with the bounds it was held to. Element id "loudness-<slug>".
std::string loudness_table(const std::string& id, const std::vector<LoudnessRow>& rows, const std::string& bounds);

struct Point {
  double x = 0;
  double y = 0;
};

// One step of a scenario run as it went (report.json): the runner fills it as the step runs.
struct StepRow {
  std::string kind;                // the step's key in the scenario: up, publish, wait, verify, ...
  int line = 0;                    // its line in the scenario file
  std::string description;         // the one line the terminal shows for it, ${...} expanded once it ran
  std::string status = "not_run";  // passed | failed | skipped (`skip:`, a taken port) | not_run
  double duration_s = 0;
  int attempts = 0;     // 1 + the retries it took (0: not run)
  std::string message;  // passed: its detail; failed: the failure; skipped: the reason
  std::vector<std::pair<std::string, std::string>> measurements;  // what it measured (its JUnit properties)
};

struct ScenarioReport {
  std::string name;
  std::string description;
  std::string file;
  bool passed = false;
  bool skipped = false;  // did not run (a fixture missing, a host port taken): `failure` says why
  std::string failure;   // the failing assertion, verbatim
  double time_s = 0;
  std::vector<std::pair<std::string, std::string>> properties;  // JUnit properties (measured figures)
  std::vector<HeardRow> heard;                                  // verify heard: the judge's windows
  std::vector<LoudnessRow> loudness;                            // verify media loudness: whole file, then windows
  std::string loudness_bounds;                                  // what they were held to
  std::vector<std::pair<std::string, std::string>> artifacts;   // label -> path relative to report.html
  std::vector<std::string> notes;                               // what could not be gathered, and why
  std::vector<StepRow> steps;                                   // every step of the scenario, in order

  bool has_media = false;  // the scenario sent media through the pipeline (a publish or STS monitor step)
  std::vector<FragmentRow> fragments;

  std::optional<Envelope> original_wave;  // on the dubbed output's timeline (shifted by the alignment)
  std::optional<Envelope> dubbed_wave;
  std::string alignment;  // how the two timelines were lined up

  std::vector<Point> drift_ms;  // x: output time (s), y: audio minus video (ms)
  std::optional<double> max_drift_ms;
  double drift_limit_ms = kDriftLimitMs;  // the scenario's bound (the spec's when it sets none)

  std::optional<double> similarity;      // whole-file fingerprint similarity, dubbed vs original
  double max_similarity = 0.8;           // the scenario's bound
  std::vector<Point> similarity_series;  // x: output time (s), y: similarity of a ~2 s window

  std::optional<double> input_duration_s;
  std::optional<double> output_duration_s;
};

struct RunReport {
  std::string title = "dubctl run";
  std::string started_at;  // local time, human readable
  double wall_time_s = 0;
  std::string junit;  // path as given to the user
  std::vector<ScenarioReport> scenarios;
};

std::string html_escape(std::string_view text);
// A string usable in an HTML id: lower-case letters, digits and '-'.
std::string slug(std::string_view text);

// The plots, each an <svg> element with the given id (exposed for tests).
// A fragment's outcome as the report shows it: the media service's, else from the STS status.
std::string outcome_of(const FragmentRow& f);

// The plots (report_svg.cpp).
std::string svg_waveform(const std::string& id, const ScenarioReport& s);
std::string svg_latency(const std::string& id, const std::vector<FragmentRow>& fragments);
std::string svg_drift(const std::string& id, const std::vector<Point>& drift_ms, double limit_ms = kDriftLimitMs);
std::string svg_similarity(const std::string& id, const ScenarioReport& s);

// The whole page. Element ids per scenario (slug = slug(name)): "scenario-<slug>", "fragments-<slug>"
// (the fragment table), "plot-waveform-<slug>", "plot-latency-<slug>", "plot-drift-<slug>",
// "plot-similarity-<slug>" (a plot without data is a figure with a note instead of an <svg>).
std::string render_html(const RunReport& run);

// The closing table of `dubctl run`: one row per scenario run (result, fragments, passthroughs,
// max drift, output vs input duration, time), coloured when `colour`.
std::string terminal_summary(const std::vector<ScenarioReport>& scenarios, bool colour);

// Writes render_html(run) to `file` with the run's secrets masked by `redactor` (redact.hpp); throws
// dub::Error naming the file.
void write_html(const std::filesystem::path& file, const RunReport& run, const Redactor& redactor);

// A PNG of the page rendered by headless Chromium; returns an empty string on success, else why
// not (no browser installed, or what it said). Never throws.
std::string screenshot(const std::filesystem::path& html, const std::filesystem::path& png, int width, int height);

// Roughly how tall the rendered page is (for the screenshot's window size).
int estimated_height(const RunReport& run);

}  // namespace dubctl::report
