#include "scenario.hpp"
#include "scenario_reject.hpp"
#include "steps/step.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace {

using dubctl::parse_scenario;

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

TEST(Scenario, ParsesEveryStepKind) {
  const auto s = parse_scenario(kValid, "scenarios/x.yaml");
  EXPECT_EQ(s.name, "media-alone");
  EXPECT_EQ(s.timeout, std::chrono::minutes(3));
  ASSERT_EQ(s.steps.size(), 4U);
  EXPECT_EQ(s.steps[0].kind, "up");
  EXPECT_EQ(s.steps[0].line, 9);
  const auto& wait = dubctl::step_as<dubctl::WaitHttpStep>(s.steps[1]);
  EXPECT_EQ(wait.status, 200);
  EXPECT_EQ(wait.timeout, std::chrono::seconds(30));
  const auto& verify = dubctl::step_as<dubctl::VerifyMediaStep>(s.steps[2]);
  EXPECT_EQ(verify.expect.streams, 2);
  EXPECT_EQ(verify.expect.duration_s, 30.0);
  EXPECT_EQ(s.stacks.at("media").services, std::vector<std::string>{"mediamtx"});
  EXPECT_EQ(s.stacks.at("media").env.at("MEDIAMTX_API_PORT"), "19997");
}

TEST(Scenario, UnknownKeyNamesFileLineAndKey) {
  std::string yaml = kValid;
  yaml.replace(yaml.find("timeout: 30s"), 12, "timout: 30s");
  expect_rejected(yaml, 10, "steps[1].wait.timout");
}

TEST(Scenario, BadDurationIsRejected) {
  std::string yaml = kValid;
  yaml.replace(yaml.find("timeout: 3m"), 11, "timeout: soon");
  expect_rejected(yaml, 3, "timeout");
}

TEST(Scenario, WrongTypeIsRejected) {
  std::string yaml = kValid;
  yaml.replace(yaml.find("streams: 2"), 10, "streams: two");
  expect_rejected(yaml, 13, "steps[2].verify.expect.streams");
}

TEST(Scenario, UnknownStepAndUndeclaredStack) {
  expect_rejected("name: a\ndescription: d\nsteps:\n  - dance: media\n", 4, "unknown step 'dance'");
  expect_rejected("name: a\ndescription: d\nsteps:\n  - up: sts\n", 4, "not declared");
  expect_rejected("name: a\ndescription: d\nstacks: {media: {}}\nsteps:\n  - up: cloud\n", 5, "unknown stack 'cloud'");
}

TEST(Scenario, RequiredFieldsAndYamlSyntax) {
  expect_rejected("description: d\nsteps: [{down: media}]\n", 1, "name");
  expect_rejected("name: a\ndescription: d\n", 1, "steps");
  expect_rejected("name: a\n  description: : d\n", 2, "not valid YAML");
  expect_rejected("name: Has Spaces\ndescription: d\nsteps: [{up: media}]\n", 1, "name");
}

TEST(Scenario, MonitorAndFragmentSteps) {
  const auto s = parse_scenario(R"(name: a
description: d
steps:
  - monitor: {sts: "http://localhost:3000"}
  - wait: {fragments: 5, timeout: 2m}
  - verify:
      fragments: {count: 5, reference: fixtures/test_streams/30s-english-speech.json, max_wer: 0.2, min_translation_coverage: 0.8, max_processing: 15s}
)",
                                "x.yaml");
  ASSERT_EQ(s.steps.size(), 3U);
  EXPECT_EQ(dubctl::step_as<dubctl::MonitorStep>(s.steps[0]).sts_url, "http://localhost:3000");
  EXPECT_EQ(dubctl::step_as<dubctl::WaitFragmentsStep>(s.steps[1]).count, 5);
  const auto& v = dubctl::step_as<dubctl::VerifyFragmentsStep>(s.steps[2]);
  EXPECT_EQ(v.max_wer, 0.2);
  EXPECT_EQ(v.status, "success");
  EXPECT_EQ(v.max_processing, std::chrono::seconds(15));
  expect_rejected("name: a\ndescription: d\nsteps:\n  - verify: {fragments: {max_wer: 0.2}}\n", 4, "reference");
  expect_rejected("name: a\ndescription: d\nsteps:\n  - verify: {fragments: {max_processing: soon}}\n", 4,
                  "steps[0].verify.fragments.max_processing: 'soon' is not a duration");
  expect_rejected("name: a\ndescription: d\nsteps:\n  - verify: {fragments: {status: great}}\n", 4, "status");
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
  // scenarios/long/ and load/: the soak and the K streams that scripts/bench runs, outside the suite's folder.
  const auto files = dubctl::scenario_files({std::string(DUB_SOURCE_DIR) + "/scenarios",
                                             std::string(DUB_SOURCE_DIR) + "/scenarios/long",
                                             std::string(DUB_SOURCE_DIR) + "/scenarios/load"});
  ASSERT_FALSE(files.empty());
  for (const auto& file : files) EXPECT_NO_THROW(dubctl::load_scenario(file)) << file;
}

