#include "merge.hpp"

#include <gtest/gtest.h>

#include <string>

#include "dub/util/error.hpp"

namespace {

std::string junit(const std::string& name, int tests, int failures, int skipped, const std::string& shard) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"1\">\n  <testsuite name=\"dubctl\" tests=\"" +
         std::to_string(tests) + "\" failures=\"" + std::to_string(failures) + "\" errors=\"0\" skipped=\"" +
         std::to_string(skipped) + "\" time=\"1.500\">\n    <properties>\n      <property name=\"shard\" value=\"" +
         shard + "\"/>\n    </properties>\n    <testcase name=\"" + name +
         "\" classname=\"c\" time=\"1.500\">\n    </testcase>\n  </testsuite>\n</testsuites>\n";
}

// Every run's <testsuite> is kept as it was (its properties, e.g. the shard), the totals are summed.
TEST(Merge, JunitKeepsEverySuiteAndSumsTheTotals) {
  const auto merged = dubctl::merge_junit({junit("a", 3, 1, 0, "1/2"), junit("b", 2, 0, 1, "2/2")});
  EXPECT_NE(merged.find("<testsuites tests=\"5\" failures=\"1\" skipped=\"1\" time=\"3.000\">"), std::string::npos)
      << merged;
  EXPECT_NE(merged.find("<property name=\"shard\" value=\"1/2\"/>"), std::string::npos);
  EXPECT_NE(merged.find("<property name=\"shard\" value=\"2/2\"/>"), std::string::npos);
  EXPECT_NE(merged.find("<testcase name=\"a\""), std::string::npos);
  EXPECT_NE(merged.find("<testcase name=\"b\""), std::string::npos);
  EXPECT_EQ(merged.find("<?xml", 5), std::string::npos);  // one declaration
  EXPECT_TRUE(merged.ends_with("  </testsuite>\n</testsuites>\n")) << merged;
}

TEST(Merge, AJunitWithoutASuiteIsRefused) {
  EXPECT_THROW((void)dubctl::merge_junit({junit("a", 1, 0, 0, "1/1"), "<testsuites/>"}), dub::Error);
}

// The merged page sits elsewhere: a run's relative links lead through the prefix, the others stay.
TEST(Merge, RelativeLinksLeadIntoTheRunsFolder) {
  const std::string html =
      R"(<a href="sc/dubbed.mp4">x</a><video src="sc/original.mp4"></video><a href="#scenario-sc">s</a>)"
      R"(<a href="/abs/file">a</a><a href="https://example.org/x">u</a>)";
  EXPECT_EQ(dubctl::relink_html(html, "../shard-1/"),
            R"(<a href="../shard-1/sc/dubbed.mp4">x</a><video src="../shard-1/sc/original.mp4"></video>)"
            R"(<a href="#scenario-sc">s</a><a href="/abs/file">a</a><a href="https://example.org/x">u</a>)");
}

}  // namespace
