// The scenario keys of the edge-case suite: `wait: {log: ...}`, `expect_error:` and `skip:` beside any step,
// and the fixture check that runs before anything starts.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "dub/util/error.hpp"
#include "expect_error.hpp"
#include "fixture_check.hpp"
#include "scenario.hpp"
#include "scenario_reject.hpp"
#include "steps/step.hpp"

namespace {

using dubctl::parse_scenario;

std::string with_steps(const std::string& steps) {
  return "name: a\ndescription: d\nstacks: {media: {}}\nsteps:\n" + steps;
}

TEST(ScenarioWaitLog, ParsesEveryKey) {
  const auto s = parse_scenario(
      with_steps(R"(  - wait: {log: "fragment timed out", stack: media, service: media-service, timeout: 45s}
  - wait:
      log: '/"stream":"${stream}".*passthrough/'
      stack: media
)"),
      "x.yaml");
  ASSERT_EQ(s.steps.size(), 2U);
  const auto& a = dubctl::step_as<dubctl::WaitLogStep>(s.steps[0]);
  EXPECT_EQ(a.pattern, "fragment timed out");
  EXPECT_EQ(a.stack, "media");
  EXPECT_EQ(a.service, "media-service");
  EXPECT_EQ(a.timeout, std::chrono::seconds(45));
  const auto& b = dubctl::step_as<dubctl::WaitLogStep>(s.steps[1]);
  EXPECT_EQ(b.pattern, R"(/"stream":"${stream}".*passthrough/)");
  EXPECT_TRUE(b.service.empty());
  EXPECT_EQ(b.timeout, std::chrono::seconds(30));  // the default
}

TEST(ScenarioWaitLog, MalformedIsRejectedWithLineAndKey) {
  expect_rejected(with_steps("  - wait: {log: x}\n"), 5, "steps[0].wait.stack: is required");
  expect_rejected(with_steps("  - wait: {log: x, stack: cloud}\n"), 5, "unknown stack 'cloud'");
  expect_rejected(with_steps("  - wait: {log: x, stack: media, service: 'a b'}\n"), 5,
                  "steps[0].wait.service: 'a b' is not a compose service name");
  expect_rejected(with_steps("  - wait: {log: x, stack: media, timeout: soon}\n"), 5, "steps[0].wait.timeout");
  expect_rejected(with_steps("  - wait: {log: x, stack: media, tiemout: 3s}\n"), 5,
                  "steps[0].wait.tiemout: unknown key");
  expect_rejected(with_steps("  - wait: {log: '', stack: media}\n"), 5, "steps[0].wait.log: must not be empty");
  expect_rejected(with_steps("  - wait: {log: '/(unclosed/', stack: media}\n"), 5,
                  "steps[0].wait.log: /(unclosed/ is not a valid regular expression");
  expect_rejected(with_steps("  - wait: {log: [a, b], stack: media}\n"), 5, "steps[0].wait.log");
  // The stack must be declared, like for up/down.
  expect_rejected("name: a\ndescription: d\nsteps:\n  - wait: {log: x, stack: sts}\n", 4, "not declared");
}

TEST(ScenarioExpectError, ParsedBesideAnyStep) {
  const auto s = parse_scenario(with_steps(R"(  - publish: {fixture: nope.mp4}
    expect_error: "fixture not found"
  - expect_error: "stack"
    up: media
  - down: media
)"),
                                "x.yaml");
  ASSERT_EQ(s.steps.size(), 3U);
  EXPECT_EQ(s.steps[0].kind, "publish");
  EXPECT_EQ(s.steps[0].expect_error, "fixture not found");
  EXPECT_EQ(dubctl::step_as<dubctl::PublishStep>(s.steps[0]).fixture, "nope.mp4");
  EXPECT_EQ(s.steps[1].kind, "up");  // the key order does not matter
  EXPECT_EQ(s.steps[1].expect_error, "stack");
  EXPECT_FALSE(s.steps[2].expect_error.has_value());
}

TEST(ScenarioExpectError, MalformedIsRejected) {
  expect_rejected(with_steps("  - publish: {fixture: a.mp4}\n    expect_error: ''\n"), 6,
                  "steps[0].expect_error: give the text");
  expect_rejected(with_steps("  - publish: {fixture: a.mp4}\n    expect_error: [a]\n"), 6, "steps[0].expect_error");
  expect_rejected(with_steps("  - expect_error: x\n"), 5, "exactly one key");
  expect_rejected(with_steps("  - up: media\n    down: media\n"), 5, "exactly one key");
  expect_rejected(with_steps("  - up: media\n    expect_eror: x\n"), 5, "exactly one key");
  expect_rejected(with_steps("  - up: media\n    expect_eror: x\n"), 5, "did you mean expect_error?");
}

TEST(ScenarioSkip, ParsedBesideAnyStepWithItsReason) {
  const auto s = parse_scenario(with_steps(R"(  - skip: "issue 42: flaky on arm64"
    up: media
  - publish: {fixture: a.mp4}
    skip: not yet
    expect_error: "fixture not found"
  - down: media
)"),
                                "x.yaml");
  ASSERT_EQ(s.steps.size(), 3U);
  EXPECT_EQ(s.steps[0].kind, "up");
  EXPECT_EQ(s.steps[0].skip, "issue 42: flaky on arm64");
  EXPECT_EQ(s.steps[1].kind, "publish");
  EXPECT_EQ(s.steps[1].skip, "not yet");
  EXPECT_EQ(s.steps[1].expect_error, "fixture not found");
  EXPECT_FALSE(s.steps[2].skip.has_value());
}

TEST(ScenarioSkip, MalformedIsRejected) {
  expect_rejected(with_steps("  - up: media\n    skip: ''\n"), 6, "steps[0].skip: give the reason");
  expect_rejected(with_steps("  - up: media\n    skip: [a]\n"), 6, "steps[0].skip");
  expect_rejected(with_steps("  - skip: why\n"), 5, "exactly one key");
  expect_rejected(with_steps("  - up: media\n    skp: why\n"), 5, "did you mean skip?");
}

TEST(ScenarioRetry, ParsedBesideAnyStep) {
  const auto s = parse_scenario(with_steps(R"(  - wait: {http: "http://x/", timeout: 2s}
    retry: 3
    delay: 500ms
  - up: media
    retry: 1
  - down: media
)"),
                                "x.yaml");
  ASSERT_EQ(s.steps.size(), 3U);
  EXPECT_EQ(s.steps[0].retry, 3);
  EXPECT_EQ(s.steps[0].delay, std::chrono::milliseconds(500));
  EXPECT_EQ(s.steps[1].retry, 1);
  EXPECT_EQ(s.steps[1].delay, std::chrono::milliseconds(0));
  EXPECT_EQ(s.steps[2].retry, 0);
}

TEST(ScenarioRetry, MalformedIsRejectedWithLineAndKey) {
  expect_rejected(with_steps("  - up: media\n    expect_error: x\n    retry: 2\n"), 7,
                  "steps[0].retry: not allowed with expect_error");
  expect_rejected(with_steps("  - up: media\n    delay: 1s\n"), 6, "steps[0].delay: is the wait between retries");
  expect_rejected(with_steps("  - up: media\n    retry: -1\n"), 6, "steps[0].retry: -1 is outside 0..100");
  expect_rejected(with_steps("  - up: media\n    retry: many\n"), 6, "steps[0].retry: 'many' is not a whole number");
  expect_rejected(with_steps("  - up: media\n    retry: 1\n    delay: soon\n"), 7, "steps[0].delay");
  expect_rejected(with_steps("  - up: media\n    retyr: 1\n"), 5, "did you mean retry?");
}

TEST(ExpectError, PassesOnlyOnTheExpectedFailure) {
  const auto ok = dubctl::judge_expected_error("fixture not found", "fixture not found: /x/nope.mp4 (...)");
  EXPECT_TRUE(ok.passed);
  EXPECT_NE(ok.message.find("failed as expected: fixture not found: /x/nope.mp4"), std::string::npos);

  const auto succeeded = dubctl::judge_expected_error("fixture not found", std::nullopt);
  EXPECT_FALSE(succeeded.passed);
  EXPECT_NE(succeeded.message.find("the step succeeded"), std::string::npos) << succeeded.message;

  const auto other = dubctl::judge_expected_error("fixture not found", "connection refused");
  EXPECT_FALSE(other.passed);
  EXPECT_NE(other.message.find("connection refused"), std::string::npos) << other.message;
  EXPECT_NE(other.message.find("does not contain 'fixture not found'"), std::string::npos) << other.message;

  EXPECT_FALSE(dubctl::judge_expected_error("Fixture", "fixture not found").passed);  // case matters
}

class FixtureCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() / ("dub-fixture-check-" + std::to_string(::getpid()));
    std::filesystem::create_directories(root_ / "fixtures" / "test_streams");
    std::ofstream(root_ / "fixtures" / "test_streams" / "6s-hello-world.mp4") << "x";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
};