constexpr const char* kStsDrive = R"(name: a
description: d
stacks: {sts: {env: {MAX_INFLIGHT: "5"}}}
steps:
  - up: sts
  - sts:
      url: "http://localhost:${STS_PORT:-3000}"
      fixture: 30s-english-speech.mp4
      fragment: 6s
      concurrent: true
      sample_rate: 16000
      channels: 1
      stream: direct-1
      timeout: 90s
      expect:
        status: success
        fragments: 5
        min_fragments: 5
        transcript_contains: [one, "twenty five"]
        translation_contains: uno
        reference: fixtures/test_streams/30s-english-speech.json
        max_wer: 0.3
        min_translation_coverage: 0.6
        dubbed: true
        min_inflight: 5
        max_processing: 15s
)";

TEST(Scenario, StsDriveStep) {
  const auto s = parse_scenario(kStsDrive, "x.yaml");
  ASSERT_EQ(s.steps.size(), 2U);
  EXPECT_EQ(s.steps[1].kind, "sts");
  EXPECT_EQ(s.steps[1].line, 6);
  const auto& d = dubctl::step_as<dubctl::StsDriveStep>(s.steps[1]);
  EXPECT_EQ(d.url, "http://localhost:${STS_PORT:-3000}");
  EXPECT_EQ(d.fixture, "30s-english-speech.mp4");
  EXPECT_EQ(d.fragment, std::chrono::seconds(6));
  EXPECT_TRUE(d.concurrent);
  EXPECT_EQ(d.sample_rate, 16000);
  EXPECT_EQ(d.stream, "direct-1");
  EXPECT_EQ(d.timeout, std::chrono::seconds(90));
  EXPECT_EQ(d.expect.fragments, 5);
  EXPECT_EQ(d.expect.transcript_contains, (std::vector<std::string>{"one", "twenty five"}));
  EXPECT_EQ(d.expect.translation_contains, std::vector<std::string>{"uno"});
  EXPECT_EQ(d.expect.max_wer, 0.3);
  EXPECT_EQ(d.expect.min_translation_coverage, 0.6);
  EXPECT_EQ(d.expect.min_inflight, 5);
  EXPECT_EQ(d.expect.max_processing, std::chrono::seconds(15));

  // Defaults: one 6 s fragment at a time, 48 kHz mono en->es, a success that is a dub.
  const auto m = parse_scenario("name: a\ndescription: d\nsteps:\n  - sts: {fixture: 6s-hello-world.mp4}\n", "x.yaml");
  const auto& def = dubctl::step_as<dubctl::StsDriveStep>(m.steps[0]);
  EXPECT_EQ(def.fragment, std::chrono::seconds(6));
  EXPECT_FALSE(def.concurrent);
  EXPECT_EQ(def.sample_rate, 48000);
  EXPECT_EQ(def.channels, 1);
  EXPECT_EQ(def.source_language, "en");
  EXPECT_EQ(def.target_language, "es");
  EXPECT_EQ(def.stream, "${stream}");
  EXPECT_EQ(def.expect.status, "success");
  EXPECT_TRUE(def.expect.dubbed);
  EXPECT_FALSE(def.expect.no_speech);
}

