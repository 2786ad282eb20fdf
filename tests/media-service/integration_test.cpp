// The Worker end to end without a network: the 30 s fixture file goes through a real GStreamer
// pipeline, the segmenter, the in-process echo STS and the FLV remux into a temp file, which is
// then checked with libav (probe + packet-timestamp drift analysis).
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dub/media/drift.hpp"
#include "dub/media/probe.hpp"
#include "dub/metrics/registry.hpp"
#include "echo_sts_client.hpp"
#include "media_metrics.hpp"
#include "worker.hpp"

namespace {

namespace fs = std::filesystem;
using namespace dub::media_service;
using dub::sts::StsClientFactory;

std::string fixture(const std::string& name) {
  return std::string(DUB_SOURCE_DIR) + "/fixtures/test_streams/" + name;
}

class MediaWorker : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }

  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dub-media-it-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    metrics_ = std::make_shared<MediaMetrics>(registry_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }

  WorkerOptions options(const std::string& source) {
    WorkerOptions o;
    o.name = "it";
    o.source = fixture(source);
    o.sink = (dir_ / "out.flv").string();
    o.config.sts_backoff_initial = std::chrono::milliseconds(10);
    return o;
  }

  // Runs the worker to the end (the bound only keeps a broken build from hanging the suite).
  nlohmann::json run(const WorkerOptions& o, StsClientFactory factory) {
    Worker w(o, std::move(factory), metrics_);
    w.start();
    EXPECT_TRUE(w.wait(std::chrono::minutes(3))) << "worker did not finish";
    return w.to_json();
  }

  fs::path dir_;
  dub::metrics::Registry registry_;
  std::shared_ptr<MediaMetrics> metrics_;
};

