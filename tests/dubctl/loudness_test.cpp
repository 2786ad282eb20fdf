// EBU R128 checks of verify media (loudness.hpp) on synthetic PCM, the scenario keys, the report table.
#include "loudness.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "report.hpp"
#include "scenario.hpp"
#include "scenario_reject.hpp"
#include "steps/step.hpp"

namespace {

using dub::media::Pcm;

// `seconds` of a 1 kHz sine at `peak_dbfs` (mono, 48 kHz); silence where `silent(t)`.
Pcm tone(
    double seconds, double peak_dbfs, const std::function<bool(double)>& silent = [](double) { return false; }) {
  Pcm p;
  p.sample_rate = 48000;
  p.channels = 1;
  const auto n = static_cast<std::size_t>(seconds * p.sample_rate);
  const double amp = 32767.0 * std::pow(10.0, peak_dbfs / 20.0);
  p.samples.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / p.sample_rate;
    const double v = silent(t) ? 0.0 : amp * std::sin(2 * std::numbers::pi * 1000.0 * t);
    p.samples[i] = static_cast<std::int16_t>(std::clamp(std::lround(v), -32768L, 32767L));
  }
  return p;
}

TEST(Loudness, TheMeterFollowsTheLevel) {
  const auto quiet = tone(4, -26);
  const auto loud = tone(4, -20);
  const auto a = dubctl::measure_loudness(quiet, 0, quiet.frames());
  const auto b = dubctl::measure_loudness(loud, 0, loud.frames());
  EXPECT_NEAR(b.integrated_lufs - a.integrated_lufs, 6.0, 0.1);
  // A mono 1 kHz sine reads 3 dB under its peak (BS.1770 calibration).
  EXPECT_NEAR(b.integrated_lufs, -23.0, 0.3);
  EXPECT_NEAR(b.true_peak_dbtp, -20.0, 0.3);
  EXPECT_NEAR(b.sample_peak_dbfs, -20.0, 0.1);
  EXPECT_EQ(b.clipped_samples, 0);
  EXPECT_NEAR(b.duration_s, 4.0, 1e-9);
  const auto silence = tone(2, -20, [](double) { return true; });
  const auto s = dubctl::measure_loudness(silence, 0, silence.frames());
  EXPECT_EQ(s.integrated_lufs, dubctl::kSilentLufs);
  EXPECT_LE(s.true_peak_dbtp, -199);
}

TEST(Loudness, ClippedSamplesAndTruePeak) {
  const auto hot = tone(2, 3);  // 3 dB over full scale: every crest is cut at 32767 / -32768
  const auto f = dubctl::measure_loudness(hot, 0, hot.frames());
  EXPECT_GT(f.clipped_samples, 1000);
  EXPECT_GE(f.true_peak_dbtp, -0.1);
}

TEST(Loudness, WindowsAndWholeFileAgainstTheReference) {
  const auto speech = [](double t) { return t >= 12 && t < 18; };  // the original is silent in window 2
  const auto reference = tone(30, -20, speech);
  dubctl::LoudnessExpect x;
  x.reference = "original.mp4";
  // The same audio: nothing to say.
  auto same = dubctl::compare_loudness(reference, reference, x);
  EXPECT_TRUE(same.problems.empty()) << same.problems.front();
  ASSERT_EQ(same.windows.size(), 5U);
  EXPECT_FALSE(same.windows[2].reference_speech);
  EXPECT_TRUE(same.windows[3].reference_speech);
  // 4 dB quieter: the whole file and every window with speech are out of ±3 LU.
  const auto quieter = tone(30, -24, speech);
  auto r = dubctl::compare_loudness(quieter, reference, x);
  ASSERT_EQ(r.problems.size(), 5U) << r.problems.size();
  EXPECT_NE(r.problems[0].find("-4.00 LU (more than ±3 LU)"), std::string::npos) << r.problems[0];
  EXPECT_NE(r.windows[0].problem.find("window 0 (0-6 s)"), std::string::npos) << r.windows[0].problem;
  EXPECT_TRUE(r.windows[2].problem.empty());
  // A window left silent where the original speaks.
  const auto gap = tone(30, -20, [&speech](double t) { return speech(t) || (t >= 18 && t < 24); });
  r = dubctl::compare_loudness(gap, reference, x);
  ASSERT_FALSE(r.windows[3].problem.empty());
  EXPECT_NE(r.windows[3].problem.find("silent (-70.0 LUFS) where the original has speech"), std::string::npos)
      << r.windows[3].problem;
  // Too hot: true peak and clipping.
  const auto hot = tone(30, 1, speech);
  r = dubctl::compare_loudness(hot, reference, x);
  bool peak = false;
  bool clipped = false;
  for (const auto& p : r.problems) {
    peak = peak || p.find("must stay below -1 dBTP") != std::string::npos;
    clipped = clipped || p.find("samples at full scale (clipped") != std::string::npos;
  }
  EXPECT_TRUE(peak && clipped);
  // The figures as JUnit properties.
  const auto props = same.properties();
  const auto find = [&props](const std::string& key) {
    for (const auto& [k, v] : props) {
      if (k == key) return v;
    }
    return std::string("(missing)");
  };
  EXPECT_EQ(find("loudness_difference_lu"), "+0.0");
  EXPECT_EQ(find("clipped_samples"), "0");
  EXPECT_EQ(find("loudness_window_lufs").substr(0, 16), "-23.0 -23.0 -70.");
}

