#include "report.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <regex>
#include <string>

namespace {

using dubctl::report::FragmentRow;
using dubctl::report::ScenarioReport;

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

FragmentRow fragment(long long seq, double start, double asr, double mt, double tts, double roundtrip,
                     const std::string& outcome = "dubbed") {
  FragmentRow f;
  f.sequence_number = seq;
  f.start_s = start;
  f.end_s = start + 6;
  f.transcript = "one, two";
  f.translated_text = "uno, dos";
  f.asr_ms = asr;
  f.mt_ms = mt;
  f.tts_ms = tts;
  f.queue_ms = 0.5;
  f.processing_ms = asr + mt + tts;
  f.roundtrip_ms = roundtrip;
  f.status = "success";
  f.state = outcome;
  return f;
}

ScenarioReport sample() {
  ScenarioReport s;
  s.name = "full-pipeline";
  s.description = "30 s fixture -> dubbed";
  s.passed = true;
  s.time_s = 57.5;
  s.has_media = true;
  s.fragments = {fragment(0, 0, 1600, 120, 450, 2300), fragment(1, 6, 900, 80, 300, 1500, "passthrough")};
  std::vector<std::int16_t> tone(std::size_t{8000} * 12);
  for (std::size_t i = 0; i < tone.size(); ++i)
    tone[i] = static_cast<std::int16_t>(8000 * std::sin(0.05 * static_cast<double>(i)));
  s.original_wave = dubctl::report::make_envelope(tone, 8000, 1, -1.0, 300);
  s.dubbed_wave = dubctl::report::make_envelope(tone, 8000, 1, 0.0, 300);
  s.alignment = "Aligned.";
  s.drift_ms = {{0, -20}, {5, -22}, {10, 35}};
  s.max_drift_ms = 35;
  s.similarity = 0.53;
  s.similarity_series = {{1, 0.5}, {1.5, 0.55}, {2, 0.6}};
  s.output_duration_s = 12;
  s.input_duration_s = 12;
  s.artifacts = {{"dubbed.mp4", "full-pipeline/dubbed.mp4"}};
  return s;
}

TEST(ReportTest, EscapesHtml) {
  EXPECT_EQ(dubctl::report::html_escape("<b>\"Tom\" & 'Jerry'</b>"),
            "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;");
  EXPECT_EQ(dubctl::report::html_escape("año\x01ñ"), "añoñ");  // UTF-8 kept, control characters dropped
}

TEST(ReportTest, SlugsAreIdSafe) {
  EXPECT_EQ(dubctl::report::slug("full-pipeline#2"), "full-pipeline-2");
  EXPECT_EQ(dubctl::report::slug("A b/C"), "a-b-c");
  EXPECT_EQ(dubctl::report::slug("###"), "scenario");
}

TEST(ReportTest, TextFromTheRunIsEscapedEverywhere) {
  auto s = sample();
  s.passed = false;
  s.name = "evil<script>";
  s.failure = "duration: expected <30> & found \"28\"";
  s.fragments[0].transcript = "<img src=x onerror=alert(1)>";
  s.fragments[0].translated_text = "Tom & \"Jerry\"";
  s.notes = {"note <b>"};
  dubctl::report::RunReport run;
  run.scenarios = {s};
  const auto html = dubctl::report::render_html(run);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_NE(html.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  EXPECT_NE(html.find("Tom &amp; &quot;Jerry&quot;"), std::string::npos);
  EXPECT_NE(html.find("expected &lt;30&gt; &amp; found &quot;28&quot;"), std::string::npos);
  EXPECT_NE(html.find("id=\"scenario-evil-script\""), std::string::npos);
}

TEST(ReportTest, PageHoldsEveryElementAndNoNetworkReference) {
  dubctl::report::RunReport run;
  run.scenarios = {sample()};
  const auto html = dubctl::report::render_html(run);
  for (const char* id : {"summary", "scenario-full-pipeline", "fragments-full-pipeline", "plot-waveform-full-pipeline",
                         "plot-latency-full-pipeline", "plot-drift-full-pipeline", "plot-similarity-full-pipeline"}) {
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  }
  EXPECT_EQ(count(html, "<svg "), 4U);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  // Self-contained: no stylesheet, script, image or font from elsewhere (the SVG namespace is a name, not a fetch).
  EXPECT_EQ(std::regex_search(html, std::regex(R"((src|href)=\"(https?:)?//)")), false);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  // One table row per fragment, with its status.
  const auto table = html.substr(html.find("id=\"fragments-full-pipeline\""));
  EXPECT_EQ(count(table.substr(0, table.find("</table>")), "<tr class="), 2U);
  EXPECT_NE(html.find("status-passthrough"), std::string::npos);
  EXPECT_NE(html.find("PASSED"), std::string::npos);
}

TEST(ReportTest, FailedScenarioShowsItsAssertion) {
  auto s = sample();
  s.passed = false;
  s.failure = "A/V drift reaches 130.0 ms (> 120 ms)";
  dubctl::report::RunReport run;
  run.scenarios = {s};
  const auto html = dubctl::report::render_html(run);
  EXPECT_NE(html.find("Failing assertion"), std::string::npos);
  EXPECT_NE(html.find("A/V drift reaches 130.0 ms (&gt; 120 ms)"), std::string::npos);
  EXPECT_NE(html.find("0</span> passed"), std::string::npos);
}

// A scenario that did not run shows as skipped with its reason, in the page and in the terminal
// table, and is neither passed nor failed in the totals.
TEST(ReportTest, SkippedScenarioShowsWhyItDidNotRun) {
  auto s = sample();
  s.passed = false;
  s.skipped = true;
  s.has_media = false;
  s.failure = "skipped: fixture not found: gone.mp4";
  dubctl::report::RunReport run;
  run.scenarios = {s};
  const auto html = dubctl::report::render_html(run);
  EXPECT_NE(html.find("<span class=\"badge skip\">SKIPPED</span> full-pipeline"), std::string::npos) << html;
  EXPECT_NE(html.find("Why it did not run"), std::string::npos);
  EXPECT_NE(html.find("fixture not found: gone.mp4"), std::string::npos);
  EXPECT_NE(html.find("0</span> failed, <span class=\"n\">1</span> skipped"), std::string::npos) << html;
  const auto plain = dubctl::report::terminal_summary({s}, false);
  EXPECT_TRUE(std::regex_search(plain, std::regex(R"(full-pipeline\s+skipped\s+-)"))) << plain;
}

TEST(ReportTest, LatencyBarsStackTheStagesUnderTheBudgetLine) {
  const auto s = sample();
  const auto svg = dubctl::report::svg_latency("lat", s.fragments);
  EXPECT_EQ(svg.rfind("<svg id=\"lat\"", 0), 0U);
  // Two fragments x (ASR, MT, TTS, STS wait, rest of round trip) = 10 bar segments, each with a tooltip.
  EXPECT_EQ(count(svg, "<title>"), 10U);
  EXPECT_NE(svg.find("<title>#0 ASR: 1600 ms</title>"), std::string::npos);
  EXPECT_NE(svg.find("<title>#1 TTS: 300 ms</title>"), std::string::npos);
  EXPECT_NE(svg.find("budget 15 s"), std::string::npos);
  EXPECT_NE(svg.find("2.30 s"), std::string::npos);  // round-trip label
  EXPECT_NE(svg.find(">passthrough<"), std::string::npos);
  EXPECT_EQ(count(svg, "class=\"limit\""), 1U);
  // No timings: no plot.
  EXPECT_TRUE(dubctl::report::svg_latency("lat", {}).empty());
}

TEST(ReportTest, LatencyScaleGrowsPastTheBudget) {
  // A fragment slower than the budget stays inside the plot: the axis reaches past 20 s.
  const auto svg = dubctl::report::svg_latency("lat", {fragment(0, 0, 21000, 100, 100, 22000)});
  EXPECT_NE(svg.find(">20<"), std::string::npos);
  EXPECT_NE(svg.find("22.00 s"), std::string::npos);
}

TEST(ReportTest, DriftPlotDrawsTheBandAndTheWorstPoint) {
  const auto svg = dubctl::report::svg_drift("drift", {{0, -20}, {5, -22}, {10, 35}});
  EXPECT_NE(svg.find("+120 ms"), std::string::npos);
  EXPECT_EQ(count(svg, "class=\"limit\""), 2U);
  EXPECT_NE(svg.find("max |drift| 35.0 ms at 10.0 s"), std::string::npos);
  EXPECT_EQ(count(svg, "<polyline"), 1U);
  const std::regex points(R"(points="([^"]*)\")");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, points));
  EXPECT_EQ(count(m[1].str(), ","), 3U);  // one vertex per point
  EXPECT_TRUE(dubctl::report::svg_drift("drift", {}).empty());
}

TEST(ReportTest, WaveformDrawsBothTracksAndFragmentBands) {
  const auto s = sample();
  const auto svg = dubctl::report::svg_waveform("wave", s);
  EXPECT_EQ(count(svg, "<path "), 2U);  // original and dubbed envelopes
  EXPECT_NE(svg.find("Original (en)"), std::string::npos);
  EXPECT_NE(svg.find("Dubbed (es)"), std::string::npos);
  EXPECT_NE(svg.find(">#0<"), std::string::npos);
  EXPECT_NE(svg.find(">#1<"), std::string::npos);
  EXPECT_NE(svg.find("#ffe0b2"), std::string::npos);  // the passthrough fragment's band
  // The original starts 1 s before the output: its envelope begins further left.
  const std::regex start(R"(<path d="M([0-9.]+),)");
  std::vector<double> xs;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), start); it != std::sregex_iterator(); ++it) {
    xs.push_back(std::stod((*it)[1].str()));
  }
  ASSERT_EQ(xs.size(), 2U);
  EXPECT_LT(xs[0] + 50, xs[1]);  // 1 s of 13 s over ~960 px is ~74 px
  auto none = s;
  none.original_wave.reset();
  none.dubbed_wave.reset();
  none.fragments.clear();
  EXPECT_TRUE(dubctl::report::svg_waveform("wave", none).empty());
}

