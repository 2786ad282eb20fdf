#include "log_wait.hpp"

#include <gtest/gtest.h>

#include "dub/util/error.hpp"

namespace {

using dubctl::LogPattern;
using dubctl::WallClock;

WallClock::time_point at(const std::string& rfc3339) {
  const auto t = dubctl::parse_rfc3339(rfc3339);
  if (!t) throw std::runtime_error("bad time " + rfc3339);
  return *t;
}

TEST(LogWait, Rfc3339) {
  const auto t = at("2025-11-25T11:25:01.123456789Z");
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count(), 1764069901);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count() % 1000000000, 123456789);
  EXPECT_EQ(at("2025-11-25T12:25:01.5+01:00"), at("2025-11-25T11:25:01.500Z"));
  EXPECT_LT(at("2025-11-25T11:25:01Z"), at("2025-11-25T11:25:01.000000001Z"));
  for (const auto* bad : {"", "2025-11-25", "2025-11-25T11:25:01", "2025-13-25T11:25:01Z", "2025-11-25T11:25:01.Z",
                          "2025-11-25T11:25:01Zjunk", "yesterday at noon!!"}) {
    EXPECT_FALSE(dubctl::parse_rfc3339(bad).has_value()) << bad;
  }
}

TEST(LogWait, ComposeLogLinesOfBothComposeVersions) {
  // docker-compose v1 and docker compose v2 prefixes, with --timestamps.
  const auto v1 = dubctl::parse_compose_log_line(
      R"(dubmedia_media-service_1  | 2025-11-25T11:25:01.123456789Z {"level":"warn","msg":"fragment timed out"})");
  ASSERT_TRUE(v1.has_value());
  EXPECT_EQ(v1->container, "dubmedia_media-service_1");
  ASSERT_TRUE(v1->time.has_value());
  EXPECT_EQ(*v1->time, at("2025-11-25T11:25:01.123456789Z"));
  EXPECT_EQ(v1->text, R"({"level":"warn","msg":"fragment timed out"})");
  const auto v2 = dubctl::parse_compose_log_line("media-service-1  | 2025-11-25T11:25:02Z a | b");
  ASSERT_TRUE(v2.has_value());
  EXPECT_EQ(v2->container, "media-service-1");
  EXPECT_EQ(v2->text, "a | b");
  const auto untimed = dubctl::parse_compose_log_line("mediamtx_1  | no timestamp here");
  ASSERT_TRUE(untimed.has_value());
  EXPECT_FALSE(untimed->time.has_value());
  EXPECT_FALSE(dubctl::parse_compose_log_line("Attaching to dubmedia_mediamtx_1").has_value());
  EXPECT_FALSE(dubctl::parse_compose_log_line("WARNING: some warning | with a bar").has_value());
}

TEST(LogWait, SubstringAndRegexPatterns) {
  const LogPattern plain("fragment timed out");
  EXPECT_TRUE(plain.matches(R"({"msg":"fragment timed out: using its original audio"})"));
  EXPECT_FALSE(plain.matches("fragment processed"));
  EXPECT_EQ(plain.describe(), "'fragment timed out'");
  const LogPattern plain_dots("a.c");  // plain text: the dot is a dot
  EXPECT_FALSE(plain_dots.matches("abc"));
  const LogPattern regex(R"(/"sequence_number":[0-9]+.*"reason":"timeout"/)");
  EXPECT_TRUE(regex.matches(R"({"sequence_number":0,"msg":"published","reason":"timeout"})"));
  EXPECT_FALSE(regex.matches(R"({"sequence_number":0,"reason":"failed"})"));
  EXPECT_THROW(LogPattern("/(unclosed/"), dub::Error);
}

TEST(LogWait, PatternProblemsAsWrittenInAScenario) {
  EXPECT_FALSE(dubctl::log_pattern_problem("plain (text").has_value());  // a substring, not a regex
  EXPECT_FALSE(dubctl::log_pattern_problem(R"(/"stream":"${stream}".*timeout/)").has_value());
  EXPECT_TRUE(dubctl::log_pattern_problem("").has_value());
  EXPECT_TRUE(dubctl::log_pattern_problem("//").has_value());
  const auto bad = dubctl::log_pattern_problem("/a[b/");
  ASSERT_TRUE(bad.has_value());
  EXPECT_NE(bad->find("not a valid regular expression"), std::string::npos) << *bad;
}

TEST(LogWait, OnlyLinesSinceTheScenarioStartedCount) {
  const std::string logs =
      "Attaching to dubmedia_media-service_1\n"
      "dubmedia_media-service_1  | 2025-11-25T11:00:00.000000000Z fragment timed out (an earlier scenario)\n"
      "dubmedia_media-service_1  | 2025-11-25T11:00:10.000000000Z worker started\n"
      "dubmedia_media-service_1  | no timestamp: fragment timed out\n"
      "dubmedia_media-service_1  | 2025-11-25T11:00:12.000000000Z fragment timed out: stream b\n"
      "dubmedia_media-service_1  | 2025-11-25T11:00:13.000000000Z fragment timed out: stream c\n";
  const auto since = at("2025-11-25T11:00:05Z");
  const auto found = dubctl::search_compose_logs(logs, LogPattern("fragment timed out"), since);
  ASSERT_TRUE(found.match.has_value());
  EXPECT_EQ(*found.match, "fragment timed out: stream b");  // the first one since the start
  EXPECT_EQ(found.considered, 3U);
  EXPECT_EQ(found.last, "fragment timed out: stream c");
  const auto none = dubctl::search_compose_logs(logs, LogPattern("fragment timed out"), at("2025-11-25T11:00:14Z"));
  EXPECT_FALSE(none.match.has_value());
  EXPECT_EQ(none.considered, 0U);
  const auto earlier = dubctl::search_compose_logs(logs, LogPattern("earlier scenario"), since);
  EXPECT_FALSE(earlier.match.has_value());
}

}  // namespace
