#include "junit.hpp"

#include <gtest/gtest.h>

namespace {

TEST(JUnit, CountsFailuresAndEscapes) {
  std::vector<dubctl::TestCase> cases(2);
  cases[0].name = "full_pipeline";
  cases[0].classname = "dubctl.scenarios";
  cases[0].time_s = 61.25;
  cases[0].properties = {{"max_drift_ms", "12.5"}};
  cases[1].name = "a<b>&\"c\"";
  cases[1].failure = "drift 130 ms > 120 ms\nsecond line";
  cases[1].system_out = std::string("ctl\x01 char");
  const auto xml = dubctl::junit_xml("dubctl", cases);
  EXPECT_NE(xml.find(R"(<testsuite name="dubctl" tests="2" failures="1")"), std::string::npos) << xml;
  EXPECT_NE(xml.find(R"(time="61.250")"), std::string::npos);
  EXPECT_NE(xml.find(R"(<property name="max_drift_ms" value="12.5"/>)"), std::string::npos);
  EXPECT_NE(xml.find("a&lt;b&gt;&amp;&quot;c&quot;"), std::string::npos);
  EXPECT_NE(xml.find(R"(<failure message="drift 130 ms &gt; 120 ms">)"), std::string::npos);
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
}

}  // namespace
