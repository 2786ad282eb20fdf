// The media service's HTTP API over real sockets, with the in-process echo STS and file sources.
#include "service.hpp"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

#include "dub/http/client.hpp"
#include "dub/http/server.hpp"
#include "dub/media/drift.hpp"
#include "dub/media/remux.hpp"
#include "echo_sts_client.hpp"
#include "worker.hpp"

namespace {

namespace fs = std::filesystem;
using dub::media_service::Service;
using dub::media_service::ServiceConfig;

std::string fixture(const std::string& name) {
  return std::string(DUB_SOURCE_DIR) + "/fixtures/test_streams/" + name;
}

class MediaService : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dub-media-svc-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    ServiceConfig c;
    c.host = "127.0.0.1";
    c.port = 0;
    c.sts_mode = "echo";
    c.sts_health_interval = std::chrono::milliseconds(200);
    service_ = std::make_unique<Service>(c, dub::media_service::make_echo_factory({}));
    service_->start();
    base_ = "http://127.0.0.1:" + std::to_string(service_->port());
  }
  void TearDown() override {
    service_->stop();
    fs::remove_all(dir_);
  }

  // Polls a stream until it leaves the running states (bounded so a bug cannot hang the suite).
  nlohmann::json wait_finished(const std::string& name) {
    nlohmann::json j;
    for (int i = 0; i < 600; ++i) {
      j = dub::http::get(base_ + "/v1/streams/" + name).json();
      const auto s = j["state"].get<std::string>();
      if (s == "completed" || s == "failed" || s == "stopped") return j;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "stream " << name << " did not finish: " << j.dump();
    return j;
  }

  // Polls a stream until its segmenter has read `frames` (bounded like wait_finished).
  void wait_reading(const std::string& name, std::uint64_t frames) {
    for (int i = 0; i < 300; ++i) {
      const auto s = dub::http::get(base_ + "/v1/streams/" + name).json();
      if (s["segmenter"]["frames_in"].get<std::uint64_t>() >= frames) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "stream " << name << " did not read " << frames << " frames";
  }

  fs::path dir_;
  std::unique_ptr<Service> service_;
  std::string base_;
};

TEST_F(MediaService, HealthIsOkWithVersionAndStsField) {
  const auto r = dub::http::get(base_ + "/health");
  ASSERT_EQ(r.status, 200);
  const auto j = r.json();
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["version"], DUB_VERSION);
  EXPECT_EQ(j["active_workers"], 0);
  EXPECT_TRUE(j.contains("sts"));
  EXPECT_EQ(j["sts"]["mode"], "echo");
}

