// The verdict of `dubctl run` (verdict.hpp): counts, the pass rate held to --min-pass-rate, the
// failed runs named, --strict, the closing line and the exit code.
#include "verdict.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

dubctl::TestCase passed(const std::string& name) {
  dubctl::TestCase c;
  c.name = name;
  return c;
}

dubctl::TestCase failed(const std::string& name, const std::string& failure) {
  auto c = passed(name);
  c.failure = failure;
  return c;
}

std::vector<dubctl::TestCase> rounds(int pass, int fail) {
  std::vector<dubctl::TestCase> cases;
  for (int i = 1; i <= pass + fail; ++i) {
    const auto name = dubctl::case_name("full_pipeline", i, pass + fail);
    cases.push_back(i <= pass ? passed(name) : failed(name, "drift 130 ms > 120 ms\n  - more"));
  }
  return cases;
}

TEST(Verdict, CaseNamesCarryTheIterationOnlyWhenRepeated) {
  EXPECT_EQ(dubctl::case_name("sts_down", 3, 10), "sts_down#3");
  EXPECT_EQ(dubctl::case_name("sts_down", 1, 1), "sts_down");
}

TEST(Verdict, DefaultMinimumFailsTheRunOnAnyFailure) {
  EXPECT_EQ(dubctl::judge_run(rounds(10, 0), 1.0).exit_code(false), 0);
  const auto v = dubctl::judge_run(rounds(9, 1), 1.0);
  EXPECT_TRUE(v.below_minimum);
  EXPECT_EQ(v.exit_code(false), 1);
  EXPECT_DOUBLE_EQ(v.pass_rate, 0.9);
}

TEST(Verdict, BelowTheMinimumFailsAtOrAboveItPasses) {
  // 19 of 20 is exactly 0.95: meets 0.95 (no rounding loss), misses 0.96.
  EXPECT_FALSE(dubctl::judge_run(rounds(19, 1), 0.95).below_minimum);
  EXPECT_TRUE(dubctl::judge_run(rounds(19, 1), 0.96).below_minimum);
  EXPECT_EQ(dubctl::judge_run(rounds(9, 1), 0.95).exit_code(false), 1);  // SC-007: 9 of 10 < 95 %
  EXPECT_EQ(dubctl::judge_run(rounds(9, 1), 0.9).exit_code(false), 0);
  EXPECT_EQ(dubctl::judge_run(rounds(0, 3), 0.0).exit_code(false), 0);  // 0: report only
}

TEST(Verdict, FailedRunsAreNamedWithTheirReasonsFirstLine) {
  const auto v = dubctl::judge_run(rounds(8, 2), 0.95);
  ASSERT_EQ(v.failed_runs.size(), 2U);
  EXPECT_EQ(v.failed_runs[0], "full_pipeline#9: drift 130 ms > 120 ms");
  EXPECT_EQ(v.failed_runs[1], "full_pipeline#10: drift 130 ms > 120 ms");
  const auto text = dubctl::verdict_text(v, true);
  EXPECT_NE(text.find("pass rate: 8/10 (80%), minimum 95%: BELOW, the run fails"), std::string::npos) << text;
  EXPECT_NE(text.find("failed runs:\n  full_pipeline#9: drift 130 ms > 120 ms\n  full_pipeline#10: "),
            std::string::npos)
      << text;
  const auto long_reason = dubctl::judge_run({failed("a", std::string(500, 'x'))}, 1.0);
  EXPECT_EQ(long_reason.failed_runs[0].size(), std::string("a: ").size() + 200);
}

TEST(Verdict, NothingToSayWhenAllPassedOnce) {
  EXPECT_EQ(dubctl::verdict_text(dubctl::judge_run(rounds(1, 0), 1.0), false), "");
  EXPECT_EQ(dubctl::verdict_text(dubctl::judge_run(rounds(5, 0), 1.0), true), "pass rate: 5/5 (100%), minimum 100%\n");
}

TEST(Verdict, SkipsAreLeftOutOfTheRateAndPassWithoutStrict) {
  std::vector<dubctl::TestCase> cases = {dubctl::skipped_case("a", "fixture not found: x.mp4 (...)\nsecond"),
                                         passed("b")};
  auto v = dubctl::judge_run(cases, 1.0);
  EXPECT_EQ(v.skipped, 1);
  EXPECT_EQ(v.passed, 1);
  EXPECT_DOUBLE_EQ(v.pass_rate, 1.0);
  EXPECT_EQ(v.exit_code(false), 0);
  EXPECT_EQ(v.closing_line(), "1 passed, 0 failed, 1 skipped");
  ASSERT_EQ(v.skipped_runs.size(), 1U);
  EXPECT_EQ(v.skipped_runs[0], "a: fixture not found: x.mp4 (...)");
  EXPECT_NE(dubctl::verdict_text(v, false).find("skipped runs (--strict fails them):\n  a: fixture not found"),
            std::string::npos);
  // Only skips: nothing was judged, nothing failed.
  v = dubctl::judge_run({cases[0]}, 1.0);
  EXPECT_EQ(v.exit_code(false), 0);
  EXPECT_EQ(v.closing_line(), "0 passed, 0 failed, 1 skipped");
}

TEST(Verdict, StrictMakesASkipAFailureWithItsReason) {
  auto c = dubctl::skipped_case("a", "host port 8554 is already in use");
  EXPECT_EQ(c.classname, "dubctl.scenarios");
  dubctl::apply_strict(c);
  EXPECT_FALSE(c.skipped);
  EXPECT_EQ(c.failure, "skipped, and --strict counts a skip as a failure: host port 8554 is already in use");
  const auto v = dubctl::judge_run({c}, 1.0);
  EXPECT_EQ(v.closing_line(), "0 passed, 1 failed, 0 skipped");
  EXPECT_EQ(v.exit_code(false), 1);
  auto ok = passed("b");
  dubctl::apply_strict(ok);  // a passed case stays passed
  EXPECT_TRUE(ok.failure.empty());
}

TEST(Verdict, FailFastSkipsNameTheFailureThatStoppedTheRun) {
  const auto c = dubctl::skipped_case("b", dubctl::fail_fast_reason("a#2"));
  EXPECT_EQ(c.skip_reason, "not run: --fail-fast after a#2 failed");
  const auto v = dubctl::judge_run({c}, 1.0);
  EXPECT_EQ(v.closing_line(), "0 passed, 0 failed, 1 skipped");
  ASSERT_EQ(v.skipped_runs.size(), 1U);
  EXPECT_EQ(v.skipped_runs[0], "b: not run: --fail-fast after a#2 failed");
}

TEST(Verdict, AnInterruptedRunExits130WhateverTheRate) {
  EXPECT_EQ(dubctl::judge_run(rounds(3, 0), 1.0).exit_code(true), 130);
  EXPECT_EQ(dubctl::judge_run(rounds(0, 3), 1.0).exit_code(true), 130);
}

}  // namespace
