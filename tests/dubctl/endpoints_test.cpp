#include "endpoints.hpp"

#include <gtest/gtest.h>

#include "scenario.hpp"
#include "steps/step.hpp"

namespace {

const std::filesystem::path kRoot = DUB_SOURCE_DIR;

TEST(Endpoints, DefaultsComeFromTheComposeFiles) {
  EXPECT_EQ(dubctl::compose_default("ports: [\"${MEDIA_SERVICE_PORT:-8080}:8080\"]", "MEDIA_SERVICE_PORT"), "8080");
  EXPECT_EQ(dubctl::compose_default("x: ${OTHER:-1}", "MEDIA_SERVICE_PORT"), "");
  const auto e = dubctl::stack_endpoints({}, kRoot);
  EXPECT_EQ(e.at("media.api"), "http://localhost:8080");
  EXPECT_EQ(e.at("mediamtx.api"), "http://localhost:9997");
  EXPECT_EQ(e.at("mediamtx.rtsp"), "rtsp://localhost:8554");
  EXPECT_EQ(e.at("mediamtx.rtmp"), "rtmp://localhost:1935");
  EXPECT_EQ(e.at("mediamtx.playback"), "http://localhost:9996");
  EXPECT_EQ(e.at("sts.url"), "http://localhost:3000");
}

TEST(Endpoints, FollowThePortsTheRunSets) {
  dubctl::EnvMap vars = {{"MEDIA_SERVICE_PORT", "18080"}, {"MEDIAMTX_RTSP_PORT", "18554"}, {"STS_PORT", "13000"}};
  dubctl::add_endpoints(vars, kRoot, "s-1");
  EXPECT_EQ(vars.at("media.api"), "http://localhost:18080");
  EXPECT_EQ(vars.at("sts.url"), "http://localhost:13000");
  EXPECT_EQ(vars.at("stream.in"), "rtsp://localhost:18554/live/s-1/in");
  EXPECT_EQ(vars.at("stream.out"), "rtsp://localhost:18554/live/s-1/out");
  EXPECT_EQ(vars.at("recording"), (kRoot / "compose/media/recordings/live/s-1/out").string());
  EXPECT_EQ(dubctl::expand("${media.api}/v1/streams/${stream}", {{"media.api", vars.at("media.api")}, {"stream", "s"}}),
            "http://localhost:18080/v1/streams/s");
}

// A port a scenario's stack env sets is that stack's endpoint, even when the run sets the variable
// too: the stack listens where its own env says (session.cpp: the stack env wins over --env).
TEST(Endpoints, AStacksOwnPortWins) {
  dubctl::EnvMap vars = {
      {"MEDIA_SERVICE_PORT", "40000"}, {"media.env.MEDIA_SERVICE_PORT", "18080"}, {"STS_PORT", "40003"}};
  const auto e = dubctl::stack_endpoints(vars, kRoot);
  EXPECT_EQ(e.at("media.api"), "http://localhost:18080");
  EXPECT_EQ(e.at("sts.url"), "http://localhost:40003");
}

// A step's defaults name endpoints, not ports: the one place of a port default is its compose file.
TEST(Endpoints, StepDefaultsUseTheNamedEndpoints) {
  const auto s = dubctl::parse_scenario(R"(name: e
description: d
steps:
  - publish: {fixture: 6s-hello-world.mp4}
  - monitor: {}
  - verify: {worker: {}}
)",
                                        "e.yaml");
  EXPECT_EQ(dubctl::step_as<dubctl::PublishStep>(s.steps[0]).to, "${stream.in}");
  EXPECT_EQ(dubctl::step_as<dubctl::PublishStep>(s.steps[0]).mediamtx_api, "${mediamtx.api}");
  EXPECT_EQ(dubctl::step_as<dubctl::MonitorStep>(s.steps[1]).sts_url, "${sts.url}");
  EXPECT_EQ(dubctl::step_as<dubctl::VerifyWorkerStep>(s.steps[2]).media_service, "${media.api}");
}

// Every kind is registered once under its verb; the runner finds them there only.
TEST(StepRegistry, EveryVerbHasItsKinds) {
  std::map<std::string, int> kinds;
  for (const auto& t : dubctl::step_types()) ++kinds[t.verb];
  EXPECT_EQ(kinds, (std::map<std::string, int>{{"up", 1},
                                               {"down", 1},
                                               {"publish", 1},
                                               {"record", 1},
                                               {"monitor", 1},
                                               {"wait", 4},
                                               {"verify", 6},
                                               {"sts", 1},
                                               {"fault", 1}}));
}

}  // namespace