TEST(ReportTest, SimilarityPlotShowsTheBoundTheWholeFileAndTheWindows) {
  const auto svg = dubctl::report::svg_similarity("sim", sample());
  EXPECT_NE(svg.find("fails above 0.80"), std::string::npos);
  EXPECT_NE(svg.find("whole file: 0.530"), std::string::npos);
  EXPECT_EQ(count(svg, "<polyline"), 1U);
}

TEST(ReportTest, MissingPlotsSayWhy) {
  auto s = sample();
  s.drift_ms.clear();
  s.similarity.reset();
  s.similarity_series.clear();
  dubctl::report::RunReport run;
  run.scenarios = {s};
  const auto html = dubctl::report::render_html(run);
  EXPECT_NE(html.find("<figure id=\"plot-drift-full-pipeline\" class=\"plot-figure empty\">"), std::string::npos);
  EXPECT_NE(html.find("<figure id=\"plot-similarity-full-pipeline\" class=\"plot-figure empty\">"), std::string::npos);
  EXPECT_EQ(count(html, "<svg "), 2U);
}

TEST(ReportTest, EnvelopeKeepsTheExtremesOfEachBin) {
  std::vector<std::int16_t> pcm = {0, 16384, -16384, 0, 0, 0, 32767, -32768};
  const auto env = dubctl::report::make_envelope(pcm, 8, 1, 2.0, 2);
  ASSERT_EQ(env.min.size(), 2U);
  EXPECT_FLOAT_EQ(env.max[0], 0.5F);
  EXPECT_FLOAT_EQ(env.min[0], -0.5F);
  EXPECT_NEAR(env.max[1], 1.0F, 1e-4);
  EXPECT_FLOAT_EQ(env.min[1], -1.0F);
  EXPECT_DOUBLE_EQ(env.step_s, 0.5);
  EXPECT_DOUBLE_EQ(env.end_s(), 3.0);
  // Stereo is mixed: opposite channels cancel.
  const auto stereo = dubctl::report::make_envelope({1000, -1000, 2000, -2000}, 8, 2, 0, 1);
  EXPECT_FLOAT_EQ(stereo.max[0], 0.0F);
}

