// `dubctl run --timings`: the table of where a run's time went (timings.hpp).
#include "timings.hpp"

#include <gtest/gtest.h>

namespace {

using dubctl::report::ScenarioReport;
using dubctl::report::StepRow;

StepRow step(int line, const char* kind, double seconds, const char* status = "passed") {
  StepRow s;
  s.line = line;
  s.kind = kind;
  s.duration_s = seconds;
  s.status = status;
  s.description = std::string(kind) + " something";
  return s;
}

TEST(Timings, ListsEveryStepRunWithItsShareAndWhatNoStepAccountsFor) {
  ScenarioReport s;
  s.name = "full-pipeline";
  s.time_s = 50;
  s.steps = {step(9, "up", 5), step(11, "publish", 30), step(20, "verify", 10), step(30, "verify", 0, "not_run")};
  const auto table = dubctl::report::timings_table({s}, {{"start", 0.5}, {"teardown", 1.5}, {"reports", 2}}, 54);
  EXPECT_NE(table.find("full-pipeline  50.0s"), std::string::npos) << table;
  EXPECT_NE(table.find("  line 11   publish    30.00   60%  publish something"), std::string::npos) << table;
  EXPECT_EQ(table.find("line 30"), std::string::npos) << "a step not run has no time: " << table;
  EXPECT_NE(table.find("  outside steps         5.00   10%"), std::string::npos) << table;
  EXPECT_NE(table.find("teardown                1.50    3%"), std::string::npos) << table;
  EXPECT_NE(table.find("scenarios              50.00   93%"), std::string::npos) << table;
  EXPECT_NE(table.find("total                  54.00"), std::string::npos) << table;
}

TEST(Timings, ALongDescriptionIsCutToOneLine) {
  ScenarioReport s;
  s.name = "x";
  s.time_s = 1;
  auto long_step = step(3, "wait", 1);
  long_step.description = std::string(200, 'a') + "\nsecond line";
  s.steps = {long_step};
  const auto table = dubctl::report::timings_table({s}, {}, 1);
  EXPECT_NE(table.find(std::string(67, 'a') + "...\n"), std::string::npos) << table;
  EXPECT_EQ(table.find("second line"), std::string::npos) << table;
}

}  // namespace
