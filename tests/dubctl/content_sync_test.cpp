// `verify: {media: ..., expect: {max_content_offset_ms, min_content_markers}}`: A/V sync from the
// fixtures' word markers (content_sync.hpp). The verdict on measured reports, the scenario keys, and
// a run of the dubctl binary on the fixtures themselves (no Docker): the counting fixture is in sync
// within 10 ms, the hello-world one has too few words to judge.
#include "content_sync.hpp"

#include <gtest/gtest.h>

#include <string>

#include "run_fixture.hpp"
#include "scenario.hpp"
#include "scenario_reject.hpp"
#include "steps/step.hpp"

namespace {

using dub::media::MarkerSyncReport;

// `n` markers, every sound `offset_s` after its box (the last one `last_extra_s` more).
MarkerSyncReport report(std::size_t n, double offset_s, double last_extra_s = 0) {
  MarkerSyncReport r;
  r.video_markers = n;
  r.audio_onsets = n;
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double off = offset_s + (i + 1 == n ? last_extra_s : 0);
    r.pairs.push_back({static_cast<double>(i) + 0.12, static_cast<double>(i) + 0.12 + off, off});
    sum += off;
    r.max_abs_offset_s = std::max(r.max_abs_offset_s, std::abs(off));
  }
  if (n > 0) r.mean_offset_s = sum / static_cast<double>(n);
  return r;
}

std::string problems(const dubctl::ContentSyncOutcome& o) {
  std::string all;
  for (const auto& p : o.problems) all += p + "\n";
  return all;
}

TEST(ContentSync, InSyncPassesAndReportsItsFigures) {
  const auto o = dubctl::judge_content_sync(report(30, 0.004), {.max_offset_ms = 80, .min_markers = 25});
  EXPECT_TRUE(o.problems.empty()) << problems(o);
  const auto props = o.properties();
  const auto find = [&props](const std::string& key) {
    for (const auto& [k, v] : props) {
      if (k == key) return v;
    }
    return std::string("(missing)");
  };
  EXPECT_EQ(find("content_marker_pairs"), "30");
  EXPECT_EQ(find("content_video_markers"), "30");
  EXPECT_EQ(find("content_offset_mean_ms"), "+4.0");
  EXPECT_EQ(find("content_offset_max_ms"), "4.0");
}

TEST(ContentSync, LateOrEarlyAudioOverTheBoundFails) {
  const auto late = dubctl::judge_content_sync(report(29, 0.200), {.max_offset_ms = 80, .min_markers = 25});
  ASSERT_EQ(late.problems.size(), 1U);
  EXPECT_EQ(late.problems[0],
            "content sync: audio 200 ms late against the picture's word markers (mean of 29 markers; max |A-V| "
            "200.0 ms, over the 80 ms bound)");
  const auto early = dubctl::judge_content_sync(report(29, -0.1), {.max_offset_ms = 80, .min_markers = 25});
  ASSERT_EQ(early.problems.size(), 1U);
  EXPECT_NE(early.problems[0].find("audio 100 ms early against the picture's word markers"), std::string::npos);
  // The bound holds every marker, not the mean: one word 90 ms off fails.
  const auto one = dubctl::judge_content_sync(report(30, 0.0, 0.090), {.max_offset_ms = 80, .min_markers = 25});
  ASSERT_EQ(one.problems.size(), 1U) << problems(one);
  EXPECT_NE(one.problems[0].find("max |A-V| 90.0 ms, over the 80 ms bound"), std::string::npos) << problems(one);
  // At the bound: in.
  EXPECT_TRUE(dubctl::judge_content_sync(report(30, 0.080), {.max_offset_ms = 80, .min_markers = 25}).problems.empty());
}

