#include "report.hpp"

#include <fmt/color.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <utility>

#include "dub/sts/pcm.hpp"
#include "dub/sts/protocol_gen.hpp"
#include "dub/util/error.hpp"
#include "junit.hpp"
#include "redact.hpp"
#include "stacks.hpp"

namespace dubctl::report {

namespace fs = std::filesystem;

std::string html_escape(std::string_view text) {
  return xml_escape(text);
}

std::string slug(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 && u < 0x80) {
      out += static_cast<char>(std::tolower(u));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? std::string("scenario") : out;
}

Envelope make_envelope(const std::vector<std::int16_t>& samples, int sample_rate, int channels, double start_s,
                       std::size_t bins) {
  Envelope env;
  env.start_s = start_s;
  if (sample_rate <= 0 || channels <= 0 || bins == 0) return env;
  const auto ch = static_cast<std::size_t>(channels);
  const std::size_t frames = samples.size() / ch;
  if (frames == 0) return env;
  bins = std::min(bins, frames);
  const double per_bin = static_cast<double>(frames) / static_cast<double>(bins);
  env.step_s = per_bin / sample_rate;
  env.min.assign(bins, 0.0F);
  env.max.assign(bins, 0.0F);
  for (std::size_t b = 0; b < bins; ++b) {
    const auto first = static_cast<std::size_t>(static_cast<double>(b) * per_bin);
    const auto last = std::min(frames, static_cast<std::size_t>(static_cast<double>(b + 1) * per_bin));
    float lo = 1.0F;
    float hi = -1.0F;
    for (std::size_t f = first; f < std::max(last, first + 1); ++f) {
      float v = 0;
      for (std::size_t c = 0; c < ch; ++c) v += dub::sts::pcm::to_float(samples[f * ch + c]);
      v /= static_cast<float>(ch);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    env.min[b] = lo;
    env.max[b] = hi;
  }
  return env;
}

std::string outcome_of(const FragmentRow& f) {
  if (!f.state.empty()) return f.state;
  if (f.status == dub::sts::protocol::kStatusSuccess) return "dubbed";
  return f.status.empty() ? "unknown" : f.status;
}

namespace {

// ---- page pieces ---------------------------------------------------------------------------

std::string fmt_ms(const std::optional<double>& ms) {
  if (!ms) return "<span class=\"na\">–</span>";
  if (*ms >= 1000) return fmt::format("{:.2f}&#8239;s", *ms / 1000);
  return fmt::format("{:.0f}&#8239;ms", *ms);
}

std::string fmt_time(double s) {
  const int m = static_cast<int>(s / 60);
  return fmt::format("{}:{:05.2f}", m, s - 60 * m);
}

const std::map<std::string, std::string>& property_labels() {
  static const std::map<std::string, std::string> labels = {
      {"duration_s", "output duration (s)"},
      {"max_av_drift_ms", "max A/V drift (ms)"},
      {"content_marker_pairs", "word markers paired with a sound"},
      {"content_offset_mean_ms", "mean A-V at the word markers (ms)"},
      {"content_offset_max_ms", "max |A-V| at the word markers (ms)"},
      {"fingerprint_similarity", "fingerprint similarity"},
      {"sts_fragments", "STS fragments"},
      {"sts_audio_s", "audio through STS (s)"},
      {"sts_max_processing_ms", "max STS processing (ms)"},
      {"asr_wer", "word error rate"},
      {"translation_coverage", "Spanish words found"},
      {"wall_time_s", "wall time (s)"},
      {"scenario_file", "scenario file"},
  };
  return labels;
}

std::string fragments_table(const std::string& id, const ScenarioReport& s) {
  std::string out = fmt::format(
      "<table id=\"{}\" class=\"fragments\">\n<thead><tr><th class=\"num\">#</th><th>time</th><th>English (ASR)</th>"
      "<th>Spanish (MT)</th><th class=\"num\" title=\"speech recognition\">ASR</th>"
      "<th class=\"num\" title=\"machine translation\">MT</th><th class=\"num\" title=\"speech synthesis\">TTS</th>"
      "<th class=\"num\" title=\"queue + all stages, inside STS\">STS</th>"
      "<th class=\"num\" title=\"media service: fragment sent to result received\">round trip</th>"
      "<th title=\"media service: the fragment's state (without one, from the STS's status)\">state</th>"
      "</tr></thead>\n"
      "<tbody>\n",
      html_escape(id));
  for (const auto& f : s.fragments) {
    const auto outcome = outcome_of(f);
    std::optional<double> sts;
    if (f.processing_ms) sts = *f.processing_ms + f.queue_ms.value_or(0);
    out += fmt::format(
        "<tr class=\"{}\"><td class=\"num\">{}</td><td class=\"num nowrap\">{} – {}</td><td>{}</td><td>{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td><span class=\"status status-{}\">{}</span>{}</td></tr>\n",
        html_escape(slug(outcome)), f.sequence_number, fmt_time(f.start_s), fmt_time(f.end_s),
        f.transcript.empty() ? "<span class=\"na\">(no speech)</span>" : html_escape(f.transcript),
        f.translated_text.empty() ? "<span class=\"na\">–</span>" : html_escape(f.translated_text), fmt_ms(f.asr_ms),
        fmt_ms(f.mt_ms), fmt_ms(f.tts_ms), fmt_ms(sts), fmt_ms(f.roundtrip_ms), html_escape(slug(outcome)),
        html_escape(outcome), f.error.empty() ? "" : fmt::format("<div class=\"err\">{}</div>", html_escape(f.error)));
  }
  if (s.fragments.empty()) {
    out += "<tr><td colspan=\"10\" class=\"na\">STS reported no fragment for this scenario's stream.</td></tr>\n";
  }
  out += "</tbody>\n</table>\n";
  return out;
}

std::string figure(const std::string& id, const std::string& title, const std::string& svg, const std::string& caption,
                   const std::string& missing) {
  if (svg.empty()) {
    return fmt::format(
        "<figure id=\"{}\" class=\"plot-figure empty\"><h3>{}</h3><p class=\"na\">Not available: {}</p></figure>\n",
        html_escape(id), html_escape(title), html_escape(missing));
  }
  return fmt::format("<figure class=\"plot-figure\"><h3>{}</h3>\n{}<figcaption>{}</figcaption></figure>\n",
                     html_escape(title), svg, html_escape(caption));
}

std::string summary_cells(const ScenarioReport& s) {
  const auto passthroughs = std::count_if(s.fragments.begin(), s.fragments.end(),
                                          [](const FragmentRow& f) { return outcome_of(f) != "dubbed"; });
  std::string duration = "–";
  if (s.output_duration_s && s.input_duration_s) {
    duration = fmt::format("{:.2f} s / {:.2f} s", *s.output_duration_s, *s.input_duration_s);
  } else if (s.output_duration_s) {
    duration = fmt::format("{:.2f} s", *s.output_duration_s);
  }
  return fmt::format(
      "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
      s.has_media ? std::to_string(s.fragments.size()) : "–", s.has_media ? std::to_string(passthroughs) : "–",
      s.max_drift_ms ? fmt::format("{:.1f} ms", *s.max_drift_ms) : "–", duration);
}

// The badge's class and label: pass PASSED, skip SKIPPED, fail FAILED.
std::pair<const char*, const char*> badge(const ScenarioReport& s) {
  if (s.passed) return {"pass", "PASSED"};
  return s.skipped ? std::pair{"skip", "SKIPPED"} : std::pair{"fail", "FAILED"};
}

std::string scenario_section(const ScenarioReport& s) {
  const auto id = slug(s.name);
  const auto [badge_class, badge_label] = badge(s);
  std::string out = fmt::format("<section class=\"scenario {}\" id=\"scenario-{}\">\n",
                                s.passed ? "passed" : (s.skipped ? "skipped" : "failed"), html_escape(id));
  out += fmt::format("<h2><span class=\"badge {}\">{}</span> {}</h2>\n", badge_class, badge_label, html_escape(s.name));
  out += fmt::format("<p class=\"desc\">{}</p>\n", html_escape(s.description));
  if (!s.passed) {
    out += fmt::format("<div class=\"failure\"><strong>{}</strong><pre>{}</pre></div>\n",
                       s.skipped ? "Why it did not run" : "Failing assertion",
                       html_escape(s.failure.empty() ? std::string("(no message)") : s.failure));
  }
  out += "<dl class=\"props\">\n";
  out += fmt::format("<div><dt>time</dt><dd>{:.1f} s</dd></div>\n", s.time_s);
  for (const auto& [k, v] : s.properties) {
    if (k == "wall_time_s") continue;
    const auto it = property_labels().find(k);
    out += fmt::format("<div><dt>{}</dt><dd>{}</dd></div>\n",
                       html_escape(it == property_labels().end() ? k : it->second), html_escape(v));
  }
  out += "</dl>\n";
  if (!s.artifacts.empty()) {
    out += "<p class=\"artifacts\">Artifacts: ";
    bool first = true;
    for (const auto& [label, path] : s.artifacts) {
      out += fmt::format("{}<a href=\"{}\">{}</a>", first ? "" : " · ", html_escape(path), html_escape(label));
      first = false;
    }
    out += "</p>\n";
    std::string videos;
    for (const auto& [label, path] : s.artifacts) {
      if (!path.ends_with(".mp4")) continue;
      videos += fmt::format(
          "<figure><video controls preload=\"none\" src=\"{}\"></video><figcaption>{}</figcaption></figure>",
          html_escape(path), html_escape(label));
    }
    if (!videos.empty())
      out += fmt::format("<details class=\"watch\"><summary>Watch</summary><div class=\"videos\">{}</div></details>\n",
                         videos);
  }
  if (s.has_media) {
    out += "<h3>Fragments</h3>\n" + fragments_table("fragments-" + id, s);
    if (!s.heard.empty())
      out += "<h3>Heard by the judge (independent Whisper)</h3>\n" + heard_table("heard-" + id, s.heard);
    if (!s.loudness.empty())
      out += "<h3>Loudness (EBU R128)</h3>\n" + loudness_table("loudness-" + id, s.loudness, s.loudness_bounds);
    out += figure("plot-waveform-" + id, "Audio: original vs dubbed", svg_waveform("plot-waveform-" + id, s),
                  "Min/max envelope of each track, each scaled to its own peak, on the dubbed output's timeline. " +
                      s.alignment + " Shaded bands: STS fragments (orange: passthrough).",
                  "neither the original nor the dubbed audio could be decoded (see the notes)");
    out += figure("plot-latency-" + id, "Per-fragment latency", svg_latency("plot-latency-" + id, s.fragments),
                  fmt::format("Stacked: STS stages (ASR, MT, TTS), waiting in STS, and the rest of the round trip "
                              "measured by the media service (network, its queue). Dashed line: the {:.0f} s budget.",
                              kLatencyBudgetS),
                  "no fragment timings were reported");
    out +=
        figure("plot-drift-" + id, "A/V drift over time", svg_drift("plot-drift-" + id, s.drift_ms, s.drift_limit_ms),
               fmt::format("Audio minus video timestamp offset along the dubbed output (positive: audio late). "
                           "Shaded: the ±{:.0f} ms band.",
                           s.drift_limit_ms),
               "the dubbed output was not recorded or could not be analysed");
    out += figure("plot-similarity-" + id, "Audio fingerprint similarity (dubbed vs original)",
                  svg_similarity("plot-similarity-" + id, s),
                  fmt::format("Chromaprint similarity: 1.0 = the same audio, about 0.5 = unrelated audio. The line "
                              "follows ~2 s windows along the output; the scenario fails above {:.2f}.",
                              s.max_similarity),
                  "no fingerprint was computed (no dubbed output or no original)");
  }
  if (!s.notes.empty()) {
    out += "<div class=\"notes\"><strong>Notes</strong><ul>\n";
    for (const auto& n : s.notes) out += fmt::format("<li>{}</li>\n", html_escape(n));
    out += "</ul></div>\n";
  }
  out += "</section>\n";
  return out;
}

constexpr const char* kStyle = R"CSS(
:root { --ok:#2e7d32; --bad:#c62828; --warn:#ef6c00; --ink:#1f2933; --muted:#616e7c; --line:#d9dee4; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f6f8; color: var(--ink);
  font: 14px/1.45 "DejaVu Sans", "Noto Sans", "Liberation Sans", Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 20px 40px; }
header h1 { font-size: 24px; margin: 0 0 4px; }
header .meta { color: var(--muted); margin: 0 0 14px; }
.totals { font-size: 16px; margin: 0 0 16px; }
.totals .n { font-weight: bold; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: #eef1f4; font-weight: 600; font-size: 13px; white-space: nowrap; }
th.num { text-align: right; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; text-align: right; }
td.nowrap { white-space: nowrap; }
table.summary td:first-child a { color: var(--ink); font-weight: 600; text-decoration: none; }
section.scenario { background: #fff; border: 1px solid var(--line); border-left: 6px solid var(--ok);
  border-radius: 6px; padding: 16px 20px; margin: 20px 0; }
section.scenario.failed { border-left-color: var(--bad); }
h2 { font-size: 20px; margin: 0 0 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.desc { color: var(--muted); margin: 0 0 10px; }
.badge { display: inline-block; font-size: 12px; font-weight: bold; color: #fff; border-radius: 3px;
  padding: 2px 7px; vertical-align: 3px; }
.badge.pass { background: var(--ok); } .badge.fail { background: var(--bad); } .badge.skip { background: #b7791f; }
.failure { background: #fdecea; border: 1px solid #f5c2c0; border-radius: 4px; padding: 8px 12px; margin: 8px 0; }
.failure pre { margin: 4px 0 0; white-space: pre-wrap; font-size: 13px; }
dl.props { display: flex; flex-wrap: wrap; gap: 8px; margin: 10px 0; }
dl.props div { background: #f4f6f8; border-radius: 4px; padding: 4px 10px; }
dl.props dt { font-size: 11px; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
dl.props dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; max-width: 420px;
  overflow-wrap: anywhere; }
.artifacts a { color: #1a5fb4; }
table.fragments td { font-size: 13px; }
table.fragments tr.passthrough td { background: #fff4e5; }
.status { display: inline-block; border-radius: 3px; padding: 1px 6px; font-size: 12px; font-weight: 600; }
.status-dubbed { background: #e3f2e5; color: var(--ok); }
.status-passthrough, .status-partial { background: #ffe8cc; color: var(--warn); }
.status-failed, .status-unknown { background: #fdecea; color: var(--bad); }
.err { color: var(--bad); font-size: 12px; }
.na { color: #9aa5b1; }
figure { margin: 8px 0 0; }
figure.plot-figure { margin-top: 14px; }
figcaption { color: var(--muted); font-size: 12px; margin-top: 2px; }
svg.plot { width: 100%; height: auto; display: block; background: #fff; }
svg .grid { stroke: #e6e9ed; stroke-width: 1; }
svg .axis { stroke: #7b8794; stroke-width: 1; }
svg .tick { fill: #52606d; font-size: 12px; }
svg .axis-title { fill: #52606d; font-size: 12px; }
svg .lane { fill: #1f2933; font-size: 13px; font-weight: 600; }
svg .label { fill: #3e4c59; font-size: 12px; }
svg .value { fill: #1f2933; font-size: 12px; font-weight: 600; }
svg .value, svg .label, svg .limit-label { paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
svg .limit { stroke: var(--bad); stroke-width: 1.5; stroke-dasharray: 6 4; }
svg .limit-label { fill: var(--bad); font-size: 12px; font-weight: 600; }
svg .ref { stroke: #9aa5b1; stroke-width: 1; stroke-dasharray: 2 3; }
svg .series { fill: none; stroke: #6a3d9a; stroke-width: 1.6; }
svg .overall { stroke: #1f2933; stroke-width: 1.2; }
.notes { margin-top: 14px; font-size: 13px; color: var(--muted); }
.notes ul { margin: 4px 0 0 18px; padding: 0; }
details.watch { margin: 6px 0; } details.watch summary { cursor: pointer; color: #1a5fb4; }
.videos { display: flex; gap: 12px; flex-wrap: wrap; } .videos video { width: 420px; background: #000; }
footer { color: var(--muted); font-size: 12px; margin-top: 24px; }
)CSS";

}  // namespace

std::string render_html(const RunReport& run) {
  const auto passed =
      std::count_if(run.scenarios.begin(), run.scenarios.end(), [](const ScenarioReport& s) { return s.passed; });
  const auto skipped =
      std::count_if(run.scenarios.begin(), run.scenarios.end(), [](const ScenarioReport& s) { return s.skipped; });
  const auto failed = static_cast<long>(run.scenarios.size()) - passed - skipped;
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += fmt::format("<title>{} — {} passed, {} failed, {} skipped</title>\n", html_escape(run.title), passed, failed,
                     skipped);
  out += fmt::format("<style>{}</style>\n</head>\n<body>\n<main>\n", kStyle);
  out +=
      fmt::format("<header>\n<h1>{}</h1>\n<p class=\"meta\">{}{}</p>\n", html_escape(run.title),
                  html_escape(run.started_at), run.wall_time_s > 0 ? fmt::format(" · {:.1f} s", run.wall_time_s) : "");
  out += fmt::format(
      "<p class=\"totals\" id=\"totals\"><span class=\"badge {}\">{}</span> <span class=\"n\">{}</span> passed, "
      "<span class=\"n\">{}</span> failed, <span class=\"n\">{}</span> skipped</p>\n</header>\n",
      failed == 0 ? "pass" : "fail", failed == 0 ? "PASSED" : "FAILED", passed, failed, skipped);
  out +=
      "<table class=\"summary\" id=\"summary\">\n<thead><tr><th>scenario</th><th>result</th><th class=\"num\">time</th>"
      "<th class=\"num\">fragments</th><th class=\"num\">passthroughs</th><th class=\"num\">max A/V drift</th>"
      "<th class=\"num\">output / input duration</th></tr></thead>\n"
      "<tbody>\n";
  for (const auto& s : run.scenarios) {
    out += fmt::format(
        "<tr><td><a href=\"#scenario-{}\">{}</a></td><td><span class=\"badge {}\">{}</span></td>"
        "<td class=\"num\">{:.1f} s</td>{}</tr>\n",
        html_escape(slug(s.name)), html_escape(s.name), badge(s).first, badge(s).second, s.time_s, summary_cells(s));
  }
  out += "</tbody>\n</table>\n";
  for (const auto& s : run.scenarios) out += scenario_section(s);
  out += fmt::format("<footer>Generated by dubctl{}.</footer>\n",
                     run.junit.empty() ? "" : fmt::format(" · JUnit: {}", html_escape(run.junit)));
  out += "</main>\n</body>\n</html>\n";
  return out;
}

std::string terminal_summary(const std::vector<ScenarioReport>& scenarios, bool colour) {
  std::size_t width = 8;
  for (const auto& s : scenarios) width = std::max(width, s.name.size());
  width = std::min<std::size_t>(width, 40);
  std::string out = fmt::format("{:<{}}  {:<7}  {:>9}  {:>12}  {:>9}  {:>17}  {:>7}\n", "scenario", width, "result",
                                "fragments", "passthroughs", "max drift", "output / input", "time");
  for (const auto& s : scenarios) {
    const auto passthroughs = std::count_if(s.fragments.begin(), s.fragments.end(),
                                            [](const FragmentRow& f) { return outcome_of(f) != "dubbed"; });
    std::string duration = "-";
    if (s.output_duration_s) {
      duration = s.input_duration_s ? fmt::format("{:.2f}s / {:.2f}s", *s.output_duration_s, *s.input_duration_s)
                                    : fmt::format("{:.2f}s", *s.output_duration_s);
    }
    const std::string result = s.passed ? "passed" : (s.skipped ? "skipped" : "FAILED");
    const auto padded = fmt::format("{:<7}", result);
    const auto shown = !colour     ? padded
                       : s.passed  ? fmt::format(fmt::fg(fmt::terminal_color::green), "{}", padded)
                       : s.skipped ? fmt::format(fmt::fg(fmt::terminal_color::yellow), "{}", padded)
                                   : fmt::format(fmt::fg(fmt::terminal_color::red) | fmt::emphasis::bold, "{}", padded);
    auto name = s.name.size() > width ? s.name.substr(0, width - 1) + "~" : s.name;
    out += fmt::format("{:<{}}  {}  {:>9}  {:>12}  {:>9}  {:>17}  {:>6.1f}s\n", name, width, shown,
                       s.has_media ? std::to_string(s.fragments.size()) : "-",
                       s.has_media ? std::to_string(passthroughs) : "-",
                       s.max_drift_ms ? fmt::format("{:.1f}ms", *s.max_drift_ms) : "-", duration, s.time_s);
  }
  return out;
}

void write_html(const fs::path& file, const RunReport& run, const Redactor& redactor) {
  std::ofstream out(file, std::ios::binary);
  if (!out) throw dub::Error(fmt::format("cannot write the report {}", file.string()));
  out << redactor.apply(render_html(run));  // the whole page: every field, raw and escaped forms
  if (!out) throw dub::Error(fmt::format("cannot write the report {}", file.string()));
}

int estimated_height(const RunReport& run) {
  int h = 200 + 40 * static_cast<int>(run.scenarios.size());
  for (const auto& s : run.scenarios) {
    h += 200;
    if (!s.passed) h += 60 + 20 * static_cast<int>(std::count(s.failure.begin(), s.failure.end(), '\n'));
    if (s.has_media) h += 1420 + 62 * static_cast<int>(std::max<std::size_t>(1, s.fragments.size()));
    h += 22 * static_cast<int>(s.notes.size());
  }
  return std::clamp(h, 600, 16000);
}

namespace {

std::string find_program(const std::vector<std::string>& names) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const auto end = std::min(dirs.find(':', start), dirs.size());
    const fs::path dir = dirs.substr(start, end - start);
    for (const auto& n : names) {
      const auto candidate = dir / n;
      if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
    start = end + 1;
  }
  return {};
}

}  // namespace

std::string screenshot(const fs::path& html, const fs::path& png, int width, int height) {
  try {
    const auto browser = find_program({"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"});
    if (browser.empty()) return "no Chromium found (install the Debian package chromium, as scripts/bootstrap does)";
    std::error_code ec;
    const auto profile = fs::temp_directory_path() / fmt::format("dubctl-chromium-{}", ::getpid());
    fs::create_directories(profile, ec);
    std::vector<std::string> argv;
    // run_command looks programs up on PATH by name.
    if (!find_program({"timeout"}).empty()) argv = {"timeout", "90"};
    argv.insert(argv.end(), {fs::path(browser).filename().string(), "--headless", "--no-sandbox", "--disable-gpu",
                             "--hide-scrollbars", "--no-first-run", "--force-device-scale-factor=1",
                             "--user-data-dir=" + profile.string(), fmt::format("--window-size={},{}", width, height),
                             "--screenshot=" + png.string(), "file://" + fs::absolute(html).string()});
    fs::remove(png, ec);
    const auto r = run_command(argv);
    fs::remove_all(profile, ec);
    if (r.exit_code != 0 || !fs::exists(png) || fs::file_size(png, ec) == 0) {
      auto said = r.output;
      if (said.size() > 400) said = "..." + said.substr(said.size() - 400);
      return fmt::format("{} exited with {}: {}", browser, r.exit_code, said);
    }
    return {};
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace dubctl::report
