// dubctl's `sts:` step (src/dubctl/sts_drive.hpp): cutting PCM into fragments, the protocol and
// expectation checks on what came back, and the whole step against the real STS service in echo
// mode (src/sts-service run from source, like the Socket.IO client tests).
#include "sts_drive.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <boost/asio.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "../support/sio_test_server.hpp"
#include "dub/media/decode.hpp"
#include "dub/sts/protocol.hpp"
#include "dub/util/error.hpp"
#include "http_wait.hpp"
#include "scenario.hpp"
#include "steps/step.hpp"

namespace {

namespace fs = std::filesystem;
using dubctl::FragmentSpan;
using dubctl::StsDriveStep;
using dubctl::StsExchange;

bool has_problem(const std::vector<std::string>& problems, const std::string& text) {
  return std::any_of(problems.begin(), problems.end(),
                     [&](const auto& p) { return p.find(text) != std::string::npos; });
}

std::string listed(const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& p : problems) out += "\n  " + p;
  return out;
}

std::string property(const dubctl::Properties& properties, const std::string& name) {
  for (const auto& [k, v] : properties) {
    if (k == name) return v;
  }
  return "(missing)";
}

TEST(StsDrive, CutsPcmIntoConsecutiveFragments) {
  const auto five = dubctl::cut_fragments(1'440'000, 288'000);
  ASSERT_EQ(five.size(), 5U);
  for (std::size_t i = 0; i < five.size(); ++i) EXPECT_EQ(five[i], (FragmentSpan{i * 288'000, 288'000}));
  // A remainder becomes a shorter last fragment; nothing is lost or repeated.
  const auto tail = dubctl::cut_fragments(288'768, 288'000);
  ASSERT_EQ(tail.size(), 2U);
  EXPECT_EQ(tail[1], (FragmentSpan{288'000, 768}));
  EXPECT_EQ(dubctl::cut_fragments(100, 288'000), (std::vector<FragmentSpan>{{0, 100}}));
  EXPECT_TRUE(dubctl::cut_fragments(0, 480).empty());
  EXPECT_THROW(dubctl::cut_fragments(480, 0), dub::Error);
}

// Three 10 ms fragments of mono 48 kHz s16le, answered well, in order.
StsExchange good_exchange() {
  StsExchange x;
  x.config.stream_id = "s";
  x.config.sample_rate = 48000;
  x.config.channels = 1;
  x.config.sample_format = "s16le";
  for (std::uint64_t seq = 0; seq < 3; ++seq) {
    dub::sts::StsFragment f;
    f.stream_id = "s";
    f.sequence_number = seq;
    f.fragment_id = dub::sts::protocol::fragment_id("s", seq);
    f.pts_ns = static_cast<std::int64_t>(seq) * 10'000'000;
    f.duration_ns = 10'000'000;
    f.audio.assign(960, static_cast<std::uint8_t>(seq + 1));
    x.sent.push_back(f);
    dub::sts::StsResult r;
    r.stream_id = f.stream_id;
    r.fragment_id = f.fragment_id;
    r.sequence_number = seq;
    r.pts_ns = f.pts_ns;
    r.duration_ns = f.duration_ns;
    r.status = "success";
    r.sample_rate = 48000;
    r.channels = 1;
    r.sample_format = "s16le";
    r.dubbed_audio.assign(960, static_cast<std::uint8_t>(0x10 * (seq + 1)));
    r.transcript = std::array{"Hello", "world,", "again."}[seq];
    r.translated_text = std::array{"Hola", "mundo,", "otra vez."}[seq];
    r.processing_time_ms = 100.0 * static_cast<double>(seq + 1);
    x.results.push_back(r);
    x.round_trip_ms.push_back(std::array{300.0, 100.0, 200.0}[seq]);
  }
  x.peak_inflight = 3;
  x.complete = nlohmann::json{{"fragments_received", 3}, {"fragments_processed", 3}, {"fragments_rejected", 0}};
  return x;
}

TEST(StsDrive, AGoodExchangeKeepsTheProtocol) {
  const auto problems = dubctl::protocol_problems(good_exchange());
  EXPECT_TRUE(problems.empty()) << listed(problems);
}

TEST(StsDrive, ProtocolBreachesAreEachNamed) {
  auto x = good_exchange();
  std::swap(x.results[1], x.results[2]);  // 0, 2, 1
  EXPECT_TRUE(has_problem(dubctl::protocol_problems(x), "sequence 1 arrived after sequence 2"))
      << listed(dubctl::protocol_problems(x));

  x = good_exchange();
  x.results.push_back(x.results[1]);
  auto problems = dubctl::protocol_problems(x);
  EXPECT_TRUE(has_problem(problems, "s-0001 was answered 2 times")) << listed(problems);

  x = good_exchange();
  x.results.pop_back();
  x.complete = nlohmann::json{{"fragments_received", 3}, {"fragments_processed", 2}, {"fragments_rejected", 0}};
  problems = dubctl::protocol_problems(x);
  EXPECT_TRUE(has_problem(problems, "s-0002 (sequence 2) was never answered")) << listed(problems);
  EXPECT_TRUE(has_problem(problems, "stream:complete counts 3 received, 2 processed")) << listed(problems);

  x = good_exchange();
  x.results[1].dubbed_audio.resize(480);
  x.results[2].pts_ns = 1;
  x.results[0].sample_rate = 16000;
  problems = dubctl::protocol_problems(x);
  EXPECT_TRUE(has_problem(problems, "dubbed audio of s-0001 holds 240 frames, the input 480")) << listed(problems);
  EXPECT_TRUE(has_problem(problems, "answer to s-0002 does not copy the fragment")) << listed(problems);
  EXPECT_TRUE(has_problem(problems, "dubbed audio of s-0000 is 16000 Hz")) << listed(problems);

  x = good_exchange();
  x.results[2].sequence_number = 7;
  x.complete.reset();
  dub::sts::StsError e;
  e.code = "BACKPRESSURE";
  e.message = "too many";
  e.fragment_id = "s-0003";
  x.errors.push_back(e);
  x.lost = "connection to STS lost: closed";
  problems = dubctl::protocol_problems(x);
  EXPECT_TRUE(has_problem(problems, "sequence 7, which was never sent")) << listed(problems);
  EXPECT_TRUE(has_problem(problems, "no stream:complete")) << listed(problems);
  EXPECT_TRUE(has_problem(problems, "`error` BACKPRESSURE for s-0003: too many")) << listed(problems);
  EXPECT_TRUE(has_problem(problems, "connection to STS lost")) << listed(problems);
}

TEST(StsDrive, ReassemblesInSequenceOrder) {
  auto x = good_exchange();
  std::swap(x.results[0], x.results[2]);  // arrival order does not matter
  const auto pcm = dubctl::reassemble(x);
  ASSERT_EQ(pcm.size(), 3U * 480U);
  EXPECT_EQ(pcm[0], 0x1010);
  EXPECT_EQ(pcm[480], 0x2020);
  EXPECT_EQ(pcm[960], 0x3030);
}

TEST(StsDrive, ExpectationsPassAndReportFigures) {
  StsDriveStep::Expect expect;
  expect.fragments = 3;
  expect.transcript_contains = {"hello world", "AGAIN"};
  expect.translation_contains = {"hola mundo"};
  expect.min_inflight = 3;
  expect.max_processing = std::chrono::seconds(1);
  expect.max_wer = 0.0;
  expect.min_translation_coverage = 1.0;
  const nlohmann::json sidecar = {{"transcript", "hello world again"},
                                  {"expected_translation_es", {"hola", "mundo", "otra", "vez"}}};
  dubctl::Properties props;
  const auto problems = dubctl::expectation_problems(expect, good_exchange(), sidecar, props);
  EXPECT_TRUE(problems.empty()) << listed(problems);
  EXPECT_EQ(property(props, "sts_fragments_sent"), "3");
  EXPECT_EQ(property(props, "sts_status_success"), "3");
  EXPECT_EQ(property(props, "sts_status_failed"), "0");
  EXPECT_EQ(property(props, "sts_roundtrip_median_ms"), "200");
  EXPECT_EQ(property(props, "sts_roundtrip_max_ms"), "300");
  EXPECT_EQ(property(props, "sts_max_processing_ms"), "300");
  EXPECT_EQ(property(props, "sts_peak_inflight"), "3");
  EXPECT_EQ(property(props, "asr_wer"), "0.000");
  EXPECT_EQ(property(props, "translation_coverage"), "1.000");
  EXPECT_EQ(property(props, "sts_transcript"), "Hello world, again.");
}

TEST(StsDrive, UnmetExpectationsAreEachNamed) {
  auto x = good_exchange();
  x.results[1].status = "partial";
  x.results[1].error_code = "STAGE_FAILED";
  x.results[1].error_message = "tts failed";
  x.results[2].dubbed_audio = x.sent[2].audio;
  StsDriveStep::Expect expect;
  expect.fragments = 5;
  expect.transcript_contains = {"goodbye"};
  expect.translation_contains = {"adiós"};
  expect.min_inflight = 4;
  expect.max_processing = std::chrono::milliseconds(150);
  expect.max_wer = 0.1;
  const nlohmann::json sidecar = {{"transcript", "one two three"}};
  dubctl::Properties props;
  const auto problems = dubctl::expectation_problems(expect, x, sidecar, props);
  EXPECT_TRUE(has_problem(problems, "3 fragment(s) were cut from the fixture, expected 5")) << listed(problems);
  EXPECT_TRUE(has_problem(problems, "s-0001: status partial (expected success): STAGE_FAILED tts failed"))
      << listed(problems);
  EXPECT_TRUE(has_problem(problems, "s-0002: dubbed audio is identical to the input")) << listed(problems);
  EXPECT_TRUE(has_problem(problems, "the transcripts lack \"goodbye\"")) << listed(problems);
  EXPECT_TRUE(has_problem(problems, "the translations lack \"adiós\"")) << listed(problems);
  EXPECT_TRUE(has_problem(problems, "at most 3 fragment(s) in flight at once, expected 4")) << listed(problems);
  EXPECT_TRUE(has_problem(problems, "s-0001: processing took 200 ms (> 150 ms)")) << listed(problems);
  EXPECT_TRUE(has_problem(problems, "word error rate 100.0% > 10.0%")) << listed(problems);
  EXPECT_EQ(property(props, "sts_status_partial"), "1");
}

TEST(StsDrive, NoSpeechMeansEmptyTextsAndSilentAudio) {
  auto x = good_exchange();
  for (auto& r : x.results) {
    r.transcript.clear();
    r.translated_text.clear();
    r.dubbed_audio.assign(r.dubbed_audio.size(), 0);
  }
  StsDriveStep::Expect expect;
  expect.no_speech = true;
  expect.dubbed = false;
  dubctl::Properties props;
  auto problems = dubctl::expectation_problems(expect, x, nullptr, props);
  EXPECT_TRUE(problems.empty()) << listed(problems);
  EXPECT_EQ(property(props, "sts_dubbed_peak_dbfs"), "-inf");

  x.results[1].transcript = "you";
  x.results[2].dubbed_audio[0] = 0x00;
  x.results[2].dubbed_audio[1] = 0x10;  // 4096: -18 dBFS
  problems = dubctl::expectation_problems(expect, x, nullptr, props);
  EXPECT_TRUE(has_problem(problems, "s-0001: expected no speech, STS heard \"you\"")) << listed(problems);
  EXPECT_TRUE(has_problem(problems, "expected silent dubbed audio, its peak is -18.1 dBFS")) << listed(problems);
}

// `token:` is what the step (and `monitor:`) sends; without it the run's STS_AUTH_TOKEN; "" sends none.
TEST(StsDrive, TokenKey) {
  const auto s = dubctl::parse_scenario(R"(name: t
description: tokens
stacks: {sts: {}}
steps:
  - sts: {fixture: 6s-hello-world.mp4, token: "${sts.env.STS_AUTH_TOKEN}"}
  - sts: {fixture: 6s-hello-world.mp4, token: ""}
  - sts: {fixture: 6s-hello-world.mp4}
  - monitor: {token: "${sts.env.STS_AUTH_TOKEN}"}
  - monitor: {}
)",
                                        "scenarios/t.yaml");
  ASSERT_EQ(s.steps.size(), 5U);
  EXPECT_EQ(dubctl::step_as<StsDriveStep>(s.steps[0]).auth_token, "${sts.env.STS_AUTH_TOKEN}");
  EXPECT_EQ(dubctl::step_as<StsDriveStep>(s.steps[1]).auth_token, "");
  EXPECT_EQ(dubctl::step_as<StsDriveStep>(s.steps[2]).auth_token, "${STS_AUTH_TOKEN:-}");
  EXPECT_EQ(dubctl::step_as<dubctl::MonitorStep>(s.steps[3]).auth_token, "${sts.env.STS_AUTH_TOKEN}");
  EXPECT_EQ(dubctl::step_as<dubctl::MonitorStep>(s.steps[4]).auth_token, "${STS_AUTH_TOKEN:-}");
}

int free_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

// A wrong token, and none at all: refused on connect, and the step says which token the STS wants
// rather than suggesting the stack is down.
void expect_tokens_refused(StsDriveStep step, const fs::path& fixture, const fs::path& root,
                           const fs::path& artifacts) {
  step.fragment = std::chrono::seconds(6);
  step.concurrent = false;
  dubctl::Properties props;
  for (const std::string token : {"wrong-token", ""}) {
    step.auth_token = token;
    try {
      dubctl::drive_sts(step, fixture, root, artifacts, props);
      FAIL() << "token '" << token << "' was accepted";
    } catch (const dub::Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("(CONNECT_ERROR): UNAUTHORIZED"), std::string::npos) << msg;
      EXPECT_NE(msg.find("set the step's `token:`"), std::string::npos) << msg;
      EXPECT_EQ(msg.find("up: sts"), std::string::npos) << msg;
    }
  }
}

// The whole step against the real STS service (from source) in echo mode: the dubbed audio is
// the input, so the reassembled WAV must be the fixture's audio sample for sample.
TEST(StsDrive, DrivesTheRealServiceInEchoMode) {
  dub::test::StsEchoServer sts(free_port(), "s3cret");
  dubctl::wait_http(sts.url() + "/health", 200, "", std::chrono::seconds(60));
  const fs::path root = DUB_SOURCE_DIR;
  const auto artifacts = fs::temp_directory_path() / fmt::format("sts-drive-test-{}", ::getpid());
  const auto fixture = root / "fixtures/test_streams/6s-hello-world.mp4";

  StsDriveStep step;  // as the runner hands it over: expanded
  step.url = sts.url();
  step.stream = "drive-test";
  step.auth_token = "s3cret";
  step.fixture = fixture.string();
  step.fragment = std::chrono::seconds(2);
  step.concurrent = true;
  step.timeout = std::chrono::seconds(30);
  step.expect.fragments = 3;
  step.expect.dubbed = false;  // echo: the input comes back
  dubctl::Properties props;
  const auto summary = dubctl::drive_sts(step, fixture, root, artifacts, props);
  EXPECT_NE(summary.find("3 fragment(s) of 2.0s answered in order"), std::string::npos) << summary;
  EXPECT_EQ(property(props, "sts_mode"), "echo");
  EXPECT_EQ(property(props, "sts_status_success"), "3");
  EXPECT_GE(std::stoi(property(props, "sts_peak_inflight")), 1);

  // The reassembled stream is the fixture's 6 s (288000 frames), byte for byte.
  std::ifstream wav(artifacts / "drive-test-dubbed.wav", std::ios::binary);
  ASSERT_TRUE(wav) << "no reassembled WAV";
  std::vector<char> bytes((std::istreambuf_iterator<char>(wav)), std::istreambuf_iterator<char>());
  const auto pcm = dub::media::decode_audio(fixture.string(), 48000, 1, 6.0);
  ASSERT_EQ(pcm.frames(), 288'000U);
  ASSERT_EQ(bytes.size(), 44 + pcm.samples.size() * 2);
  EXPECT_EQ(std::memcmp(bytes.data() + 44, pcm.samples.data(), pcm.samples.size() * 2), 0);

  // One at a time works too; expecting a dub from the echo fails, naming every fragment.
  step.concurrent = false;
  step.stream = "drive-test-2";
  step.expect.dubbed = true;
  try {
    dubctl::drive_sts(step, fixture, root, artifacts, props);
    FAIL() << "an echo passed for a dub";
  } catch (const dub::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("drive-test-2-0002: dubbed audio is identical to the input"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("never answered"), std::string::npos) << msg;
  }

  // More fragments at once than the service allows in flight is refused before sending.
  step.fragment = std::chrono::seconds(1);
  step.concurrent = true;
  step.stream = "drive-test-3";
  try {
    dubctl::drive_sts(step, fixture, root, artifacts, props);
    FAIL() << "6 fragments at once were accepted with max_inflight 3";
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find("set MAX_INFLIGHT of the sts stack to at least 6"), std::string::npos)
        << e.what();
  }

  expect_tokens_refused(step, fixture, root, artifacts);

  // A dead service: a clear error naming the URL and what to do.
  step.url = "http://127.0.0.1:" + std::to_string(free_port());
  step.timeout = std::chrono::seconds(3);
  try {
    dubctl::drive_sts(step, fixture, root, artifacts, props);
    FAIL() << "no STS, no error";
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find(step.url), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("up: sts"), std::string::npos) << e.what();
  }
  fs::remove_all(artifacts);
}

}  // namespace
