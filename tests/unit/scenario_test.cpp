#include "scenario.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace {

using dubctl::parse_scenario;
using dubctl::ScenarioError;

constexpr const char* kValid = R"(name: media-alone
description: MediaMTX answers on its published API port
timeout: 3m
stacks:
  media:
    env: {MEDIAMTX_API_PORT: "19997"}
    services: [mediamtx]
steps:
  - up: media
  - wait: {http: "http://localhost:${MEDIAMTX_API_PORT}/v3/paths/list", timeout: 30s}
  - verify:
      media: fixtures/test_streams/30s-english-speech.mp4
      expect: {streams: 2, video_codec: h264, audio_codec: aac, duration_s: 30}
  - down: [media]
)";

// Asserts that parsing fails and that the message names the line and the key.
void expect_error(const std::string& yaml, int line, const std::string& key) {
  try {
    parse_scenario(yaml, "scenarios/x.yaml");
    FAIL() << "accepted:\n" << yaml;
  } catch (const ScenarioError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("scenarios/x.yaml:" + std::to_string(line) + ":"), std::string::npos) << msg;
    EXPECT_NE(msg.find(key), std::string::npos) << msg;
  }
}

TEST(Scenario, ParsesEveryStepKind) {
  const auto s = parse_scenario(kValid, "scenarios/x.yaml");
  EXPECT_EQ(s.name, "media-alone");
  EXPECT_EQ(s.timeout, std::chrono::minutes(3));
  ASSERT_EQ(s.steps.size(), 4U);
  EXPECT_EQ(s.steps[0].kind, "up");
  EXPECT_EQ(s.steps[0].line, 9);
  const auto& wait = std::get<dubctl::WaitHttpStep>(s.steps[1].action);
  EXPECT_EQ(wait.status, 200);
  EXPECT_EQ(wait.timeout, std::chrono::seconds(30));
  const auto& verify = std::get<dubctl::VerifyMediaStep>(s.steps[2].action);
  EXPECT_EQ(verify.expect.streams, 2);
  EXPECT_EQ(verify.expect.duration_s, 30.0);
  EXPECT_EQ(s.stacks.at("media").services, std::vector<std::string>{"mediamtx"});
  EXPECT_EQ(s.stacks.at("media").env.at("MEDIAMTX_API_PORT"), "19997");
}

TEST(Scenario, UnknownKeyNamesFileLineAndKey) {
  std::string yaml = kValid;
  yaml.replace(yaml.find("timeout: 30s"), 12, "timout: 30s");
  expect_error(yaml, 10, "steps[1].wait.timout");
}

TEST(Scenario, BadDurationIsRejected) {
  std::string yaml = kValid;
  yaml.replace(yaml.find("timeout: 3m"), 11, "timeout: soon");
  expect_error(yaml, 3, "timeout");
}

TEST(Scenario, WrongTypeIsRejected) {
  std::string yaml = kValid;
  yaml.replace(yaml.find("streams: 2"), 10, "streams: two");
  expect_error(yaml, 13, "steps[2].verify.expect.streams");
}

TEST(Scenario, UnknownStepAndUndeclaredStack) {
  expect_error("name: a\ndescription: d\nsteps:\n  - dance: media\n", 4, "unknown step 'dance'");
  expect_error("name: a\ndescription: d\nsteps:\n  - up: sts\n", 4, "not declared");
  expect_error("name: a\ndescription: d\nstacks: {media: {}}\nsteps:\n  - up: cloud\n", 5, "unknown stack 'cloud'");
}

TEST(Scenario, RequiredFieldsAndYamlSyntax) {
  expect_error("description: d\nsteps: [{down: media}]\n", 1, "name");
  expect_error("name: a\ndescription: d\n", 1, "steps");
  expect_error("name: a\n  description: : d\n", 2, "not valid YAML");
  expect_error("name: Has Spaces\ndescription: d\nsteps: [{up: media}]\n", 1, "name");
}

TEST(Scenario, MonitorAndFragmentSteps) {
  const auto s = parse_scenario(R"(name: a
description: d
steps:
  - monitor: {sts: "http://localhost:3000"}
  - wait: {fragments: 5, timeout: 2m}
  - verify:
      fragments: {count: 5, reference: fixtures/test_streams/30s-english-speech.json, max_wer: 0.2, min_translation_coverage: 0.8}
)",
                                "x.yaml");
  ASSERT_EQ(s.steps.size(), 3U);
  EXPECT_EQ(std::get<dubctl::MonitorStep>(s.steps[0].action).sts_url, "http://localhost:3000");
  EXPECT_EQ(std::get<dubctl::WaitFragmentsStep>(s.steps[1].action).count, 5);
  const auto& v = std::get<dubctl::VerifyFragmentsStep>(s.steps[2].action);
  EXPECT_EQ(v.max_wer, 0.2);
  EXPECT_EQ(v.status, "success");
  expect_error("name: a\ndescription: d\nsteps:\n  - verify: {fragments: {max_wer: 0.2}}\n", 4, "reference");
  expect_error("name: a\ndescription: d\nsteps:\n  - verify: {fragments: {status: great}}\n", 4, "status");
}

TEST(Expand, VariablesDefaultsAndErrors) {
  const dubctl::EnvMap vars = {{"stream", "s-1"}};
  EXPECT_EQ(dubctl::expand("live/${stream}/out", vars), "live/s-1/out");
  unsetenv("DUB_SURELY_UNSET");
  EXPECT_EQ(dubctl::expand("http://localhost:${DUB_SURELY_UNSET:-9997}/", vars), "http://localhost:9997/");
  EXPECT_THROW(dubctl::expand("${DUB_SURELY_UNSET}", vars), dub::Error);
  EXPECT_EQ(dubctl::expand("no vars", vars), "no vars");
}

TEST(Scenario, ShippedScenariosAreValid) {
  const auto files = dubctl::scenario_files({std::string(DUB_SOURCE_DIR) + "/scenarios"});
  ASSERT_FALSE(files.empty());
  for (const auto& file : files) EXPECT_NO_THROW(dubctl::load_scenario(file)) << file;
}

}  // namespace