TEST(Loudness, ScenarioKeys) {
  const auto s = dubctl::parse_scenario(R"(name: x
description: d
steps:
  - verify:
      media: out.mp4
      expect:
        loudness: {reference: 30s-english-speech.mp4, window: 5s, max_difference_lu: 2, max_window_difference_lu: 4,
                   max_true_peak_dbtp: -1.5, max_clipped_samples: 3, silence_lufs: -45}
)",
                                        "scenarios/x.yaml");
  const auto& x = dubctl::step_as<dubctl::VerifyMediaStep>(s.steps.at(0)).expect.loudness;
  ASSERT_TRUE(x.has_value());
  EXPECT_EQ(x->reference, "30s-english-speech.mp4");
  EXPECT_EQ(x->window, std::chrono::seconds(5));
  EXPECT_EQ(x->max_difference_lu, 2);
  EXPECT_EQ(x->window_limit_lu(), 4);
  EXPECT_EQ(x->max_true_peak_dbtp, -1.5);
  EXPECT_EQ(x->max_clipped_samples, 3);
  EXPECT_EQ(x->silence_lufs, -45);
  const std::string head = "name: x\ndescription: d\nsteps:\n  - verify:\n      media: out.mp4\n      expect:\n";
  expect_rejected(head + "        loudness: {window: 6s}\n", 7,
                  "steps[0].verify.expect.loudness.reference: is required");
  expect_rejected(head + "        loudness: {reference: a.mp4, window: 500ms}\n", 7,
                  "loudness.window: must be at least 1s");
  expect_rejected(head + "        loudness:\n          reference: a.mp4\n          max_true_peak_dbtp: 9\n", 9,
                  "loudness.max_true_peak_dbtp: 9 is outside -60..6");
  expect_rejected(head + "        loudness:\n          reference: a.mp4\n          max_lu: 3\n", 9,
                  "loudness.max_lu: unknown key");
}

TEST(Loudness, ReportTable) {
  std::vector<dubctl::report::LoudnessRow> rows = {{-1, 0, 30, -22.1, -22.5, -2.3, 0, ""},
                                                   {0, 0, 6, -40.0, -22.4, -9.0, 0, "window 0: too <quiet>"}};
  const auto html = dubctl::report::loudness_table("loudness-x", rows, "bounds & more");
  EXPECT_NE(html.find("id=\"loudness-x\""), std::string::npos);
  EXPECT_NE(html.find("bounds &amp; more"), std::string::npos);
  EXPECT_NE(html.find("+0.4"), std::string::npos);
  EXPECT_NE(html.find("too &lt;quiet&gt;"), std::string::npos);
  EXPECT_NE(html.find("whole file"), std::string::npos);
  EXPECT_TRUE(dubctl::report::loudness_table("x", {}, "").empty());
}

}  // namespace
