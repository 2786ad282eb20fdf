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
  const auto xml = dubctl::junit_xml({"dubctl", "2026-12-01T05:12:57", "ci-runner-1", {}}, cases);
  EXPECT_NE(xml.find(R"(<testsuite name="dubctl" tests="2" failures="1")"), std::string::npos) << xml;
  EXPECT_NE(xml.find(R"(time="61.250")"), std::string::npos);
  EXPECT_NE(xml.find(R"(<property name="max_drift_ms" value="12.5"/>)"), std::string::npos);
  EXPECT_NE(xml.find("a&lt;b&gt;&amp;&quot;c&quot;"), std::string::npos);
  EXPECT_NE(xml.find(R"(<failure message="drift 130 ms &gt; 120 ms">)"), std::string::npos);
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
  EXPECT_NE(xml.find(R"(skipped="0" time="61.250" timestamp="2026-12-01T05:12:57" hostname="ci-runner-1">)"),
            std::string::npos)
      << xml;
}

// The message attribute carries the reason, not just "<what> does not match:" (CI views often show
// only the attribute).
TEST(JUnit, FailureMessageCarriesTheProblems) {
  EXPECT_EQ(dubctl::failure_message("verify out.mp4 does not match:\n  - duration 28.1 s, expected 30 +/- 0.5\n"
                                    "  - drift 130 ms > 120 ms\n--- media stack (last lines) ---\nlog"),
            "verify out.mp4 does not match: duration 28.1 s, expected 30 +/- 0.5; drift 130 ms > 120 ms");
  EXPECT_EQ(dubctl::failure_message("scenario timeout (300s) reached"), "scenario timeout (300s) reached");
  EXPECT_EQ(dubctl::failure_message("no problems listed\nsecond line"), "no problems listed");
  const auto longest = dubctl::failure_message("x:\n  - " + std::string(3000, 'y'));
  EXPECT_EQ(longest.size(), 1000U);
  EXPECT_TRUE(longest.ends_with("..."));
  std::vector<dubctl::TestCase> cases(1);
  cases[0].failure = "wait for fragments does not match:\n  - 3 of 5 processed";
  EXPECT_NE(dubctl::junit_xml({}, cases).find(R"(message="wait for fragments does not match: 3 of 5 processed")"),
            std::string::npos);
}

// A scenario that did not run (a fixture missing, a port taken) is a <skipped> case with its reason,
// counted in the suite's skipped attribute and not as a failure (the common JUnit schema).
TEST(JUnit, SkippedCaseCarriesItsReason) {
  std::vector<dubctl::TestCase> cases(2);
  cases[0].name = "missing-fixture";
  cases[0].skipped = true;
  cases[0].skip_reason = "sc.yaml:6: steps[1].publish.fixture: fixture not found: <x>.mp4";
  cases[1].name = "ok";
  const auto xml = dubctl::junit_xml({}, cases);
  EXPECT_NE(xml.find(R"(<testsuite name="dubctl" tests="2" failures="0" errors="0" skipped="1")"), std::string::npos)
      << xml;
  EXPECT_NE(xml.find(R"(<skipped message="sc.yaml:6: steps[1].publish.fixture: fixture not found: &lt;x&gt;.mp4"/>)"),
            std::string::npos)
      << xml;
  EXPECT_EQ(xml.find("<failure"), std::string::npos) << xml;
}

}  // namespace