TEST(ReportTest, TerminalSummaryHasTheFiguresAndColourOnlyWhenAsked) {
  auto s = sample();
  auto failed = sample();
  failed.name = "other";
  failed.passed = false;
  failed.has_media = false;
  failed.max_drift_ms.reset();
  failed.output_duration_s.reset();
  const auto plain = dubctl::report::terminal_summary({s, failed}, false);
  EXPECT_EQ(plain.find('\x1b'), std::string::npos);
  EXPECT_NE(plain.find("passthroughs"), std::string::npos);
  EXPECT_TRUE(
      std::regex_search(plain, std::regex(R"(full-pipeline\s+passed\s+2\s+1\s+35\.0ms\s+12\.00s / 12\.00s\s+57\.5s)")))
      << plain;
  EXPECT_TRUE(std::regex_search(plain, std::regex(R"(other\s+FAILED\s+-\s+-\s+-\s+-)"))) << plain;
  const auto coloured = dubctl::report::terminal_summary({s, failed}, true);
  EXPECT_NE(coloured.find('\x1b'), std::string::npos);
}

TEST(ReportTest, ScreenshotWithoutChromiumSaysSoInOneLine) {
  const std::string saved = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
  ::setenv("PATH", "/nonexistent", 1);
  const auto why = dubctl::report::screenshot("/tmp/none.html", "/tmp/none.png", 800, 600);
  ::setenv("PATH", saved.c_str(), 1);
  EXPECT_NE(why.find("no Chromium found"), std::string::npos) << why;
  EXPECT_EQ(why.find('\n'), std::string::npos);
}

}  // namespace