// The reason `dubctl run` skips the scenario with (spec edge case 8): which fixture, where it was
// looked for, what there is, how to regenerate.
TEST_F(FixtureCheck, MissingStaticFixtureIsTheScenariosSkipReason) {
  const auto s = parse_scenario(with_steps("  - up: media\n  - publish: {fixture: 6s-hello-wrld.mp4}\n"), "sc.yaml");
  const auto msg = dubctl::missing_fixtures_reason(s, root_);
  EXPECT_NE(msg.find("sc.yaml:6: steps[1].publish.fixture: fixture not found: "), std::string::npos) << msg;
  EXPECT_NE(msg.find("6s-hello-wrld.mp4"), std::string::npos) << msg;
  EXPECT_NE(msg.find("the bundled ones are 6s-hello-world.mp4"), std::string::npos) << msg;  // what there is
  EXPECT_NE(msg.find("scripts/make-fixtures"), std::string::npos) << msg;                    // what to do
}

// A soak's long stream is made, not bundled: the message names the command that makes it.
TEST_F(FixtureCheck, AMissingGeneratedStreamNamesTheCommandThatMakesIt) {
  const auto s =
      parse_scenario(with_steps("  - publish: {fixture: out/generated/120s-english-speech.mp4}\n"), "sc.yaml");
  const auto msg = dubctl::missing_fixtures_reason(s, root_);
  EXPECT_NE(msg.find("sc.yaml:5: steps[0].publish.fixture: generated stream not found: "), std::string::npos) << msg;
  EXPECT_NE(msg.find("(make it with scripts/make-long-stream 120;"), std::string::npos) << msg;
}