TEST_F(MediaWorker, EchoPathKeepsDurationStreamsAndSync) {
  auto stats = std::make_shared<EchoStats>();
  auto o = options("30s-english-speech.mp4");
  o.config.segment_dir = (dir_ / "segments").string();
  const auto status = run(o, make_echo_factory(EchoOptions{}, stats));
  ASSERT_EQ(status["state"], "completed") << status.dump(2);
  EXPECT_EQ(stats->fragments.load(), 5);
  ASSERT_EQ(status["fragments"].size(), 5U);
  std::int64_t total_ns = 0;
  std::int64_t expected_pts = status["fragments"][0]["pts_ns"];
  for (const auto& f : status["fragments"]) {
    EXPECT_EQ(f["state"], "dubbed") << f.dump();
    EXPECT_TRUE(f["published"].get<bool>());
    if (f["sequence_number"] != 4) {
      EXPECT_EQ(f["duration_ns"], 6'000'000'000);
    }
    EXPECT_EQ(f["pts_ns"], expected_pts);  // back to back: no gap, no overlap
    expected_pts += f["duration_ns"].get<std::int64_t>();
    total_ns += f["duration_ns"].get<std::int64_t>();
    EXPECT_FALSE(f["latency_ms"].is_null());
  }
  // Every decoded sample goes out exactly once (the decoder yields 30 s minus AAC edit-list trimming).
  const auto frames_in = status["segmenter"]["frames_in"].get<std::int64_t>();
  EXPECT_EQ(status["segmenter"]["frames_out"], frames_in);
  EXPECT_NEAR(static_cast<double>(frames_in), 1'440'000.0, 2048.0);
  EXPECT_EQ(total_ns, (frames_in * 1'000'000'000 + 24'000) / 48'000);
  EXPECT_EQ(status["segmenter"]["frames_filled"], 0);
  EXPECT_EQ(status["segmenter"]["frames_dropped"], 0);
  EXPECT_EQ(status["video"]["units_published"], 750);

  const auto out = (dir_ / "out.flv").string();
  const auto info = dub::media::probe(out);
  ASSERT_NE(info.first(dub::media::StreamType::Video), nullptr);
  ASSERT_NE(info.first(dub::media::StreamType::Audio), nullptr);
  EXPECT_EQ(info.first(dub::media::StreamType::Video)->codec, "h264");
  EXPECT_EQ(info.first(dub::media::StreamType::Audio)->codec, "aac");
  EXPECT_EQ(info.first(dub::media::StreamType::Audio)->sample_rate, 48000);

  const auto drift = dub::media::analyze_drift(out);
  std::cout << "output: duration " << drift.duration_s << " s (audio " << drift.audio.start_s << ".."
            << drift.audio.end_s << ", video " << drift.video.start_s << ".." << drift.video.end_s
            << "), max |A/V drift| " << drift.max_abs_drift_s * 1000 << " ms, mean " << drift.mean_abs_drift_s * 1000
            << " ms, audio max offset " << drift.audio.max_abs_offset_s * 1000 << " ms, audio max gap "
            << drift.audio.max_gap_s * 1000 << " ms\n";
  EXPECT_NEAR(drift.duration_s, 30.0, 0.5);
  // What a viewer sees: each counted word against the picture's marker (echo = original speech).
  const auto marks = dub::media::analyze_marker_sync(out);
  std::cout << "content sync: " << marks.pairs.size() << " marker pairs, mean A-V " << marks.mean_offset_s * 1000
            << " ms, max |A-V| " << marks.max_abs_offset_s * 1000 << " ms\n";
  EXPECT_GE(marks.pairs.size(), 25U);
  EXPECT_LT(std::abs(marks.mean_offset_s), 0.010);
  EXPECT_LT(marks.max_abs_offset_s, 0.040);
  EXPECT_NEAR(drift.audio.duration_s, 30.0, 0.5);
  EXPECT_NEAR(drift.video.duration_s, 30.0, 0.5);
  EXPECT_EQ(drift.video.packets, 750U);
  EXPECT_LT(drift.max_abs_drift_s, 0.120);
  EXPECT_LT(drift.max_abs_drift_s, 0.040);  // under one video frame at 25 fps
  EXPECT_LT(std::abs(drift.start_offset_s), 0.040);
  // Fragment dumps for debugging.
  EXPECT_TRUE(fs::exists(dir_ / "segments" / "it" / "000004-out.wav"));
  EXPECT_TRUE(fs::exists(dir_ / "segments" / "it" / "000000-in.wav"));
  // Metrics.
  const auto text = registry_.render();
  EXPECT_NE(text.find("media_fragments_sent_total{stream=\"it\"} 5"), std::string::npos) << text;
  EXPECT_NE(text.find("media_fragments_processed_total{stream=\"it\",status=\"success\"} 5"), std::string::npos);
  EXPECT_NE(text.find("media_fragment_roundtrip_seconds_count{stream=\"it\"} 5"), std::string::npos);
  EXPECT_NE(text.find("media_active_workers 0"), std::string::npos);
}

TEST_F(MediaWorker, TimeoutAndFailureBecomePassthroughAndTheStreamGoesOn) {
  EchoOptions echo;
  echo.drop = {1};  // never answered: times out
  echo.fail = {3};  // answered "failed"
  auto o = options("30s-english-speech.mp4");
  o.config.fragment_timeout = std::chrono::milliseconds(1500);
  const auto status = run(o, make_echo_factory(echo));
  ASSERT_EQ(status["state"], "completed") << status.dump(2);
  const auto& f = status["fragments"];
  ASSERT_EQ(f.size(), 5U);
  EXPECT_EQ(f[0]["state"], "dubbed");
  EXPECT_EQ(f[1]["state"], "passthrough");
  EXPECT_EQ(f[1]["passthrough_reason"], "timeout");
  EXPECT_EQ(f[2]["state"], "dubbed");
  EXPECT_EQ(f[3]["state"], "passthrough");
  EXPECT_EQ(f[3]["passthrough_reason"], "failed");
  EXPECT_EQ(f[4]["state"], "dubbed");
  const auto text = registry_.render();
  EXPECT_NE(text.find("media_fragments_passthrough_total{stream=\"it\",reason=\"timeout\"} 1"), std::string::npos);
  EXPECT_NE(text.find("media_fragments_passthrough_total{stream=\"it\",reason=\"failed\"} 1"), std::string::npos);
  const auto drift = dub::media::analyze_drift((dir_ / "out.flv").string());
  EXPECT_NEAR(drift.duration_s, 30.0, 0.5);
  EXPECT_LT(drift.max_abs_drift_s, 0.120);
}

TEST_F(MediaWorker, NoAudioTrackFailsWithTheDocumentedError) {
  const auto status = run(options("30s-no-audio.mp4"), make_echo_factory(EchoOptions{}));
  EXPECT_EQ(status["state"], "failed");
  EXPECT_EQ(status["error"], "audio track required for dubbing");
}

TEST_F(MediaWorker, StsConnectRetriesThenSucceeds) {
  EchoOptions echo;
  echo.fail_opens = 2;
  auto stats = std::make_shared<EchoStats>();
  const auto status = run(options("6s-hello-world.mp4"), make_echo_factory(echo, stats));
  EXPECT_EQ(status["state"], "completed") << status.dump(2);
  EXPECT_EQ(stats->opens.load(), 3);
  EXPECT_EQ(status["sts"]["open_attempts"], 3);
}

TEST_F(MediaWorker, StsUnreachableFailsAfterThreeRetries) {
  EchoOptions echo;
  echo.fail_opens = 100;
  auto stats = std::make_shared<EchoStats>();
  const auto status = run(options("6s-hello-world.mp4"), make_echo_factory(echo, stats));
  EXPECT_EQ(status["state"], "failed");
  EXPECT_EQ(stats->opens.load(), 4);
  EXPECT_NE(status["error"].get<std::string>().find("connecting to the STS service failed after 4 attempts"),
            std::string::npos)
      << status["error"];
}

// The STS goes away mid-stream and stays away: the program stays on air. Fragments in flight pass
// through (disconnected), the following ones at once (sts_unavailable), the worker completes.
TEST_F(MediaWorker, StsLostMidStreamKeepsTheProgramOnAir) {
  EchoOptions echo;
  echo.disconnect_at = 2;  // the connection drops when fragment 2 arrives; later sends fail
  auto first = make_echo_factory(echo);
  EchoOptions down;
  down.fail_opens = 1000;  // and every reconnection is refused
  auto refused_stats = std::make_shared<EchoStats>();
  auto refused = make_echo_factory(down, refused_stats);
  std::atomic<int> made{0};
  auto o = options("30s-english-speech.mp4");
  o.config.sts_reconnect_max_backoff = std::chrono::milliseconds(20);
  const auto status = run(o, [&]() { return made++ == 0 ? first() : refused(); });
  ASSERT_EQ(status["state"], "completed") << status.dump(2);
  const auto& f = status["fragments"];
  ASSERT_EQ(f.size(), 5U);
  EXPECT_EQ(f[0]["state"], "dubbed");
  // Fragment 1's answer and the failed send of fragment 3 race (the echo answers on its own thread):
  // answered first it is dubbed; if the send fails first the connection is lost with 1 in flight,
  // and its answer from the dead connection is ignored. Either way it is published, never lost.
  EXPECT_TRUE(f[1]["state"] == "dubbed" || f[1]["passthrough_reason"] == "disconnected") << f[1].dump();
  EXPECT_TRUE(f[1]["published"].get<bool>());
  EXPECT_EQ(f[2]["passthrough_reason"], "disconnected");
  for (int i = 3; i < 5; ++i) {
    EXPECT_EQ(f[i]["state"], "passthrough") << f[i].dump();
    EXPECT_EQ(f[i]["passthrough_reason"], "sts_unavailable") << f[i].dump();
    EXPECT_TRUE(f[i]["published"].get<bool>());
  }
  EXPECT_GE(refused_stats->opens.load(), 1);  // it kept trying in the background
  EXPECT_EQ(status["sts"]["reconnections"], 0);
  const auto text = registry_.render();
  EXPECT_NE(text.find("media_fragments_passthrough_total{stream=\"it\",reason=\"sts_unavailable\"} 2"),
            std::string::npos)
      << text;
  const auto drift = dub::media::analyze_drift((dir_ / "out.flv").string());
  EXPECT_NEAR(drift.duration_s, 30.0, 0.5);
  EXPECT_LT(drift.max_abs_drift_s, 0.120);
}

// The STS comes back while the (real-time) program goes on: dubbing resumes on a new connection.
// The first reconnection hangs until a fragment has passed through as sts_unavailable, which also
// shows that a hanging attempt does not hold up the worker.
TEST_F(MediaWorker, StsBackMidStreamDubsAgain) {
  EchoOptions echo;
  echo.disconnect_at = 1;
  auto first = make_echo_factory(echo);
  auto back = make_echo_factory(EchoOptions{});
  std::mutex gate_mutex;
  std::condition_variable gate_cv;
  bool gate_open = false;
  auto open_gate = [&] {
    {
      const std::lock_guard lock(gate_mutex);
      gate_open = true;
    }
    gate_cv.notify_all();
  };
  std::atomic<int> made{0};
  auto factory = [&]() {
    if (made++ == 0) return first();
    std::unique_lock lock(gate_mutex);
    gate_cv.wait(lock, [&] { return gate_open; });
    return back();
  };
  auto o = options("6s-hello-world.mp4");
  o.config.segment_duration = std::chrono::seconds(1);
  o.pace_input = true;
  Worker w(o, factory, metrics_);
  w.start();
  const auto unavailable = [](const nlohmann::json& status) {
    const auto& fs = status["fragments"];
    return std::any_of(fs.begin(), fs.end(),
                       [](const auto& f) { return f["passthrough_reason"] == "sts_unavailable"; });
  };
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!unavailable(w.to_json()) && !w.finished() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  open_gate();
  ASSERT_TRUE(w.wait(std::chrono::minutes(1)));
  const auto status = w.to_json();
  ASSERT_EQ(status["state"], "completed") << status.dump(2);
  std::vector<std::string> seen;
  for (const auto& f : status["fragments"]) {
    seen.push_back(f["passthrough_reason"].is_null() ? f["state"].get<std::string>()
                                                     : f["passthrough_reason"].get<std::string>());
  }
  ASSERT_GE(seen.size(), 5U) << status.dump(2);
  EXPECT_EQ(seen[0], "dubbed");
  EXPECT_EQ(seen[1], "disconnected");
  EXPECT_EQ(seen[2], "sts_unavailable");
  EXPECT_EQ(seen.back(), "dubbed") << status.dump(2);
  EXPECT_EQ(seen[seen.size() - 2], "dubbed") << status.dump(2);
  EXPECT_EQ(status["sts"]["reconnections"], 1);
  EXPECT_EQ(status["sts"]["link"], "closed");
}

TEST_F(MediaWorker, MissingSourceFileIsAClearError) {
  const auto status = run(options("does-not-exist.mp4"), make_echo_factory(EchoOptions{}));
  EXPECT_EQ(status["state"], "failed");
  EXPECT_NE(status["error"].get<std::string>().find("does-not-exist.mp4 does not exist"), std::string::npos);
}

}  // namespace
