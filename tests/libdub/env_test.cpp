#include "dub/util/env.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "dub/util/error.hpp"

namespace {

using namespace std::chrono_literals;

class EnvTest : public ::testing::Test {
 protected:
  void TearDown() override { unsetenv("DUB_TEST_VAR"); }
  static void set(const char* value) { setenv("DUB_TEST_VAR", value, 1); }
};

TEST_F(EnvTest, UnsetOrEmptyFallsBack) {
  EXPECT_EQ(dub::env::get_or("DUB_TEST_VAR", "dflt"), "dflt");
  set("");
  EXPECT_EQ(dub::env::get_int("DUB_TEST_VAR", 7, 0, 10), 7);
}

TEST_F(EnvTest, IntegersAreCheckedForShapeAndRange) {
  set("3");
  EXPECT_EQ(dub::env::get_int("DUB_TEST_VAR", 7, 0, 10), 3);
  set("3x");
  EXPECT_THROW(dub::env::get_int("DUB_TEST_VAR", 7, 0, 10), dub::Error);
  set("11");
  try {
    dub::env::get_int("DUB_TEST_VAR", 7, 0, 10);
    FAIL() << "expected an error";
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find("DUB_TEST_VAR"), std::string::npos) << e.what();
  }
}

TEST_F(EnvTest, BooleansAcceptCommonSpellingsOnly) {
  set("TRUE");
  EXPECT_TRUE(dub::env::get_bool("DUB_TEST_VAR", false));
  set("off");
  EXPECT_FALSE(dub::env::get_bool("DUB_TEST_VAR", true));
  set("maybe");
  EXPECT_THROW(dub::env::get_bool("DUB_TEST_VAR", true), dub::Error);
}

TEST(ParseDuration, UnitsAndPlainSeconds) {
  EXPECT_EQ(dub::env::parse_duration("30", "t"), 30s);
  EXPECT_EQ(dub::env::parse_duration("1.5s", "t"), 1500ms);
  EXPECT_EQ(dub::env::parse_duration("250ms", "t"), 250ms);
  EXPECT_EQ(dub::env::parse_duration("2m", "t"), 120s);
}

TEST(ParseDuration, RejectsGarbageWithTheKeyInTheMessage) {
  for (const char* bad : {"", "abc", "-1s", "5 parsecs", "10d"}) {
    try {
      dub::env::parse_duration(bad, "steps[2].timeout");
      FAIL() << "accepted '" << bad << "'";
    } catch (const dub::Error& e) {
      EXPECT_NE(std::string(e.what()).find("steps[2].timeout"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
