// Which compose tool runs the stacks (issue 17 item 7): $DUBCTL_COMPOSE picks v1 or v2, auto prefers
// v2, a missing tool names the fix; the choice is recorded in JUnit as a suite property.
#include <gtest/gtest.h>

#include "dub/util/error.hpp"
#include "junit.hpp"
#include "stacks.hpp"

namespace {

using Argv = std::vector<std::string>;

TEST(ComposeTool, AutoPrefersTheV2PluginAndFallsBackToV1) {
  EXPECT_EQ(dubctl::pick_compose("auto", true, true), (Argv{"docker", "compose"}));
  EXPECT_EQ(dubctl::pick_compose("auto", false, true), (Argv{"docker-compose"}));
  EXPECT_THROW(dubctl::pick_compose("auto", false, false), dub::Error);
}

TEST(ComposeTool, AnExplicitChoiceIsKeptOrRefusedWithTheFix) {
  EXPECT_EQ(dubctl::pick_compose("v1", true, true), (Argv{"docker-compose"}));
  EXPECT_EQ(dubctl::pick_compose("v2", true, true), (Argv{"docker", "compose"}));
  try {
    dubctl::pick_compose("v1", true, false);
    FAIL() << "v1 without docker-compose must be refused";
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find("scripts/bootstrap"), std::string::npos) << e.what();
  }
  EXPECT_THROW(dubctl::pick_compose("v2", false, true), dub::Error);
  try {
    dubctl::pick_compose("2", true, true);
    FAIL() << "an unknown value must be refused";
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find("DUBCTL_COMPOSE='2'"), std::string::npos) << e.what();
  }
}

TEST(ComposeTool, TheToolThatRanIsASuiteProperty) {
  dubctl::SuiteInfo suite{
      "dubctl", "2026-12-01T05:12:57", "ci-runner-1", {{"compose", "docker compose 2.26.1-4 (v2)"}}};
  const auto xml = dubctl::junit_xml(suite, {dubctl::TestCase{}});
  const auto props =
      xml.find("    <properties>\n      <property name=\"compose\" value=\"docker compose 2.26.1-4 (v2)\"/>");
  ASSERT_NE(props, std::string::npos) << xml;
  // A suite-level <properties> comes before the first <testcase>, as the JUnit schema orders them.
  EXPECT_LT(props, xml.find("<testcase")) << xml;
}

}  // namespace