TEST_F(FixtureCheck, StsStepFixturesAreCheckedToo) {
  const auto s = parse_scenario(
      "name: a\ndescription: d\nstacks: {sts: {}}\nsteps:\n  - sts: {fixture: 6s-hello-world.mp4}\n"
      "  - sts: {fixture: nope.mp4}\n  - sts: {fixture: gone.mp4}\n",
      "sc.yaml");
  const auto reason = dubctl::missing_fixtures_reason(s, root_);
  EXPECT_EQ(reason.find("sc.yaml:6: steps[1].sts.fixture: fixture not found"), 0U) << reason;
  EXPECT_NE(reason.find("\nsc.yaml:7: steps[2].sts.fixture: fixture not found"), std::string::npos) << reason;  // all
}

TEST_F(FixtureCheck, PresentRuntimeAndNegativeFixturesPass) {
  EXPECT_EQ(dubctl::missing_fixtures_reason(
                parse_scenario(with_steps("  - publish: {fixture: 6s-hello-world.mp4}\n"
                                          "  - publish: {fixture: fixtures/test_streams/6s-hello-world.mp4}\n"
                                          "  - publish: {fixture: '${FIXTURE}'}\n"  // known only at run time
                                          "  - publish: {fixture: gone.mp4}\n    expect_error: fixture not found\n"),
                               "sc.yaml"),
                root_),
            "");
  EXPECT_EQ(dubctl::fixture_path("a.mp4", root_), root_ / "fixtures" / "test_streams" / "a.mp4");
  EXPECT_EQ(dubctl::fixture_path("media/a.mp4", root_), root_ / "media" / "a.mp4");
  EXPECT_EQ(dubctl::fixture_path("/abs/a.mp4", root_), std::filesystem::path("/abs/a.mp4"));
}

// A skipped step does not run: its fixture is not needed, and the scenario still runs (its other
// steps are judged). The same step not skipped is the skip reason.
TEST_F(FixtureCheck, ASkippedStepsFixtureIsNotLookedFor) {
  const auto steps = std::string("  - publish: {fixture: gone.mp4}\n    skip: issue 7\n  - sts: {fixture: nope.mp4}\n");
  EXPECT_EQ(
      dubctl::missing_fixtures_reason(parse_scenario(with_steps(steps + "    skip: issue 8\n"), "sc.yaml"), root_), "");
  const auto reason = dubctl::missing_fixtures_reason(parse_scenario(with_steps(steps), "sc.yaml"), root_);
  EXPECT_EQ(reason.find("sc.yaml:7: steps[1].sts.fixture: fixture not found"), 0U) << reason;
  EXPECT_EQ(reason.find("gone.mp4"), std::string::npos) << reason;
}

}  // namespace
