// `verify: {worker: {max_output_delay: D}}` (US1-5): each fragment pushed to the output within D of
// its audio being final, from the media service's records (output_delay_ms, on_air_delay_ms).
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

nlohmann::json fragment(int seq, const std::string& state, nlohmann::json delay_ms, nlohmann::json on_air_ms,
                        bool published = true) {
  return {{"sequence_number", seq},
          {"state", state},
          {"passthrough_reason", state == "passthrough" ? nlohmann::json("timeout") : nlohmann::json(nullptr)},
          {"published", published},
          {"output_delay_ms", std::move(delay_ms)},
          {"on_air_delay_ms", std::move(on_air_ms)}};
}

TEST(ScenarioVerifyWorker, ParsesMaxOutputDelay) {
  const auto s =
      parse_scenario(with_steps("  - verify: {worker: {state: completed, max_output_delay: 1s}}\n"), "x.yaml");
  EXPECT_EQ(dubctl::step_as<dubctl::VerifyWorkerStep>(s.steps[0]).max_output_delay, milliseconds(1000));
  const auto none = parse_scenario(with_steps("  - verify: {worker: {state: completed}}\n"), "x.yaml");
  EXPECT_FALSE(dubctl::step_as<dubctl::VerifyWorkerStep>(none.steps[0]).max_output_delay);
  expect_rejected(with_steps("  - verify: {worker: {max_output_delay: soon}}\n"), 5,
                  "steps[0].verify.worker.max_output_delay: 'soon' is not a duration");
}

TEST(WorkerOutputDelay, WithinTheBoundPasses) {
  EXPECT_FALSE(dubctl::output_delay_problem(milliseconds(1000), fragment(0, "dubbed", 12.4, 12.4)));
  EXPECT_FALSE(dubctl::output_delay_problem(milliseconds(1000), fragment(1, "dubbed", 1000.0, 1000.0)))
      << "at the bound";
  // The paced output holding a fragment for its place in the live timeline is not the bound's.
  EXPECT_FALSE(dubctl::output_delay_problem(milliseconds(1000), fragment(2, "dubbed", 3.0, 2950.0)));
}

TEST(WorkerOutputDelay, OverTheBoundNamesTheFragmentItsDelayAndWhenItWentOnAir) {
  const auto dubbed = dubctl::output_delay_problem(milliseconds(1000), fragment(2, "dubbed", 1903.4, 1910.0));
  ASSERT_TRUE(dubbed);
  EXPECT_EQ(*dubbed,
            "fragment 2: pushed to the output 1903 ms after its dubbed audio was back, over the 1000 ms bound (on "
            "air 1910 ms after)");
  const auto passthrough =
      dubctl::output_delay_problem(milliseconds(500), fragment(0, "passthrough", 700.0, nlohmann::json()));
  ASSERT_TRUE(passthrough);
  EXPECT_EQ(*passthrough,
            "fragment 0: pushed to the output 700 ms after its passthrough was decided, over the 500 ms bound");
}

TEST(WorkerOutputDelay, APublishedFragmentWithoutTheFigureFails) {
  // A media service that does not record it cannot pass the check by saying nothing.
  nlohmann::json old = {{"sequence_number", 4}, {"state", "dubbed"}, {"published", true}};
  const auto problem = dubctl::output_delay_problem(milliseconds(1000), old);
  ASSERT_TRUE(problem);
  EXPECT_EQ(*problem, "fragment 4: published, but the media service recorded no output_delay_ms for it");
  // Never published: all_published's to name, not this check's.
  EXPECT_FALSE(
      dubctl::output_delay_problem(milliseconds(1000), fragment(5, "dubbed", nullptr, nullptr, /*published=*/false)));
}

TEST(WorkerOutputDelay, IsOneOfTheWorkersProblemsWhenAsked) {
  const nlohmann::json w = {{"state", "completed"},
                            {"fragments", {fragment(0, "dubbed", 3.0, 3.0), fragment(1, "dubbed", 3010.0, 3012.0)}}};
  dubctl::VerifyWorkerStep step;
  EXPECT_TRUE(dubctl::worker_problems(step, w).empty());  // no bound: not checked
  step.max_output_delay = milliseconds(1000);
  const auto problems = dubctl::worker_problems(step, w);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_EQ(problems[0].rfind("fragment 1: pushed to the output 3010 ms", 0), 0U) << problems[0];
}

}  // namespace
