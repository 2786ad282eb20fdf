// `verify: {worker: {max_passthrough: N}}`: the fragments the media service sent out with their
// original audio, counted from its own records (each fragment's state, and its output counter),
// named with their reasons when there are too many.
#include <gtest/gtest.h>

#include "scenario.hpp"
#include "scenario_reject.hpp"
#include "steps/step.hpp"
#include "worker_check.hpp"

namespace {

using dubctl::parse_scenario;

std::string with_steps(const std::string& steps) {
  return "name: a\ndescription: d\nstacks: {media: {}}\nsteps:\n" + steps;
}

nlohmann::json fragment(int seq, const std::string& state, const char* reason = nullptr, const char* error = nullptr) {
  return {{"sequence_number", seq},
          {"state", state},
          {"passthrough_reason", reason != nullptr ? nlohmann::json(reason) : nlohmann::json(nullptr)},
          {"error", error != nullptr ? nlohmann::json(error) : nlohmann::json(nullptr)},
          {"published", true}};
}

nlohmann::json worker(nlohmann::json fragments, int counted) {
  return {{"state", "completed"},
          {"output_stats", {{"fragments_published", fragments.size()}, {"fragments_passthrough", counted}}},
          {"fragments", std::move(fragments)}};
}

TEST(ScenarioVerifyWorker, ParsesMaxPassthrough) {
  const auto s = parse_scenario(with_steps("  - verify: {worker: {state: completed, max_passthrough: 0}}\n"), "x.yaml");
  EXPECT_EQ(dubctl::step_as<dubctl::VerifyWorkerStep>(s.steps[0]).max_passthrough, 0);
  const auto two = parse_scenario(with_steps("  - verify: {worker: {max_passthrough: 2}}\n"), "x.yaml");
  EXPECT_EQ(dubctl::step_as<dubctl::VerifyWorkerStep>(two.steps[0]).max_passthrough, 2);
  const auto none = parse_scenario(with_steps("  - verify: {worker: {state: completed}}\n"), "x.yaml");
  EXPECT_FALSE(dubctl::step_as<dubctl::VerifyWorkerStep>(none.steps[0]).max_passthrough);
}

TEST(ScenarioVerifyWorker, MalformedMaxPassthroughIsRejectedWithLineAndKey) {
  expect_rejected(with_steps("  - verify: {worker: {max_passthrough: -1}}\n"), 5,
                  "steps[0].verify.worker.max_passthrough: -1 is outside 0..100000");
  expect_rejected(with_steps("  - verify:\n      worker:\n        max_passthrough: none\n"), 7,
                  "steps[0].verify.worker.max_passthrough: 'none' is not a whole number");
  expect_rejected(with_steps("  - verify: {worker: {max_passtrough: 0}}\n"), 5,
                  "steps[0].verify.worker.max_passtrough: unknown key");
}

TEST(WorkerPassthrough, AllDubbedPassesZero) {
  const auto all_dubbed = worker({fragment(0, "dubbed"), fragment(1, "partial"), fragment(2, "dubbed")}, 0);
  EXPECT_FALSE(dubctl::passthrough_problem(0, all_dubbed));
}

TEST(WorkerPassthrough, NamesEachFragmentWithItsReasonAndError) {
  const auto w = worker({fragment(0, "passthrough", "timeout", "no result within 3000 ms"), fragment(1, "dubbed"),
                         fragment(2, "passthrough", "sts_unavailable")},
                        2);
  EXPECT_FALSE(dubctl::passthrough_problem(2, w));  // at the bound
  const auto problem = dubctl::passthrough_problem(1, w);
  ASSERT_TRUE(problem);
  EXPECT_EQ(*problem,
            "passthrough: 2 fragment(s) went out with their original audio, at most 1 allowed: "
            "0 (timeout: no result within 3000 ms), 2 (sts_unavailable)");
}

TEST(WorkerPassthrough, TheOutputCounterCountsFragmentsTheRecordsNoLongerList) {
  // The records keep a bounded history; output_stats counts every fragment the output sent.
  const auto trimmed = worker({fragment(7, "dubbed"), fragment(8, "passthrough", "failed")}, 3);
  const auto problem = dubctl::passthrough_problem(2, trimmed);
  ASSERT_TRUE(problem);
  EXPECT_EQ(*problem,
            "passthrough: 3 fragment(s) went out with their original audio, at most 2 allowed: 8 (failed) "
            "(output_stats.fragments_passthrough 3, the fragment records 1)");
  const auto none_listed = dubctl::passthrough_problem(0, worker({fragment(9, "dubbed")}, 1));
  ASSERT_TRUE(none_listed);
  EXPECT_NE(none_listed->find("1 fragment(s) went out with their original audio, at most 0 allowed: none of them in "
                              "the fragment records"),
            std::string::npos)
      << *none_listed;
  // A worker record without output_stats: the fragments alone.
  nlohmann::json bare = {{"fragments", {fragment(0, "passthrough", "no_sts")}}};
  ASSERT_TRUE(dubctl::passthrough_problem(0, bare));
  EXPECT_EQ(*dubctl::passthrough_problem(0, bare),
            "passthrough: 1 fragment(s) went out with their original audio, at most 0 allowed: 0 (no_sts)");
}

TEST(WorkerPassthrough, IsOneOfTheWorkersProblemsWhenAsked) {
  const auto w = worker({fragment(0, "passthrough", "timeout"), fragment(1, "dubbed")}, 1);
  dubctl::VerifyWorkerStep step;
  EXPECT_TRUE(dubctl::worker_problems(step, w).empty());  // no bound: not checked
  step.max_passthrough = 0;
  const auto problems = dubctl::worker_problems(step, w);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_EQ(problems[0],
            "passthrough: 1 fragment(s) went out with their original audio, at most 0 allowed: 0 (timeout)");
}

}  // namespace
