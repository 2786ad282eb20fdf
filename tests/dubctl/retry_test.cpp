// Per-step `retry`/`delay` (retry.hpp): how many attempts, the pauses between them, what the final
// failure says, and what is never retried.
#include "retry.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "eventually.hpp"

namespace {

using dubctl::Duration;
using dubctl::RetryPolicy;
using dubctl::with_retries;

struct Recorder {
  std::vector<Duration> pauses;
  [[nodiscard]] std::function<void(Duration)> pause() {
    return [this](Duration d) { pauses.push_back(d); };
  }
};

TEST(Retry, PassesOnTheAttemptThatSucceedsAfterPausingBetween) {
  Recorder r;
  int calls = 0;
  const auto attempts = with_retries(
      RetryPolicy{3, Duration(250)},
      [&] {
        if (++calls < 3) throw dub::Error("not yet");
      },
      nullptr, r.pause());
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(r.pauses, (std::vector<Duration>{Duration(250), Duration(250)}));
}

TEST(Retry, FinalFailureNamesTheAttemptsAndTheLastError) {
  Recorder r;
  int calls = 0;
  try {
    with_retries(
        RetryPolicy{2, Duration(1000)}, [&] { throw dub::Error("refused #" + std::to_string(++calls)); }, nullptr,
        r.pause());
    FAIL() << "no error";
  } catch (const dub::Error& e) {
    EXPECT_STREQ(e.what(), "failed 3 attempts (retry: 2, delay: 1000ms); the last: refused #3");
  }
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(r.pauses.size(), 2U);  // none after the last
}

TEST(Retry, WithoutRetryOneAttemptAndItsErrorAsIs) {
  Recorder r;
  int calls = 0;
  try {
    with_retries(
        RetryPolicy{}, [&] { throw dub::Error("refused #" + std::to_string(++calls)); }, nullptr, r.pause());
    FAIL() << "no error";
  } catch (const dub::Error& e) {
    EXPECT_STREQ(e.what(), "refused #1");
  }
  EXPECT_TRUE(r.pauses.empty());
  EXPECT_EQ(with_retries(
                RetryPolicy{}, [] {}, nullptr, r.pause()),
            1);
}

TEST(Retry, CancellationAndFinalErrorsAreNotRetried) {
  Recorder r;
  int calls = 0;
  EXPECT_THROW(with_retries(
                   RetryPolicy{5, Duration(10)},
                   [&] {
                     ++calls;
                     throw dubctl::DeadlineReached("deadline: scenario timeout 1s reached");
                   },
                   nullptr, r.pause()),
               dubctl::DeadlineReached);
  EXPECT_EQ(calls, 1);
  const auto is_final = [](const dub::Error& e) { return std::string(e.what()) == "port taken"; };
  EXPECT_THROW(with_retries(
                   RetryPolicy{5, Duration(10)},
                   [&] {
                     ++calls;
                     throw dub::Error("port taken");
                   },
                   is_final, r.pause()),
               dub::Error);
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(r.pauses.empty());
}

TEST(Retry, PauseEndsOnInterruption) {
  dubctl::interrupt_signal() = 2;
  EXPECT_THROW(dubctl::cancellable_pause(Duration(60000)), dubctl::Cancelled);  // at once, not in a minute
  dubctl::interrupt_signal() = 0;
  dubctl::cancellable_pause(Duration(20));
}

}  // namespace