TEST(Scenario, MalformedStsDriveStepsNameLineAndKey) {
  auto broken = [](const std::string& from, const std::string& to) {
    std::string yaml = kStsDrive;
    const auto at = yaml.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    yaml.replace(at, from.size(), to);
    return yaml;
  };
  expect_rejected(broken("      fragment: 6s", "      fragmnet: 6s"), 9, "steps[1].sts.fragmnet");
  expect_rejected(broken("fragment: 6s", "fragment: soon"), 9, "steps[1].sts.fragment");
  expect_rejected(broken("fragment: 6s", "fragment: 45s"), 9, "between 100ms and 30s");
  expect_rejected(broken("fragment: 6s", "fragment: 50ms"), 9, "steps[1].sts.fragment");
  expect_rejected(broken("concurrent: true", "concurrent: often"), 10, "steps[1].sts.concurrent");
  expect_rejected(broken("sample_rate: 16000", "sample_rate: 12345"), 11, "steps[1].sts.sample_rate");
  expect_rejected(broken("channels: 1", "channels: 3"), 12, "steps[1].sts.channels");
  expect_rejected(broken("timeout: 90s", "timeout: [90s]"), 14, "steps[1].sts.timeout");
  expect_rejected(broken("        status: success", "        status: great"), 16, "steps[1].sts.expect.status");
  expect_rejected(broken("fragments: 5\n", "fragments: five\n"), 17, "steps[1].sts.expect.fragments");
  expect_rejected(broken("translation_contains: uno", "translation_contains: {es: uno}"), 20,
                  "steps[1].sts.expect.translation_contains");
  expect_rejected(broken("max_wer: 0.3", "max_wer: low"), 22, "steps[1].sts.expect.max_wer");
  expect_rejected(broken("        dubbed: true", "        dubed: true"), 24, "steps[1].sts.expect.dubed");
  expect_rejected(broken("max_processing: 15s", "max_processing: fast"), 26, "steps[1].sts.expect.max_processing");
  expect_rejected(broken("      fixture: 30s-english-speech.mp4\n", ""), 7, "steps[1].sts.fixture");
  // Contradictions and missing context.
  expect_rejected(broken("        reference: fixtures/test_streams/30s-english-speech.json\n", ""), 16, "reference");
  expect_rejected(broken("      concurrent: true\n", ""), 24, "set `concurrent: true`");
  expect_rejected("name: a\ndescription: d\nsteps:\n  - sts: {fixture: f.mp4, expect: {no_speech: true}}\n", 4,
                  "add `dubbed: false`");
  expect_rejected(
      "name: a\ndescription: d\nsteps:\n  - sts: {fixture: f.mp4, expect: {no_speech: true, dubbed: false, "
      "transcript_contains: [hi]}}\n",
      4, "no_speech contradicts");
  expect_rejected("name: a\ndescription: d\nsteps:\n  - sts: 6s-hello-world.mp4\n", 4, "steps[0].sts");
}

}  // namespace

TEST(Scenario, PublishPace) {
  const auto s = parse_scenario(R"(name: p
description: d
stacks: {media: {}}
steps:
  - publish: {fixture: 6s-hello-world.mp4, pace: 10x}
  - publish: {fixture: 6s-hello-world.mp4}
)",
                                "scenarios/x.yaml");
  EXPECT_EQ(dubctl::step_as<dubctl::PublishStep>(s.steps.at(0)).pace, 10.0);
  EXPECT_FALSE(dubctl::step_as<dubctl::PublishStep>(s.steps.at(1)).pace);  // media time, a live source
  const std::string head = "name: p\ndescription: d\nstacks: {media: {}}\nsteps:\n";
  expect_rejected(head + "  - publish: {fixture: f.mp4, pace: fast}\n", 5,
                  "steps[0].publish.pace: 'fast' is not a pace");
  expect_rejected(head + "  - publish: {fixture: f.mp4, pace: 10x, realtime: false}\n", 5,
                  "steps[0].publish.pace: `realtime: false` sends unpaced");
}

TEST(Scenario, PublishWaitReader) {
  const auto s = parse_scenario(R"(name: p
description: d
stacks: {media: {}}
steps:
  - publish: {fixture: 6s-hello-world.mp4, wait_reader: 10s, mediamtx_api: "http://localhost:19997"}
  - publish: {fixture: 6s-hello-world.mp4}
)",
                                "scenarios/x.yaml");
  const auto& held = dubctl::step_as<dubctl::PublishStep>(s.steps.at(0));
  EXPECT_EQ(held.wait_reader, std::chrono::seconds(10));
  EXPECT_EQ(held.mediamtx_api, "http://localhost:19997");
  const auto& plain = dubctl::step_as<dubctl::PublishStep>(s.steps.at(1));
  EXPECT_EQ(plain.wait_reader.count(), 0);  // media goes out at once unless asked
  expect_rejected(R"(name: p
description: d
stacks: {media: {}}
steps:
  - publish: {fixture: 6s-hello-world.mp4, wait_reader: soon}
)",
                  5, "wait_reader");
}
