#include "eventually.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>

namespace {

using namespace std::chrono_literals;

TEST(Eventually, ReturnsTheOutcomeOfTheFirstAttemptThatSucceeds) {
  int attempts = 0;
  std::string last;
  const auto outcome = dubctl::eventually(
      {{}, 2s, 1ms},
      [&](std::string& seen) -> std::optional<std::string> {
        ++attempts;
        seen = "attempt " + std::to_string(attempts);
        return attempts == 3 ? std::optional<std::string>("done") : std::nullopt;
      },
      last);
  ASSERT_TRUE(outcome);
  EXPECT_EQ(*outcome, "done");
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(last, "attempt 3");
}

TEST(Eventually, GivesUpAtTheDeadlineWithWhatTheLastAttemptSaw) {
  int attempts = 0;
  std::string last;
  const auto t0 = std::chrono::steady_clock::now();
  const auto outcome = dubctl::eventually(
      {{}, 100ms, 10ms},
      [&](std::string& seen) -> std::optional<std::string> {
        seen = "still " + std::to_string(++attempts);
        return std::nullopt;
      },
      last);
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_FALSE(outcome);
  EXPECT_GE(took, 100ms);
  EXPECT_LT(took, 2s);
  EXPECT_GE(attempts, 2);
  EXPECT_EQ(last, "still " + std::to_string(attempts));
}

TEST(Eventually, AStopFlagOrTheRunsInterruptionCancelsTheWait) {
  const std::atomic<bool> stop{true};
  std::string last;
  const auto never = [](std::string&) -> std::optional<std::string> { return std::nullopt; };
  EXPECT_THROW(dubctl::eventually({{}, 10s, 1ms, &stop}, never, last), dubctl::Cancelled);

  dubctl::interrupt_signal() = 2;
  try {
    dubctl::eventually({{}, 10s, 1ms}, never, last);
    ADD_FAILURE() << "an interrupted run went on waiting";
  } catch (const dubctl::Cancelled& e) {
    EXPECT_NE(std::string(e.what()).find("interrupted by signal 2"), std::string::npos) << e.what();
  }
  dubctl::interrupt_signal() = 0;
}

TEST(Eventually, AnAttemptThatThrowsEndsTheWaitAtOnce) {
  std::string last;
  EXPECT_THROW(dubctl::eventually(
                   {{}, 10s, 1ms}, [](std::string&) -> std::optional<std::string> { throw dub::Error("dead"); }, last),
               dub::Error);
}

}  // namespace
