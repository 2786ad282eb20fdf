// `up: {stacks: [...], timeout: ..., max_healthy: D}` (SC-006): the bound on a cold start, parsed
// strictly (a bound the step's own timeout would cut short is refused at load time).
#include <gtest/gtest.h>

#include "scenario.hpp"
#include "scenario_reject.hpp"
#include "steps/step.hpp"

namespace {

using dubctl::parse_scenario;
using std::chrono::milliseconds;

std::string with_steps(const std::string& steps) {
  return "name: a\ndescription: d\nstacks: {media: {}, sts: {}}\nsteps:\n" + steps;
}

TEST(ScenarioUp, ParsesMaxHealthy) {
  const auto s =
      parse_scenario(with_steps("  - up: {stacks: [sts, media], timeout: 90s, max_healthy: 30s}\n"), "x.yaml");
  const auto& up = dubctl::step_as<dubctl::UpStep>(s.steps[0]);
  EXPECT_EQ(up.stacks, (std::vector<std::string>{"sts", "media"}));
  EXPECT_EQ(up.timeout, milliseconds(90000));
  EXPECT_EQ(up.max_healthy, milliseconds(30000));
  for (const auto* plain : {"  - up: sts\n", "  - up: [sts]\n", "  - up: {stacks: sts, timeout: 90s}\n"}) {
    EXPECT_FALSE(dubctl::step_as<dubctl::UpStep>(parse_scenario(with_steps(plain), "x.yaml").steps[0]).max_healthy)
        << plain;
  }
}

TEST(ScenarioUp, MalformedMaxHealthyIsRejectedWithLineAndKey) {
  expect_rejected(with_steps("  - up: {stacks: sts, max_healthy: quickly}\n"), 5,
                  "steps[0].up.max_healthy: 'quickly' is not a duration");
  expect_rejected(with_steps("  - up: {stacks: sts, timeout: 20s, max_healthy: 30s}\n"), 5,
                  "steps[0].up.max_healthy: 30 s is longer than the step's timeout (20 s)");
  expect_rejected(with_steps("  - up: {stacks: sts, max_healty: 30s}\n"), 5, "steps[0].up.max_healty: unknown key");
  // down has no such bound.
  expect_rejected(with_steps("  - down: {stacks: sts, max_healthy: 30s}\n"), 5,
                  "steps[0].down.max_healthy: unknown key");
}

}  // namespace
