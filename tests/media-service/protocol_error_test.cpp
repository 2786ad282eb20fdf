// FR-022 end to end in the media service: a live STS cannot be made to send a fragment:processed
// without its transcript or translation (that takes a test-only switch), so the worker runs the
// 6 s fixture through a real GStreamer pipeline and the real Socket.IO STS client against the
// minimal STS of tests/support/sio_test_server.py, which leaves the key out (--omit). The result
// must be a protocol error the service reports: the fragment keeps its original audio (API
// passthrough_reason, metric) and an error log line names the stream, the fragment and the key.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "../support/sio_test_server.hpp"
#include "dub/metrics/registry.hpp"
#include "dub/sts/socketio_client.hpp"
#include "media_metrics.hpp"
#include "worker.hpp"

namespace {

namespace fs = std::filesystem;
using dub::media_service::MediaMetrics;
using dub::media_service::Worker;
using dub::media_service::WorkerOptions;

struct Outcome {
  nlohmann::json status;  // GET /v1/streams/<name>
  std::string metrics;    // /metrics
  std::string log;        // everything the worker logged
};

Outcome run_against(const dub::test::SioTestServer& server, const fs::path& dir) {
  dub::metrics::Registry registry;
  auto metrics = std::make_shared<MediaMetrics>(registry);
  WorkerOptions o;
  o.name = "fr022";
  o.source = std::string(DUB_SOURCE_DIR) + "/fixtures/test_streams/6s-hello-world.mp4";
  o.sink = (dir / "out.flv").string();
  o.config.fragment_timeout = std::chrono::seconds(20);
  testing::internal::CaptureStderr();
  Outcome out;
  {
    Worker w(o, dub::sts::make_socketio_factory(dub::sts::SocketIoOptions{server.url(), "/socket.io", ""}), metrics);
    w.start();
    EXPECT_TRUE(w.wait(std::chrono::minutes(2))) << "worker did not finish";
    out.status = w.to_json();
  }
  out.log = testing::internal::GetCapturedStderr();
  out.metrics = registry.render();
  return out;
}

class MediaProtocolError : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dub-fr022-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  fs::path dir_;
};

// The control: the same minimal STS with nothing left out dubs every fragment.
TEST_F(MediaProtocolError, ACompleteResultIsDubbed) {
  const dub::test::SioTestServer server;
  const auto out = run_against(server, dir_);
  ASSERT_EQ(out.status["state"], "completed") << out.status.dump(2);
  ASSERT_FALSE(out.status["fragments"].empty());
  for (const auto& f : out.status["fragments"]) {
    EXPECT_EQ(f["state"], "dubbed") << f.dump();
    EXPECT_EQ(f["transcript"], "one two") << f.dump();
  }
  EXPECT_EQ(out.log.find("sts protocol error"), std::string::npos) << out.log;
}

TEST_F(MediaProtocolError, AResultWithoutTranscriptOrTranslationIsAReportedProtocolError) {
  for (const std::string key : {"transcript", "translated_text"}) {
    dub::test::ServerOptions options;
    options.omit = {key};
    const dub::test::SioTestServer server(options);
    const auto out = run_against(server, dir_);
    // The stream goes on: the worker completes, every fragment with its original audio.
    ASSERT_EQ(out.status["state"], "completed") << key << ": " << out.status.dump(2);
    ASSERT_FALSE(out.status["fragments"].empty()) << key;
    for (const auto& f : out.status["fragments"]) {
      EXPECT_EQ(f["state"], "passthrough") << key << ": " << f.dump();
      EXPECT_EQ(f["passthrough_reason"], "protocol_error") << key << ": " << f.dump();
      EXPECT_NE(f["error"].get<std::string>().find("missing '" + key + "'"), std::string::npos)
          << key << ": " << f.dump();
    }
    EXPECT_NE(out.metrics.find(R"(media_fragments_passthrough_total{stream="fr022",reason="protocol_error"})"),
              std::string::npos)
        << key << ": " << out.metrics;
    // One error line per bad result, naming the stream, the fragment and the missing key.
    bool logged = false;
    std::istringstream lines(out.log);
    for (std::string line; std::getline(lines, line);) {
      const auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_object() || j.value("msg", "") != "sts protocol error: undecodable fragment:processed") continue;
      EXPECT_EQ(j.value("level", ""), "error") << line;
      EXPECT_EQ(j.value("stream", ""), "fr022") << line;
      EXPECT_EQ(j["sequence_number"], 0) << line;
      EXPECT_NE(j.value("error", "").find("missing '" + key + "'"), std::string::npos) << line;
      logged = true;
      break;
    }
    EXPECT_TRUE(logged) << key << ": no error log line in:\n" << out.log;
  }
}

}  // namespace
