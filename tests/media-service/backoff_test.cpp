#include "backoff.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dub/util/error.hpp"

namespace {

using dub::media_service::BackoffPolicy;
using dub::media_service::retry_with_backoff;
using std::chrono::milliseconds;

TEST(Backoff, DelaysDoubleAndAreCapped) {
  BackoffPolicy p;
  p.initial_delay = milliseconds(1000);
  p.factor = 2;
  p.max_delay = milliseconds(5000);
  EXPECT_EQ(p.delay_for(1), milliseconds(1000));
  EXPECT_EQ(p.delay_for(2), milliseconds(2000));
  EXPECT_EQ(p.delay_for(3), milliseconds(4000));
  EXPECT_EQ(p.delay_for(4), milliseconds(5000));
  EXPECT_EQ(p.delay_for(0), milliseconds(0));
}

TEST(Backoff, ThreeRetriesThenAClearError) {
  BackoffPolicy p;  // 3 retries, 1 s doubling
  std::vector<milliseconds> waits;
  int attempts = 0;
  try {
    retry_with_backoff(
        p, "connecting to STS at http://sts:3000",
        [&] {
          ++attempts;
          throw dub::Error("connection refused");
        },
        [&](int, milliseconds d, const std::string& err) {
          EXPECT_EQ(err, "connection refused");
          waits.push_back(d);
          return true;
        });
    FAIL() << "no error";
  } catch (const dub::Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "connecting to STS at http://sts:3000 failed after 4 attempts: connection refused");
  }
  EXPECT_EQ(attempts, 4);
  EXPECT_EQ(waits, (std::vector<milliseconds>{milliseconds(1000), milliseconds(2000), milliseconds(4000)}));
}

TEST(Backoff, SucceedsOnARetry) {
  int attempts = 0;
  std::vector<int> retries;
  retry_with_backoff(
      BackoffPolicy{}, "x",
      [&] {
        if (++attempts < 3) throw dub::Error("not yet");
      },
      [&](int retry, milliseconds, const std::string&) {
        retries.push_back(retry);
        return true;
      });
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(retries, (std::vector<int>{1, 2}));
}

TEST(Backoff, WaitCanAbandon) {
  int attempts = 0;
  EXPECT_THROW(retry_with_backoff(
                   BackoffPolicy{}, "x",
                   [&] {
                     ++attempts;
                     throw dub::Error("down");
                   },
                   [](int, milliseconds, const std::string&) { return false; }),
               dub::Error);
  EXPECT_EQ(attempts, 1);
}

}  // namespace
