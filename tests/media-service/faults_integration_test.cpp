// Each MEDIA_FAULT_* switch really breaks the Worker's output, and only what it says: the 6 s
// fixture file through the real GStreamer pipelines and the in-process echo into an FLV file,
// measured with libav as dubctl measures MediaMTX's recording. The control run is the same
// without a fault.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "dub/media/drift.hpp"
#include "dub/media/probe.hpp"
#include "dub/metrics/registry.hpp"
#include "echo_sts_client.hpp"
#include "media_metrics.hpp"
#include "worker.hpp"

namespace {

namespace fs = std::filesystem;
using namespace dub::media_service;
using namespace std::chrono_literals;

class FaultedWorker : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }

  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dub-media-faults-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    metrics_ = std::make_shared<MediaMetrics>(registry_);
    options_.name = "fault";
    options_.source = std::string(DUB_SOURCE_DIR) + "/fixtures/test_streams/6s-hello-world.mp4";
    options_.sink = out();
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }

  [[nodiscard]] std::string out() const { return (dir_ / "out.flv").string(); }

  nlohmann::json run() {
    stats_ = std::make_shared<EchoStats>();
    Worker w(options_, make_echo_factory(EchoOptions{}, stats_), metrics_);
    w.start();
    EXPECT_TRUE(w.wait(std::chrono::minutes(2))) << "worker did not finish";
    return w.to_json();
  }

  fs::path dir_;
  dub::metrics::Registry registry_;
  std::shared_ptr<MediaMetrics> metrics_;
  std::shared_ptr<EchoStats> stats_;
  WorkerOptions options_;
};

TEST_F(FaultedWorker, WithoutAFaultTheOutputIsWholeAacAndInSync) {
  const auto status = run();
  ASSERT_EQ(status["state"], "completed") << status.dump(2);
  const auto info = dub::media::probe(out());
  ASSERT_NE(info.first(dub::media::StreamType::Audio), nullptr);
  EXPECT_EQ(info.first(dub::media::StreamType::Audio)->codec, "aac");
  const auto drift = dub::media::analyze_drift(out());
  EXPECT_NEAR(drift.duration_s, 6.0, 0.5);
  EXPECT_LT(drift.max_abs_drift_s, 0.120);
  for (const auto& f : status["fragments"]) EXPECT_EQ(f["state"], "dubbed") << f.dump();
}

TEST_F(FaultedWorker, TheCodecFaultPublishesMp3) {
  options_.config.faults.audio_codec = "mp3";
  const auto status = run();
  ASSERT_EQ(status["state"], "completed") << status.dump(2);
  EXPECT_EQ(status["audio"]["encoder"], "lamemp3enc");
  const auto info = dub::media::probe(out());
  ASSERT_NE(info.first(dub::media::StreamType::Audio), nullptr);
  EXPECT_EQ(info.first(dub::media::StreamType::Audio)->codec, "mp3");
  EXPECT_EQ(info.first(dub::media::StreamType::Video)->codec, "h264");
}

TEST_F(FaultedWorker, TheShiftFaultPutsTheAudioLateByThatMuch) {
  options_.config.faults.audio_shift = 200ms;
  const auto status = run();
  ASSERT_EQ(status["state"], "completed") << status.dump(2);
  const auto drift = dub::media::analyze_drift(out());
  EXPECT_NEAR(drift.start_offset_s, 0.200, 0.040);
  EXPECT_GT(drift.max_abs_drift_s, 0.160);
  EXPECT_NEAR(drift.duration_s, 6.2, 0.5);
}

TEST_F(FaultedWorker, TheOutputLimitFaultEndsTheOutputThere) {
  options_.config.faults.output_limit = 3000ms;
  const auto status = run();
  ASSERT_EQ(status["state"], "completed") << status.dump(2);
  const auto drift = dub::media::analyze_drift(out());
  EXPECT_NEAR(drift.audio.duration_s, 3.0, 0.1);
  EXPECT_NEAR(drift.video.duration_s, 3.0, 0.1);
  EXPECT_LT(drift.max_abs_drift_s, 0.120);  // what is left is still in sync
}

TEST_F(FaultedWorker, TheDroppedFragmentNeverReachesTheStsAndPassesThroughOnTimeout) {
  options_.config.faults.drop_fragment = 0;
  options_.config.fragment_timeout = 500ms;
  const auto status = run();
  ASSERT_EQ(status["state"], "completed") << status.dump(2);
  ASSERT_GE(status["fragments"].size(), 1U);
  const auto& first = status["fragments"][0];
  EXPECT_EQ(first["state"], "passthrough") << first.dump();
  EXPECT_EQ(first["passthrough_reason"], "timeout") << first.dump();
  EXPECT_TRUE(first["published"].get<bool>());
  EXPECT_EQ(stats_->fragments.load(), static_cast<int>(status["fragments"].size()) - 1);  // the echo never saw it
  EXPECT_NEAR(dub::media::analyze_drift(out()).duration_s, 6.0, 0.5);                     // the program is still whole
}

}  // namespace