TEST_F(MediaService, StreamLifecycleThroughTheApi) {
  const auto out = (dir_ / "a.flv").string();
  auto r = dub::http::post_json(base_ + "/v1/streams",
                                {{"name", "a"}, {"source", fixture("30s-english-speech.mp4")}, {"output", out}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["name"], "a");
  const auto j = wait_finished("a");
  EXPECT_EQ(j["state"], "completed") << j.dump(2);
  ASSERT_EQ(j["fragments"].size(), 5U);
  for (const auto& f : j["fragments"]) {
    EXPECT_EQ(f["state"], "dubbed");
    EXPECT_EQ(f["status"], "success");
    EXPECT_TRUE(f.contains("transcript"));
    EXPECT_TRUE(f.contains("translated_text"));
    EXPECT_TRUE(f.contains("latency_ms"));
    EXPECT_TRUE(f.contains("sequence_number"));
  }
  EXPECT_TRUE(fs::exists(out));
  // When the worker read its first packet (US1-1): ISO 8601 UTC, same format as started_at, between
  // its start and its end.
  ASSERT_TRUE(j["input_at"].is_string()) << j.dump(2);
  const auto input_at = j["input_at"].get<std::string>();
  EXPECT_EQ(input_at.size(), j["started_at"].get<std::string>().size());
  EXPECT_GE(input_at, j["started_at"].get<std::string>());
  EXPECT_LE(input_at, j["ended_at"].get<std::string>());
  // Where its sound and its picture started in the source's time: together, for a file read whole.
  ASSERT_TRUE(j["input_start"]["audio_s"].is_number()) << j.dump(2);
  ASSERT_TRUE(j["input_start"]["video_s"].is_number()) << j.dump(2);
  EXPECT_NEAR(j["input_start"]["audio_s"].get<double>(), j["input_start"]["video_s"].get<double>(), 0.05);
  // Listing, metrics.
  const auto list = dub::http::get(base_ + "/v1/streams").json();
  ASSERT_EQ(list["streams"].size(), 1U);
  const auto m = dub::http::get(base_ + "/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(m.headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(m.body.find("media_fragments_sent_total{stream=\"a\"} 5"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("media_active_workers 0"), std::string::npos);
  EXPECT_NE(m.body.find("media_workers_total{result=\"completed\"} 1"), std::string::npos);
  // A finished stream can be started again.
  r = dub::http::post_json(base_ + "/v1/streams",
                           {{"name", "a"}, {"source", fixture("6s-hello-world.mp4")}, {"output", out}});
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(wait_finished("a")["state"], "completed");
}

TEST_F(MediaService, DuplicateStopAndErrors) {
  const auto out = (dir_ / "b.flv").string();
  // Paced input: the worker runs for the fixture's real duration, long enough to see it running.
  auto r = dub::http::post_json(
      base_ + "/v1/streams?x=1",
      {{"path", "live/b/in"}, {"source", fixture("30s-english-speech.mp4")}, {"output", out}, {"pace_input", true}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["name"], "b");
  r = dub::http::post_json(base_ + "/v1/streams", {{"name", "b"}});
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(dub::http::get(base_ + "/health").json()["active_workers"], 1);
  wait_reading("b", 96000U);  // stop once a couple of seconds of media have arrived
  r = dub::http::del(base_ + "/v1/streams/b");
  EXPECT_TRUE(r.status == 202 || r.status == 200) << r.body;
  const auto j = wait_finished("b");
  EXPECT_EQ(j["state"], "stopped") << j.dump(2);
  // What was received is flushed as a last (short) fragment and the output is closed cleanly.
  ASSERT_EQ(j["fragments"].size(), 1U);
  EXPECT_EQ(j["fragments"][0]["state"], "dubbed");
  const auto drift = dub::media::analyze_drift(out);
  EXPECT_GT(drift.duration_s, 1.9);
  EXPECT_TRUE(drift.audio.present);
  EXPECT_TRUE(drift.video.present);
  EXPECT_LT(drift.max_abs_drift_s, 0.120);

  EXPECT_EQ(dub::http::get(base_ + "/v1/streams/nope").status, 404);
  EXPECT_EQ(dub::http::del(base_ + "/v1/streams/nope").status, 404);
  EXPECT_EQ(dub::http::post_json(base_ + "/v1/streams", {{"name", "../etc"}}).status, 400);
  EXPECT_EQ(dub::http::post_json(base_ + "/v1/streams", {{"nom", "x"}}).status, 400);
  EXPECT_EQ(dub::http::request("POST", base_ + "/v1/streams", "{", std::chrono::seconds(2)).status, 400);
}

// MediaMTX's runOnNotReady says the source ended: not a stop. The input keeps reading what is on its
// way (here a paced file that has not ended: until the grace runs out), and the worker ends
// `completed`, with all of it dubbed and published (it was `stopped` when that word raced the input's
// own end and won).
TEST_F(MediaService, WordThatTheSourceEndedIsNotAStop) {
  const auto out = (dir_ / "e.flv").string();
  auto r = dub::http::post_json(
      base_ + "/v1/streams",
      {{"name", "e"}, {"source", fixture("30s-english-speech.mp4")}, {"output", out}, {"pace_input", true}});
  ASSERT_EQ(r.status, 201) << r.body;
  wait_reading("e", 96000U);
  const auto word_at = std::chrono::steady_clock::now();
  r = dub::http::del(base_ + "/v1/streams/e?source_ended=true");
  EXPECT_EQ(r.status, 202) << r.body;
  const auto j = wait_finished("e");
  const auto waited = std::chrono::steady_clock::now() - word_at;
  EXPECT_EQ(j["state"], "completed") << j.dump(2);
  EXPECT_NE(j["end_reason"].get<std::string>().find("the source ended"), std::string::npos) << j.dump(2);
  // Finished when the grace ran out (the paced file never ends by itself here), not at the word: the
  // input was not stopped in between.
  EXPECT_GE(waited, dub::media_service::kSourceEndGrace);
  ASSERT_EQ(j["fragments"].size(), 1U) << j.dump(2);
  EXPECT_EQ(j["fragments"][0]["state"], "dubbed");
  EXPECT_TRUE(j["fragments"][0]["published"].get<bool>()) << j.dump(2);
}

// A file the way x264 writes it by default (High profile, B-frames): its first packet is video, so
// a sink that waits to preroll held the demuxer's one thread and the audio never came (the worker
// hung at "running"). Read whole, and the B-frames' presentation order is passed through.
TEST_F(MediaService, FileWithBFramesIsRead) {
  const auto source = (dir_ / "bframes.mp4").string();
  const auto encode = fmt::format(
      "ffmpeg -v error -nostdin -y -i '{}' -c:v libx264 -profile:v high -bf 3 -g 50 -threads 1 -c:a copy "
      "-fflags +bitexact -map_metadata -1 '{}'",
      fixture("6s-hello-world.mp4"), source);
  ASSERT_EQ(std::system(encode.c_str()), 0) << "ffmpeg with libx264 is needed (scripts/bootstrap): " << encode;
  const auto out = (dir_ / "f.flv").string();
  auto r = dub::http::post_json(base_ + "/v1/streams", {{"name", "f"}, {"source", source}, {"output", out}});
  ASSERT_EQ(r.status, 201) << r.body;
  const auto j = wait_finished("f");
  ASSERT_EQ(j["state"], "completed") << j.dump(2);
  ASSERT_EQ(j["fragments"].size(), 1U) << j.dump(2);
  EXPECT_EQ(j["fragments"][0]["state"], "dubbed");
  std::vector<double> pts;
  for (const auto& p : dub::media::list_packets(out)) {
    if (p.video) pts.push_back(p.pts_s);
  }
  EXPECT_EQ(pts.size(), 150U);
  EXPECT_EQ(std::set<double>(pts.begin(), pts.end()).size(), pts.size()) << "frames sharing a presentation time";
  EXPECT_FALSE(std::is_sorted(pts.begin(), pts.end())) << "B-frames' presentation order lost";
}

TEST_F(MediaService, NoAudioIsReportedThroughTheApi) {
  auto r = dub::http::post_json(
      base_ + "/v1/streams",
      {{"name", "c"}, {"source", fixture("30s-no-audio.mp4")}, {"output", (dir_ / "c.flv").string()}});
  ASSERT_EQ(r.status, 201);
  const auto j = wait_finished("c");
  EXPECT_EQ(j["state"], "failed");
  EXPECT_EQ(j["error"], "audio track required for dubbing");
}

TEST(MediaServiceNames, PathsAndNames) {
  EXPECT_EQ(Service::stream_name("live/test/in"), "test");
  EXPECT_EQ(Service::stream_name("/live/a/b/in"), "a/b");
  EXPECT_EQ(Service::stream_name("test"), "test");
  EXPECT_THROW(Service::stream_name(""), dub::http::HttpError);
  EXPECT_THROW(Service::stream_name("a b"), dub::http::HttpError);
  EXPECT_THROW(Service::stream_name("a/../b"), dub::http::HttpError);
}

}  // namespace
