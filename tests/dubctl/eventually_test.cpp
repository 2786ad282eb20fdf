#include "eventually.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

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

using Clock = std::chrono::steady_clock;
const auto kNever = [](std::string&) -> std::optional<std::string> { return std::nullopt; };

TEST(ScenarioDeadline, CutsAWaitThatWouldRunPastIt) {
  const dubctl::ScenarioDeadline deadline(Clock::now() + 200ms, 180s);
  std::string last;
  const auto t0 = Clock::now();
  try {
    dubctl::eventually({{}, 60s, 10s}, kNever, last);  // its own timeout and interval are far longer
    ADD_FAILURE() << "the wait ran past the scenario's deadline";
  } catch (const dubctl::DeadlineReached& e) {
    EXPECT_EQ(std::string(e.what()), "deadline: scenario timeout 180s reached");
  }
  const auto took = Clock::now() - t0;
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 1s);
}

TEST(ScenarioDeadline, AWaitThatEndsBeforeItIsNotCut) {
  const dubctl::ScenarioDeadline deadline(Clock::now() + 10s, 10s);
  std::string last;
  EXPECT_FALSE(dubctl::eventually({{}, 50ms, 10ms}, kNever, last));  // its own timeout: nullopt, as ever
}

TEST(ScenarioDeadline, HoldsOnlyForItsThreadAndItsLifetime) {
  std::optional<bool> other_thread_timed_out;
  {
    const dubctl::ScenarioDeadline deadline(Clock::now() - 1s, 1s);  // already passed
    EXPECT_THROW(dubctl::check_cancelled(), dubctl::DeadlineReached);
    // A background task's thread is not the scenario's: its wait ends by its own timeout.
    std::thread background([&] {
      std::string last;
      other_thread_timed_out = !dubctl::eventually({{}, 100ms, 10ms}, kNever, last);
    });
    background.join();
  }
  ASSERT_TRUE(other_thread_timed_out);
  EXPECT_TRUE(*other_thread_timed_out);
  EXPECT_NO_THROW(dubctl::check_cancelled());  // gone with its scope
  EXPECT_EQ(dubctl::ScenarioDeadline::current(), nullptr);
}

TEST(ScenarioDeadline, ABudgetInMillisecondsIsSaidSo) {
  const dubctl::ScenarioDeadline deadline(Clock::now() - 1s, 1500ms);
  try {
    dubctl::check_cancelled();
    ADD_FAILURE() << "a passed deadline did not throw";
  } catch (const dubctl::DeadlineReached& e) {
    EXPECT_EQ(std::string(e.what()), "deadline: scenario timeout 1.5s reached");
  }
}

TEST(Eventually, AnInterruptIsSeenWithinAPauseHoweverLongTheInterval) {
  std::string last;
  std::thread signal([] {
    std::this_thread::sleep_for(100ms);
    dubctl::interrupt_signal() = 15;
  });
  const auto t0 = Clock::now();
  EXPECT_THROW(dubctl::eventually({{}, 60s, 30s}, kNever, last), dubctl::Cancelled);
  const auto took = Clock::now() - t0;
  signal.join();
  dubctl::interrupt_signal() = 0;
  EXPECT_LT(took, 1s);
}

}  // namespace
