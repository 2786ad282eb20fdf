// `verify: {worker: {max_in_flight: N, min_queued: N}}`: flow control toward the STS as the media
// service recorded it (sts.peak_in_flight, sts.peak_queued), the media side of issue 13's 10x load.
#include <gtest/gtest.h>

#include "scenario.hpp"
#include "scenario_reject.hpp"
#include "steps/step.hpp"
#include "worker_check.hpp"

namespace {

using dubctl::flow_control_problems;
using dubctl::parse_scenario;

std::string with_steps(const std::string& steps) {
  return "name: a\ndescription: d\nstacks: {media: {}}\nsteps:\n" + steps;
}

nlohmann::json worker_with_peaks(nlohmann::json in_flight, nlohmann::json queued) {
  return {{"state", "completed"},
          {"sts", {{"max_inflight", 3}, {"peak_in_flight", std::move(in_flight)}, {"peak_queued", std::move(queued)}}}};
}

TEST(ScenarioVerifyWorker, ParsesFlowControlBounds) {
  const auto s = parse_scenario(with_steps("  - verify: {worker: {max_in_flight: 3, min_queued: 2}}\n"), "x.yaml");
  const auto& step = dubctl::step_as<dubctl::VerifyWorkerStep>(s.steps[0]);
  EXPECT_EQ(step.max_in_flight, 3);
  EXPECT_EQ(step.min_queued, 2);
  expect_rejected(with_steps("  - verify: {worker: {max_in_flight: 0}}\n"), 5,
                  "steps[0].verify.worker.max_in_flight: 0 is outside 1..64");
  expect_rejected(with_steps("  - verify: {worker: {min_queued: some}}\n"), 5,
                  "steps[0].verify.worker.min_queued: 'some' is not a whole number");
}

TEST(WorkerFlowControl, WithinTheBoundsPasses) {
  EXPECT_TRUE(flow_control_problems(3, 1, worker_with_peaks(3, 17)).empty());
  EXPECT_TRUE(flow_control_problems(std::nullopt, std::nullopt, nlohmann::json{{"state", "completed"}}).empty());
}

TEST(WorkerFlowControl, MoreInFlightThanTheLimitFails) {
  const auto problems = flow_control_problems(3, std::nullopt, worker_with_peaks(4, 0));
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_EQ(problems[0], "in flight: up to 4 fragments were sent and unanswered at once, over the bound of 3");
}

TEST(WorkerFlowControl, ALoadThatNeverMetTheLimitFails) {
  const auto problems = flow_control_problems(std::nullopt, 1, worker_with_peaks(1, 0));
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_EQ(problems[0],
            "queued: at most 0 fragments ever waited for a slot, expected at least 1 (the load never met the in-flight "
            "limit)");
}

TEST(WorkerFlowControl, AWorkerWithoutTheFiguresFails) {
  const auto problems = flow_control_problems(3, 1, nlohmann::json{{"state", "completed"}, {"sts", {{"queued", 0}}}});
  ASSERT_EQ(problems.size(), 2U);
  EXPECT_EQ(problems[0], "in flight: the worker recorded no sts.peak_in_flight, bound 3");
  EXPECT_EQ(problems[1], "queued: the worker recorded no sts.peak_queued, expected at least 1");
}

TEST(WorkerFlowControl, TheStepChecksThem) {
  dubctl::VerifyWorkerStep step;
  step.max_in_flight = 3;
  step.min_queued = 1;
  EXPECT_EQ(dubctl::worker_problems(step, worker_with_peaks(3, 0), std::nullopt).size(), 1U);
  EXPECT_TRUE(dubctl::worker_problems(step, worker_with_peaks(3, 5), std::nullopt).empty());
}

}  // namespace
