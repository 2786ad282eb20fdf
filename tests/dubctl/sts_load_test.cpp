// The `sts:` step under load (issue 13 item 4): `pace:` and `repeat:` as parsed, BACKPRESSURE as
// a paced exchange counts it, and the whole step against the real STS service in echo mode held
// back by STS_FAULT_DELAY_MS, with MAX_INFLIGHT low (refusals, each fragment sent again, none lost
// or reordered) and high (no refusal: `min_backpressure` fails).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "../support/sio_test_server.hpp"
#include "dub/media/decode.hpp"
#include "dub/sts/protocol.hpp"
#include "dub/util/error.hpp"
#include "http_wait.hpp"
#include "scenario.hpp"
#include "scenario_reject.hpp"
#include "steps/step.hpp"
#include "sts_drive.hpp"

namespace {

namespace fs = std::filesystem;
using dubctl::StsDriveStep;
using dubctl::StsExchange;

const StsDriveStep& sts_step(const dubctl::Scenario& s, std::size_t i) {
  return dubctl::step_as<StsDriveStep>(s.steps[i]);
}

std::string with_step(const std::string& step) {
  return "name: t\ndescription: load\nstacks: {sts: {}}\nsteps:\n  - " + step + "\n";
}

TEST(StsLoad, PaceAndRepeatAreParsed) {
  const auto s = dubctl::parse_scenario(R"(name: t
description: load
stacks: {sts: {}}
steps:
  - sts: {fixture: 30s-english-speech.mp4, concurrent: true, pace: 10x, repeat: 10, expect: {min_backpressure: 1}}
  - sts: {fixture: 30s-english-speech.mp4, concurrent: true, pace: 0.5}
  - sts: {fixture: 30s-english-speech.mp4, concurrent: true}
)",
                                        "scenarios/t.yaml");
  ASSERT_EQ(s.steps.size(), 3U);
  EXPECT_EQ(sts_step(s, 0).pace, 10.0);
  EXPECT_EQ(sts_step(s, 0).repeat, 10);
  EXPECT_EQ(sts_step(s, 0).expect.min_backpressure, 1);
  EXPECT_EQ(s.steps[0].action->describe(),
            "drive STS at ${sts.url} with 30s-english-speech.mp4 x10 (6s fragments, 10x real time)");
  EXPECT_EQ(sts_step(s, 1).pace, 0.5);
  EXPECT_EQ(sts_step(s, 1).repeat, 1);
  EXPECT_FALSE(sts_step(s, 2).pace);  // all at once, as before
  EXPECT_FALSE(sts_step(s, 2).expect.min_backpressure);
}

TEST(StsLoad, BadLoadOptionsAreRefused) {
  expect_rejected(with_step("sts: {fixture: f.mp4, concurrent: true, pace: fast}"), 5, "'fast' is not a pace");
  expect_rejected(with_step("sts: {fixture: f.mp4, concurrent: true, pace: 0x}"), 5, "'0x' is not a pace");
  expect_rejected(with_step("sts: {fixture: f.mp4, concurrent: true, pace: 200x}"), 5, "at most 100");
  expect_rejected(with_step("sts: {fixture: f.mp4, pace: 10x}"), 5, "add it");  // without concurrent
  expect_rejected(with_step("sts: {fixture: f.mp4, concurrent: true, repeat: 0}"), 5, "repeat: 0 is outside 1..100");
  expect_rejected(with_step("sts: {fixture: f.mp4, concurrent: true, expect: {min_backpressure: 1}}"), 5,
                  "expect.min_backpressure: only a paced client");
  expect_rejected(with_step("sts: {fixture: f.mp4, repeat: 2, expect: {reference: f.json}}"), 5,
                  "the sidecar holds the fixture's text once, the stream holds it 2 times");
}

// Two fragments answered, the second after a BACKPRESSURE refusal and its resend.
StsExchange refused_once() {
  StsExchange x;
  x.config.stream_id = "s";
  x.config.sample_rate = 48000;
  x.config.channels = 1;
  x.config.sample_format = "s16le";
  for (std::uint64_t seq = 0; seq < 2; ++seq) {
    dub::sts::StsFragment f;
    f.stream_id = "s";
    f.sequence_number = seq;
    f.fragment_id = dub::sts::protocol::fragment_id("s", seq);
    f.pts_ns = static_cast<std::int64_t>(seq) * 10'000'000;
    f.duration_ns = 10'000'000;
    f.audio.assign(960, 1);
    dub::sts::StsResult r;
    r.stream_id = "s";
    r.fragment_id = f.fragment_id;
    r.sequence_number = seq;
    r.pts_ns = f.pts_ns;
    r.duration_ns = f.duration_ns;
    r.status = "success";
    r.sample_rate = 48000;
    r.channels = 1;
    r.sample_format = "s16le";
    r.dubbed_audio.assign(960, 2);
    x.sent.push_back(f);
    x.results.push_back(r);
  }
  x.max_inflight = 1;
  x.peak_inflight = 1;
  x.backpressure = {1};
  x.complete = nlohmann::json{{"fragments_received", 2}, {"fragments_processed", 2}, {"fragments_rejected", 1}};
  return x;
}

TEST(StsLoad, RefusalsAreRejectedCountsNotErrors) {
  auto x = refused_once();
  EXPECT_TRUE(dubctl::protocol_problems(x).empty());
  // The service counting a rejection the client never saw, or missing one it saw, is a breach.
  x.complete = nlohmann::json{{"fragments_received", 2}, {"fragments_processed", 2}, {"fragments_rejected", 0}};
  const auto problems = dubctl::protocol_problems(x);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("0 rejected (2 were sent, 1 refused with BACKPRESSURE)"), std::string::npos)
      << problems[0];
}

