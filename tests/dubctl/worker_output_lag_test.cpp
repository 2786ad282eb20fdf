// `verify: {worker: {max_output_lag: D}}`: the output keeps up with the input - a video frame
// rendered at the output at most D after it arrived (the media service's output_lag_max_s).
#include <gtest/gtest.h>

#include "scenario.hpp"
#include "scenario_reject.hpp"
#include "steps/step.hpp"
#include "worker_check.hpp"

namespace {

using dubctl::parse_scenario;
using std::chrono::milliseconds;

std::string with_steps(const std::string& steps) {
  return "name: a\ndescription: d\nstacks: {media: {}}\nsteps:\n" + steps;
}

nlohmann::json worker_with_lag(nlohmann::json lag_s) {
  return {{"state", "completed"}, {"output_stats", {{"output_lag_s", 6.1}, {"output_lag_max_s", std::move(lag_s)}}}};
}

TEST(ScenarioVerifyWorker, ParsesMaxOutputLag) {
  const auto s = parse_scenario(with_steps("  - verify: {worker: {max_output_lag: 12s}}\n"), "x.yaml");
  EXPECT_EQ(dubctl::step_as<dubctl::VerifyWorkerStep>(s.steps[0]).max_output_lag, milliseconds(12000));
  const auto none = parse_scenario(with_steps("  - verify: {worker: {state: completed}}\n"), "x.yaml");
  EXPECT_FALSE(dubctl::step_as<dubctl::VerifyWorkerStep>(none.steps[0]).max_output_lag);
  expect_rejected(with_steps("  - verify: {worker: {max_output_lag: later}}\n"), 5,
                  "steps[0].verify.worker.max_output_lag: 'later' is not a duration");
}

TEST(WorkerOutputLag, WithinTheBoundPasses) {
  EXPECT_FALSE(dubctl::output_lag_problem(milliseconds(12000), worker_with_lag(7.2)));
  EXPECT_FALSE(dubctl::output_lag_problem(milliseconds(12000), worker_with_lag(12.0))) << "at the bound";
}

TEST(WorkerOutputLag, OverTheBoundSaysHowFar) {
  const auto problem = dubctl::output_lag_problem(milliseconds(12000), worker_with_lag(19.456));
  ASSERT_TRUE(problem);
  EXPECT_EQ(*problem,
            "output lag: a video frame rendered at the output up to 19.46 s after it arrived at the input, over the "
            "12 s bound");
}

TEST(WorkerOutputLag, AWorkerWithoutTheFigureFails) {
  const auto missing = dubctl::output_lag_problem(milliseconds(12000), nlohmann::json{{"state", "completed"}});
  ASSERT_TRUE(missing);
  EXPECT_EQ(*missing, "output lag: the worker recorded none (output_stats.output_lag_max_s), bound 12 s");
  EXPECT_TRUE(dubctl::output_lag_problem(milliseconds(12000), worker_with_lag(nullptr)));
}

TEST(WorkerOutputLag, TheStepChecksIt) {
  dubctl::VerifyWorkerStep step;
  step.max_output_lag = milliseconds(8000);
  const auto problems = dubctl::worker_problems(step, worker_with_lag(9.5), std::nullopt);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("9.50 s"), std::string::npos) << problems[0];
  step.max_output_lag = milliseconds(10000);
  EXPECT_TRUE(dubctl::worker_problems(step, worker_with_lag(9.5), std::nullopt).empty());
}

}  // namespace
