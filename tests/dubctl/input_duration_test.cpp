// `duration_s: input` of `verify: {media: ...}`: parsed with where it is written, refused without a
// publish step before it, the input measured as the publish step sends it (a cut lowers it) and the
// message naming both figures and the tolerance.
#include "input_duration.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "scenario.hpp"
#include "scenario_reject.hpp"
#include "steps/step.hpp"

namespace fs = std::filesystem;

namespace {

using dubctl::parse_scenario;

const fs::path kHello = fs::path(DUB_SOURCE_DIR) / "fixtures" / "test_streams" / "6s-hello-world.mp4";

std::string with_steps(const std::string& steps) {
  return "name: a\ndescription: d\nsteps:\n" + steps;
}

constexpr const char* kPublish = "  - publish: {fixture: 6s-hello-world.mp4}\n";
constexpr const char* kVerifyInput =
    "  - verify:\n"
    "      media: out.mp4\n"
    "      expect: {streams: 2, duration_s: input, duration_tolerance_s: 0.5}\n";

TEST(InputDuration, ParsesInputWithWhereItIsWritten) {
  const auto s = parse_scenario(with_steps(std::string(kPublish) + kVerifyInput), "x.yaml");
  const auto& x = dubctl::step_as<dubctl::VerifyMediaStep>(s.steps[1]).expect;
  EXPECT_FALSE(x.duration_s);
  ASSERT_TRUE(x.duration_of_input);
  EXPECT_EQ(x.duration_of_input->line, 7);
  EXPECT_EQ(x.duration_of_input->key, "steps[1].verify.expect.duration_s");
  EXPECT_DOUBLE_EQ(x.duration_tolerance_s, 0.5);
  ASSERT_TRUE(s.steps[1].action->uses_input());
  EXPECT_TRUE(s.steps[0].action->publishes());
  EXPECT_FALSE(s.steps[1].action->publishes());
  // A constant stays a constant.
  const auto c = parse_scenario(with_steps("  - verify: {media: out.mp4, expect: {duration_s: 30}}\n"), "x.yaml");
  const auto& k = dubctl::step_as<dubctl::VerifyMediaStep>(c.steps[0]).expect;
  EXPECT_EQ(k.duration_s, 30.0);
  EXPECT_FALSE(k.duration_of_input);
  EXPECT_FALSE(c.steps[0].action->uses_input());
}

TEST(InputDuration, WithoutAPublishStepBeforeItIsRefusedNamingFileLineKey) {
  expect_rejected(with_steps(kVerifyInput), 6,
                  "steps[0].verify.expect.duration_s: `input` is the length a publish step sent, and no publish "
                  "step comes before this one");
  // A publish after the check is no input for it.
  expect_rejected(with_steps(std::string(kVerifyInput) + kPublish), 6, "steps[0].verify.expect.duration_s: `input`");
  // `sts:` sends a fixture to the STS directly, not through the pipeline: no input either.
  expect_rejected(with_steps("  - sts: {fixture: 6s-hello-world.mp4}\n" + std::string(kVerifyInput)), 7,
                  "steps[1].verify.expect.duration_s: `input`");
}

// A skipped publish sends nothing: a check of `input` after it is refused, naming it. A skipped check
// is not looked at (it does not run).
TEST(InputDuration, ASkippedPublishIsNoInputAndASkippedCheckIsNotChecked) {
  const auto skipped_publish = std::string(kPublish) + "    skip: issue 9\n";
  expect_rejected(with_steps(skipped_publish + kVerifyInput), 8,
                  "steps[1].verify.expect.duration_s: `input` is the length a publish step sent, and the publish "
                  "step before this one (line 4) is skipped, and a skipped step sends nothing");
  expect_rejected(with_steps(skipped_publish + skipped_publish + kVerifyInput), 10,
                  "the publish steps before this one (lines 4, 6) are skipped");
  // A publish that runs after a skipped one is the input.
  EXPECT_NO_THROW(parse_scenario(with_steps(skipped_publish + kPublish + kVerifyInput), "x.yaml"));
  // A skipped check with no publish before it: accepted.
  EXPECT_NO_THROW(parse_scenario(with_steps(std::string(kVerifyInput) + "    skip: issue 9\n"), "x.yaml"));
}

TEST(InputDuration, AWordOtherThanInputIsRefused) {
  expect_rejected(with_steps("  - verify: {media: out.mp4, expect: {duration_s: inptu}}\n"), 4,
                  "steps[0].verify.expect.duration_s: 'inptu' is neither a number of seconds nor `input`");
  expect_rejected(with_steps("  - verify: {media: out.mp4, expect: {duration_s: [30]}}\n"), 4,
                  "steps[0].verify.expect.duration_s: must be a single value");
}

dub::media::MediaInfo span(double start_s, double end_s) {
  dub::media::MediaInfo m;
  m.start_s = start_s;
  m.duration_s = end_s;
  return m;
}

TEST(InputDuration, MessageNamesBothFiguresAndTheTolerance) {
  const dubctl::DurationBound input{
      .expected_s = 30.021, .tolerance_s = 0.5, .input = "30s-english-speech.mp4 as published"};
  EXPECT_FALSE(dubctl::duration_problem(input, span(0, 30.4)));
  EXPECT_FALSE(dubctl::duration_problem(input, span(2.0, 31.6)));  // 29.6 s held
  const auto short_output = dubctl::duration_problem(input, span(0, 27.0));
  ASSERT_TRUE(short_output);
  EXPECT_EQ(*short_output,
            "duration: expected the input's 30.021 s ± 0.500 (30s-english-speech.mp4 as published), found 27.000 s "
            "(from 0.000 s to 27.000 s)");
  // A constant keeps the message the fault matrix matches on.
  const dubctl::DurationBound constant{.expected_s = 6, .tolerance_s = 0.5, .input = ""};
  const auto cut = dubctl::duration_problem(constant, span(0.1, 3.108));
  ASSERT_TRUE(cut);
  EXPECT_EQ(*cut, "duration: expected 6.000 s ± 0.500, found 3.008 s (from 0.100 s to 3.108 s)");
  EXPECT_TRUE(dubctl::duration_problem(constant, span(0, 6.6)));
}

TEST(InputDuration, DescribesTheInputAsPublished) {
  EXPECT_EQ(dubctl::describe_input(kHello, 0), "6s-hello-world.mp4 as published");
  EXPECT_EQ(dubctl::describe_input(kHello, 2.5), "6s-hello-world.mp4 as published, cut after 2.5 s");
}

TEST(InputDuration, ACutPublishLowersTheInput) {
  const auto dir = fs::temp_directory_path() / ("dub-input-duration-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const double whole = dubctl::remux_published(kHello, 0, dir / "whole.mp4");
  const double cut = dubctl::remux_published(kHello, 3, dir / "cut.mp4");
  fs::remove_all(dir);
  EXPECT_NEAR(whole, dub::media::probe(kHello.string()).span_s(), 0.05);
  EXPECT_NEAR(whole, 6.0, 0.1);
  EXPECT_NEAR(cut, 3.0, 0.1);
}

}  // namespace