TEST(StsLoad, MinBackpressureCountsRefusals) {
  StsDriveStep::Expect expect;
  expect.dubbed = false;
  expect.min_backpressure = 1;
  dubctl::Properties props;
  auto x = refused_once();
  EXPECT_TRUE(dubctl::expectation_problems(expect, x, {}, props).empty());
  EXPECT_NE(std::find(props.begin(), props.end(), std::pair<std::string, std::string>{"sts_backpressure", "1"}),
            props.end());
  EXPECT_NE(std::find(props.begin(), props.end(), std::pair<std::string, std::string>{"sts_max_inflight", "1"}),
            props.end());
  x.backpressure.clear();
  const auto problems = dubctl::expectation_problems(expect, x, {}, props);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_EQ(problems[0],
            "STS refused 0 fragment(s) with BACKPRESSURE, expected at least 1 (limits.max_inflight 1, peak in flight "
            "1): the load never reached the limit");
}

int free_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

// The echo STS (from source) with these settings; the test's own process environment carries them
// to the child, and is put back after.
struct EchoWith {
  EchoWith(const std::string& max_inflight, const std::string& delay_ms) {
    ::setenv("MAX_INFLIGHT", max_inflight.c_str(), 1);
    ::setenv("STS_FAULT_DELAY_MS", delay_ms.c_str(), 1);
    ::setenv("STS_FAULTS_ENABLED", "1", 1);
    sts = std::make_unique<dub::test::StsEchoServer>(free_port(), "");
    for (const char* name : {"MAX_INFLIGHT", "STS_FAULT_DELAY_MS", "STS_FAULTS_ENABLED"}) ::unsetenv(name);
    dubctl::wait_http(sts->url() + "/health", 200, "", std::chrono::seconds(60));
  }
  std::unique_ptr<dub::test::StsEchoServer> sts;
};

StsDriveStep paced(const std::string& url, const fs::path& fixture, const std::string& stream) {
  StsDriveStep step;  // as the runner hands it over: expanded
  step.url = url;
  step.stream = stream;
  step.auth_token = "";
  step.fixture = fixture.string();
  step.fragment = std::chrono::seconds(1);
  step.concurrent = true;
  step.pace = 10;   // a fragment every 100 ms
  step.repeat = 2;  // the 6 s fixture twice: 12 fragments
  step.timeout = std::chrono::seconds(60);
  step.expect.fragments = 12;
  step.expect.dubbed = false;  // echo
  step.expect.min_backpressure = 1;
  return step;
}

std::string property(const dubctl::Properties& properties, const std::string& name) {
  for (const auto& [k, v] : properties) {
    if (k == name) return v;
  }
  return "(missing)";
}

// 12 fragments in 1.1 s, each answered no sooner than 1 s after it arrived, 2 in flight at most:
// most are refused at first; every one is sent again until accepted, and answered once, in order.
TEST(StsLoad, PacedClientResendsWhatBackpressureRefused) {
  const EchoWith echo("2", "1000");
  const fs::path root = DUB_SOURCE_DIR;
  const auto artifacts = fs::temp_directory_path() / fmt::format("sts-load-test-{}", ::getpid());
  const auto fixture = root / "fixtures/test_streams/6s-hello-world.mp4";
  dubctl::Properties props;
  const auto summary = dubctl::drive_sts(paced(echo.sts->url(), fixture, "load-test"), fixture, root, artifacts, props);
  EXPECT_NE(summary.find("12 fragment(s) of 1.0s answered in order ("), std::string::npos) << summary;
  EXPECT_GE(std::stoi(property(props, "sts_backpressure")), 1);
  EXPECT_EQ(property(props, "sts_max_inflight"), "2");
  EXPECT_EQ(property(props, "sts_peak_inflight"), "2");

  // Nothing lost, repeated or reordered: the reassembled stream is the fixture twice, byte for byte.
  std::ifstream wav(artifacts / "load-test-dubbed.wav", std::ios::binary);
  ASSERT_TRUE(wav) << "no reassembled WAV";
  std::vector<char> bytes((std::istreambuf_iterator<char>(wav)), std::istreambuf_iterator<char>());
  const auto pcm = dub::media::decode_audio(fixture.string(), 48000, 1, 6.0);
  const auto once = pcm.samples.size() * 2;
  ASSERT_EQ(bytes.size(), 44 + 2 * once);
  EXPECT_EQ(std::memcmp(bytes.data() + 44, pcm.samples.data(), once), 0);
  EXPECT_EQ(std::memcmp(bytes.data() + 44 + once, pcm.samples.data(), once), 0);
  fs::remove_all(artifacts);
}

// With room for every fragment the same load is never refused, and `min_backpressure` says so.
TEST(StsLoad, NoBackpressureFailsMinBackpressure) {
  const EchoWith echo("64", "0");
  const fs::path root = DUB_SOURCE_DIR;
  const auto fixture = root / "fixtures/test_streams/6s-hello-world.mp4";
  dubctl::Properties props;
  try {
    dubctl::drive_sts(paced(echo.sts->url(), fixture, "load-test-2"), fixture, root, {}, props);
    FAIL() << "no BACKPRESSURE passed min_backpressure: 1";
  } catch (const dub::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("STS refused 0 fragment(s) with BACKPRESSURE, expected at least 1 (limits.max_inflight 64"),
              std::string::npos)
        << msg;
    EXPECT_EQ(msg.find("never answered"), std::string::npos) << msg;
  }
  EXPECT_EQ(property(props, "sts_status_success"), "12");
}

}  // namespace
