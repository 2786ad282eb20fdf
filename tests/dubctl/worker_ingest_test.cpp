// `verify: {worker: {max_ingest: D}}` (US1-1): the worker read its first packet (the media service's
// `input_at`) within D of the publisher's first, measured from the publish step's own clock.
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

// 2026-12-03T07:00:00.250Z, as the media service writes its times.
std::chrono::system_clock::time_point at(int seconds, int millis) {
  const std::chrono::sys_days day = std::chrono::year{2026} / 12 / 3;
  return day + std::chrono::hours(7) + std::chrono::seconds(seconds) + milliseconds(millis);
}

nlohmann::json worker(nlohmann::json input_at) {
  return {{"state", "completed"}, {"input_at", std::move(input_at)}, {"fragments", nlohmann::json::array()}};
}

TEST(ScenarioVerifyWorker, ParsesMaxIngest) {
  const auto s = parse_scenario(with_steps("  - verify: {worker: {max_ingest: 5s}}\n"), "x.yaml");
  EXPECT_EQ(dubctl::step_as<dubctl::VerifyWorkerStep>(s.steps[0]).max_ingest, milliseconds(5000));
  const auto none = parse_scenario(with_steps("  - verify: {worker: {state: completed}}\n"), "x.yaml");
  EXPECT_FALSE(dubctl::step_as<dubctl::VerifyWorkerStep>(none.steps[0]).max_ingest);
  expect_rejected(with_steps("  - verify: {worker: {max_ingest: soon}}\n"), 5,
                  "steps[0].verify.worker.max_ingest: 'soon' is not a duration");
}

TEST(WorkerIngest, MeasuredFromThePublishersFirstPacket) {
  const auto w = worker("2026-12-03T07:00:02.250Z");
  const auto took = dubctl::ingest_s(w, at(0, 500));
  ASSERT_TRUE(took);
  EXPECT_NEAR(*took, 1.75, 1e-6);
  EXPECT_FALSE(dubctl::ingest_problem(milliseconds(5000), w, at(0, 500)));
  EXPECT_FALSE(dubctl::ingest_problem(milliseconds(1750), w, at(0, 500))) << "at the bound";
}

TEST(WorkerIngest, OverTheBoundNamesBothTimes) {
  const auto problem = dubctl::ingest_problem(milliseconds(5000), worker("2026-12-03T07:00:06.300Z"), at(0, 200));
  ASSERT_TRUE(problem);
  EXPECT_EQ(*problem,
            "ingest: the worker read its first packet 6.10 s after the publisher sent its first (input_at "
            "2026-12-03T07:00:06.300Z), over the 5 s bound");
}

TEST(WorkerIngest, AWorkerThatReadNothingFails) {
  // A media service that never read its input (or does not record when) cannot pass by saying nothing.
  const auto problem = dubctl::ingest_problem(milliseconds(5000), worker(nullptr), at(0, 0));
  ASSERT_TRUE(problem);
  EXPECT_EQ(*problem, "ingest: the worker never read a packet of its input (input_at: null), bound 5 s");
  EXPECT_TRUE(dubctl::ingest_problem(milliseconds(5000), worker("yesterday"), at(0, 0)));
}

TEST(WorkerIngest, TheInputsOwnStartOffsetIsAudioMinusVideo) {
  // Joined mid-GOP: the sound from 10.027 s of the source, the picture from its keyframe at 11.0 s.
  const nlohmann::json w = {{"input_start", {{"audio_s", 10.027}, {"video_s", 11.0}}}};
  const auto offset = dubctl::input_start_offset_s(w);
  ASSERT_TRUE(offset);
  EXPECT_NEAR(*offset, -0.973, 1e-9);
  EXPECT_FALSE(dubctl::input_start_offset_s({{"input_start", {{"audio_s", 1.0}, {"video_s", nullptr}}}}));
  EXPECT_FALSE(dubctl::input_start_offset_s({{"state", "completed"}}));
  EXPECT_FALSE(dubctl::input_start_offset_s(nlohmann::json()));  // no record at all
}

TEST(WorkerIngest, IsOneOfTheWorkersProblemsWhenAsked) {
  const auto w = worker("2026-12-03T07:00:09.000Z");
  dubctl::VerifyWorkerStep step;
  EXPECT_TRUE(dubctl::worker_problems(step, w, at(0, 0)).empty());  // no bound: not checked
  step.max_ingest = milliseconds(5000);
  const auto problems = dubctl::worker_problems(step, w, at(0, 0));
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_EQ(problems[0].rfind("ingest: the worker read its first packet 9.00 s", 0), 0U) << problems[0];
}

}  // namespace
