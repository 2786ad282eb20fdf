// Peak RSS of a service (peak_rss.hpp) and `verify: {rss: ...}` as parsed: VmHWM read from a
// /proc/<pid>/status text, the bound, and the step's keys.
#include "peak_rss.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "dub/util/error.hpp"
#include "scenario.hpp"
#include "scenario_reject.hpp"
#include "steps/step.hpp"

namespace {

const char* const kStatus =
    "Name:\tpython\nVmPeak:\t 2345678 kB\nVmSize:\t 2300000 kB\nVmHWM:\t  524288 kB\nVmRSS:\t  409600 kB\n"
    "Threads:\t12\n";

TEST(PeakRss, ReadsVmHwmAndVmRss) {
  const auto m = dubctl::parse_proc_status(kStatus);
  EXPECT_EQ(m.peak_kb, 524288);
  EXPECT_EQ(m.now_kb, 409600);
  EXPECT_DOUBLE_EQ(dubctl::to_mb(m.peak_kb), 512.0);
}

TEST(PeakRss, ReadsThisProcess) {
  std::ifstream in("/proc/self/status");
  std::stringstream text;
  text << in.rdbuf();
  const auto m = dubctl::parse_proc_status(text.str());
  EXPECT_GT(m.peak_kb, 0);
  EXPECT_GE(m.peak_kb, m.now_kb);  // a high-water mark is never below the current figure
}

TEST(PeakRss, MissingOrOddLinesAreNamed) {
  try {
    dubctl::parse_proc_status("Name:\tx\nVmRSS:\t 1 kB\n");
    FAIL() << "no VmHWM was accepted";
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find("has no VmHWM line"), std::string::npos) << e.what();
  }
  EXPECT_THROW(dubctl::parse_proc_status("VmHWM:\t 1 kB\n"), dub::Error);  // no VmRSS
  try {
    dubctl::parse_proc_status("VmHWM:\t 12 MB\nVmRSS:\t 1 kB\n");
    FAIL() << "a unit other than kB was accepted";
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find("expected \"<number> kB\""), std::string::npos) << e.what();
  }
}

TEST(PeakRss, OverTheBoundIsAProblem) {
  const dubctl::ProcessMemory m{524288, 409600};  // 512 MB peak
  EXPECT_FALSE(dubctl::rss_problem("sts-service", m, 512));
  EXPECT_FALSE(dubctl::rss_problem("sts-service", m, 800));
  EXPECT_EQ(dubctl::rss_problem("sts-service", m, 500),
            "sts-service: peak RSS 512.0 MB (VmHWM of its main process) is over the 500 MB bound");
}

TEST(PeakRss, GrowthOverTheBoundIsAProblem) {
  EXPECT_FALSE(dubctl::rss_growth_problem("media-service", 307200, 358400, 50));  // 300 -> 350 MB, at the bound
  EXPECT_FALSE(dubctl::rss_growth_problem("media-service", 307200, 204800, 0));   // shrank
  EXPECT_EQ(dubctl::rss_growth_problem("media-service", 307200, 368845, 50),
            "media-service: RSS grew 60.2 MB since the first sample of this scenario (300.0 -> 360.2 MB, each the "
            "lowest over its window), over the 50 MB bound");
}

// The check against a figure really measured (this process): a bound just below it fails, one at it passes.
TEST(PeakRss, ABoundBelowTheMeasuredPeakFails) {
  std::ifstream in("/proc/self/status");
  std::stringstream text;
  text << in.rdbuf();
  const auto m = dubctl::parse_proc_status(text.str());
  const double peak_mb = dubctl::to_mb(m.peak_kb);
  EXPECT_FALSE(dubctl::rss_problem("dubctl_tests", m, peak_mb));
  const auto problem = dubctl::rss_problem("dubctl_tests", m, peak_mb - 1);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("dubctl_tests: peak RSS "), std::string::npos) << *problem;
  EXPECT_NE(problem->find("is over the"), std::string::npos) << *problem;
}

TEST(PeakRss, StepIsParsed) {
  const auto s = dubctl::parse_scenario(R"(name: t
description: rss
stacks: {media: {}, sts: {}}
steps:
  - verify: {rss: {stack: sts, service: sts-service, max_mb: 800}}
  - verify: {rss: {stack: media, service: media-service, max_mb: 95.5, max_growth_mb: 20}}
  - verify: {rss: {stack: media, service: media-service, max_mb: 95.5, max_growth_mb: 20, window: 2s}}
)",
                                        "scenarios/t.yaml");
  ASSERT_EQ(s.steps.size(), 3U);
  const auto& sts = dubctl::step_as<dubctl::VerifyRssStep>(s.steps[0]);
  EXPECT_EQ(sts.stack, "sts");
  EXPECT_EQ(sts.service, "sts-service");
  EXPECT_EQ(sts.max_mb, 800);
  EXPECT_EQ(dubctl::step_as<dubctl::VerifyRssStep>(s.steps[1]).max_mb, 95.5);
  EXPECT_FALSE(sts.max_growth_mb);
  EXPECT_EQ(dubctl::step_as<dubctl::VerifyRssStep>(s.steps[1]).max_growth_mb, 20);
  EXPECT_EQ(dubctl::step_as<dubctl::VerifyRssStep>(s.steps[1]).window, std::chrono::seconds(6));  // one fragment
  EXPECT_EQ(dubctl::step_as<dubctl::VerifyRssStep>(s.steps[2]).window, std::chrono::seconds(2));
  EXPECT_EQ(s.steps[0].action->describe(), "verify the peak RSS of sts-service (sts stack) is at most 800 MB");
  EXPECT_EQ(s.steps[0].action->stacks(), std::vector<std::string>{"sts"});
}

TEST(PeakRss, BadStepsAreRefused) {
  const std::string head = "name: t\ndescription: rss\nstacks: {media: {}}\nsteps:\n  - ";
  expect_rejected(head + "verify: {rss: {stack: media, service: media-service}}\n", 5, "max_mb: is required");
  expect_rejected(head + "verify: {rss: {stack: media, service: media-service, max_mb: 0}}\n", 5,
                  "must be a size in MB above 0");
  expect_rejected(head + "verify: {rss: {stack: media, service: media-service, max_mb: lots}}\n", 5,
                  "'lots' is not a number");
  expect_rejected(head + "verify: {rss: {stack: db, service: media-service, max_mb: 100}}\n", 5, "unknown stack 'db'");
  expect_rejected(head + "verify: {rss: {stack: media, max_mb: 100}}\n", 5, "service: is required");
  expect_rejected(head + "verify: {rss: {stack: media, service: media-service, max_mb: 100, max_growth_mb: -1}}\n", 5,
                  "must be 0 MB or more");
  expect_rejected(head + "verify: {rss: {stack: media, service: media-service, max_mb: 100, window: 2s}}\n", 5,
                  "only means something with max_growth_mb");
  expect_rejected(head + "verify: {rss: {stack: media, service: media-service, max_mb: 100, mb: 1}}\n", 5,
                  "unknown key");
}

}  // namespace
