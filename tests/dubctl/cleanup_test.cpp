#include "cleanup.hpp"

#include <gtest/gtest.h>

namespace {

using dubctl::Cleanup;
using dubctl::should_tear_down;

TEST(Cleanup, DefaultIsAlwaysInCiAndSuccessLocally) {
  EXPECT_EQ(dubctl::default_cleanup("true"), Cleanup::Always);
  EXPECT_EQ(dubctl::default_cleanup("1"), Cleanup::Always);
  EXPECT_EQ(dubctl::default_cleanup(nullptr), Cleanup::Success);
  EXPECT_EQ(dubctl::default_cleanup("false"), Cleanup::Success);
  EXPECT_EQ(dubctl::default_cleanup(""), Cleanup::Success);
}

TEST(Cleanup, EachPolicyOnPassAndFail) {
  EXPECT_TRUE(should_tear_down(Cleanup::Always, true, false));
  EXPECT_TRUE(should_tear_down(Cleanup::Always, false, false));
  EXPECT_TRUE(should_tear_down(Cleanup::Success, true, false));
  EXPECT_FALSE(should_tear_down(Cleanup::Success, false, false));  // a local failure keeps the stacks
  EXPECT_FALSE(should_tear_down(Cleanup::Failure, true, false));
  EXPECT_TRUE(should_tear_down(Cleanup::Failure, false, false));
  EXPECT_FALSE(should_tear_down(Cleanup::Never, true, false));
  EXPECT_FALSE(should_tear_down(Cleanup::Never, false, false));
}

TEST(Cleanup, AnInterruptedRunAlwaysTearsDown) {
  for (const auto c : {Cleanup::Always, Cleanup::Success, Cleanup::Failure, Cleanup::Never}) {
    EXPECT_TRUE(should_tear_down(c, false, true)) << dubctl::to_string(c);
  }
}

TEST(Cleanup, NamesRoundTripAndUnknownIsRefused) {
  for (const auto c : {Cleanup::Always, Cleanup::Success, Cleanup::Failure, Cleanup::Never}) {
    EXPECT_EQ(dubctl::parse_cleanup(dubctl::to_string(c)), c);
  }
  EXPECT_FALSE(dubctl::parse_cleanup("sometimes").has_value());
  EXPECT_NE(dubctl::kept_stacks_hint().find("dubctl down"), std::string::npos);
}

// The stacks an isolated run keeps are found and torn down by its id.
TEST(Cleanup, KeptStacksOfAnIsolatedRunAreNamedByItsId) {
  const auto hint = dubctl::kept_stacks_hint("r12ab34cd");
  EXPECT_NE(hint.find("DUBCTL_RUN_ID=r12ab34cd dubctl down"), std::string::npos) << hint;
  EXPECT_NE(hint.find("-p dubmedia-r12ab34cd ps"), std::string::npos) << hint;
}

}  // namespace