TEST(ContentSync, TooFewPairsOrNoMarkersIsNoVerdict) {
  auto dubbed = report(3, 0.0);
  dubbed.video_markers = 30;
  dubbed.audio_onsets = 12;
  const auto few = dubctl::judge_content_sync(dubbed, {.max_offset_ms = 80, .min_markers = 25});
  ASSERT_EQ(few.problems.size(), 1U);
  EXPECT_EQ(few.problems[0],
            "content sync: only 3 of the picture's 30 word markers have an audio onset within 500 ms (12 onset(s) "
            "heard; at least 25 needed): the audio is not the original speech (a dub?), is buried in noise, or is "
            "more than 500 ms off");
  const auto none = dubctl::judge_content_sync(MarkerSyncReport{}, {.max_offset_ms = 80, .min_markers = 1});
  ASSERT_EQ(none.problems.size(), 1U);
  EXPECT_NE(none.problems[0].find("the picture has no word markers"), std::string::npos) << problems(none);
}

const std::string kHead = "name: x\ndescription: d\nsteps:\n  - verify:\n      media: out.mp4\n      expect:\n";

TEST(ContentSync, ScenarioKeys) {
  const auto s = dubctl::parse_scenario(kHead + "        {max_content_offset_ms: 60, min_content_markers: 20}\n",
                                        "scenarios/x.yaml");
  const auto& x = dubctl::step_as<dubctl::VerifyMediaStep>(s.steps.at(0)).expect.content_sync;
  ASSERT_TRUE(x.has_value());
  EXPECT_EQ(x->max_offset_ms, 60);
  EXPECT_EQ(x->min_markers, 20);
  const auto d = dubctl::parse_scenario(kHead + "        {max_content_offset_ms: 80}\n", "scenarios/x.yaml");
  const auto& dx = dubctl::step_as<dubctl::VerifyMediaStep>(d.steps.at(0)).expect.content_sync;
  ASSERT_TRUE(dx.has_value());
  EXPECT_EQ(dx->min_markers, 10);
  const auto n = dubctl::parse_scenario(kHead + "        {streams: 2}\n", "scenarios/x.yaml");
  EXPECT_FALSE(dubctl::step_as<dubctl::VerifyMediaStep>(n.steps.at(0)).expect.content_sync.has_value());

  expect_rejected(kHead + "        {min_content_markers: 20}\n", 7,
                  "expect.min_content_markers: needs max_content_offset_ms beside it");
  expect_rejected(kHead + "        {max_content_offset_ms: 500}\n", 7,
                  "expect.max_content_offset_ms: 500 must be at least 0 and under 500");
  expect_rejected(kHead + "        {max_content_offset_ms: 80, min_content_markers: 0}\n", 7,
                  "expect.min_content_markers: 0 is outside 1..100000");
  expect_rejected(kHead + "        {max_content_offset_ms: fast}\n", 7, "'fast' is not a number");
  expect_rejected(kHead + "        {max_content_ofset_ms: 80}\n", 7, "did you mean max_content_offset_ms?");
}

// The dubctl binary on the fixtures (no Docker): the counting fixture's 30 markers and words line up
// within 10 ms (measured: mean +0.8 ms, max 5.3 ms), and the hello-world fixture (two words, six
// markers) is refused a verdict.
TEST(ContentSync, RunOnTheFixtures) {
  dub::test::TempProject project{"run-content-sync"};
  project.copy_fixture("30s-english-speech.mp4");
  project.copy_fixture("6s-hello-world.mp4");
  project.write("scenarios/sync.yaml",
                "name: sync\ndescription: content sync of the fixtures\nsteps:\n"
                "  - verify:\n"
                "      media: fixtures/test_streams/30s-english-speech.mp4\n"
                "      expect: {max_content_offset_ms: 10, min_content_markers: 30}\n"
                "  - verify:\n"
                "      media: fixtures/test_streams/6s-hello-world.mp4\n"
                "      expect: {max_content_offset_ms: 80, min_content_markers: 5}\n"
                "    expect_error: \"word markers have an audio onset within 500 ms\"\n");
  const auto r = project.run("scenarios/sync.yaml", dub::test::Streams::merged);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.junit.find(R"(name="content_marker_pairs" value="30")"), std::string::npos) << r.junit;
  EXPECT_NE(r.junit.find(R"(name="content_video_markers" value="6")"), std::string::npos) << r.junit;
}

}  // namespace
