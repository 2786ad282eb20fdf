// Regressions from tests/fuzz/fuzz_scenario: overlong texts in a scenario crashed the parser with a
// stack overflow inside std::regex (libstdc++ recurses once per character). Each is now refused
// with file:line: key, and the same texts at the bound still parse. Reproducers:
// tests/fuzz/corpus/scenario/crash-long-*.
#include <gtest/gtest.h>

#include <string>

#include "scenario.hpp"
#include "scenario_limits.hpp"
#include "scenario_reject.hpp"

namespace {

using dubctl::kMaxScenarioText;
using dubctl::parse_scenario;

const std::string kLong(100'000, 'a');

TEST(ScenarioLimits, OverlongNameIsRefusedNotACrash) {
  expect_rejected("name: " + kLong + "\ndescription: d\nsteps: [up]\n", 1, "name: the value is 100000 characters long");
}

TEST(ScenarioLimits, OverlongLogFieldNumberIsRefused) {
  const std::string yaml = "name: a\ndescription: d\nstacks: {media: }\nsteps:\n  - wait:\n      log: {fields: {n: " +
                           std::string(100'000, '1') + "}}\n      stack: media\n      service: media-service\n";
  expect_rejected(yaml, 6, "steps[0].wait.log.fields.n: the value is 100000 characters long");
}

TEST(ScenarioLimits, OverlongKeyIsRefused) {
  const std::string yaml = "name: a\ndescription: d\nstacks:\n  media:\n    env:\n      ? " +
                           std::string(100'000, 'A') + "\n      : 1\nsteps: [up]\n";
  expect_rejected(yaml, 6, "stacks.media.env: a key is 100000 characters long");
}

TEST(ScenarioLimits, OverlongLogPatternIsRefused) {
  const std::string yaml = "name: a\ndescription: d\nstacks: {media: }\nsteps:\n  - wait:\n      log: \"/" + kLong +
                           "/\"\n      stack: media\n      service: media-service\n";
  expect_rejected(yaml, 6, "steps[0].wait.log: the value is 100002 characters long");
}

TEST(ScenarioLimits, TextsAtTheBoundStillParse) {
  const std::string name(kMaxScenarioText, 'a');
  const std::string description(kMaxScenarioText, 'd');
  const auto s =
      parse_scenario("name: " + name + "\ndescription: " + description + "\nstacks: {media: }\nsteps:\n  - up: media\n",
                     "scenarios/x.yaml");
  EXPECT_EQ(s.name, name);
  EXPECT_EQ(s.description, description);
}

TEST(ScenarioLimits, AnchorsReferencingEachOtherAreWalkedOnce) {
  // 2^40 paths through the aliases, 41 distinct nodes: the check must not follow every path.
  std::string yaml = "name: a\ndescription: d\nx0: &a0 [x, x]\n";
  for (int i = 1; i <= 40; ++i)
    yaml += "x" + std::to_string(i) + ": &a" + std::to_string(i) + " [*a" + std::to_string(i - 1) + ", *a" +
            std::to_string(i - 1) + "]\n";
  yaml += "steps: [up]\n";
  expect_rejected(yaml, 3, "x0");  // refused as an unknown key, promptly
}

}  // namespace
