#include "dub/media/publish.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "dub/media/probe.hpp"
#include "dub/util/error.hpp"

namespace fs = std::filesystem;

namespace {

const std::string kFixture = std::string(DUB_SOURCE_DIR) + "/fixtures/test_streams/30s-english-speech.mp4";

dub::media::MediaInfo probe_counted(const std::string& path) {
  dub::media::ProbeOptions count;
  count.count_packets = true;
  return dub::media::probe(path, count);
}

class PublishTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dub-publish-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(PublishTest, RemuxesToFlvWithoutReencoding) {
  const auto out = (dir_ / "out.flv").string();
  dub::media::PublishOptions options;
  options.realtime = false;
  const auto result = dub::media::publish(kFixture, out, options);
  EXPECT_GT(result.packets, 750);  // 750 video frames + ~1400 AAC frames
  EXPECT_NEAR(result.media_s, 30.0, 0.1);
  const auto info = dub::media::probe(out);
  ASSERT_EQ(info.streams.size(), 2U);
  EXPECT_EQ(info.first(dub::media::StreamType::Video)->codec, "h264");
  EXPECT_EQ(info.first(dub::media::StreamType::Audio)->codec, "aac");
  EXPECT_NEAR(info.duration_s, 30.0, 0.1);
}

TEST_F(PublishTest, StopAfterCutsTheSource) {
  const auto out = (dir_ / "cut.flv").string();
  dub::media::PublishOptions options;
  options.realtime = false;
  options.stop_after_s = 10.0;
  dub::media::publish(kFixture, out, options);
  EXPECT_NEAR(dub::media::probe(out).duration_s, 10.0, 0.2);
}

TEST_F(PublishTest, RealtimePacingTakesMediaTime) {
  // 2 s of media must take at least ~2 s of wall time when paced (lower bound only: no flaky upper bound).
  dub::media::PublishOptions options;
  options.stop_after_s = 2.0;
  const auto result = dub::media::publish(kFixture, (dir_ / "rt.flv").string(), options);
  EXPECT_GE(result.wall_s, 1.8);
}

TEST_F(PublishTest, PacedFasterThanRealTime) {
  // speed 10: 6 s of media in about 0.6 s. The lower bound shows the pacing held (sleep_until never
  // wakes early); the upper one, far from 0.6 s, that it ran 10x rather than at media time.
  dub::media::PublishOptions options;
  options.speed = 10.0;
  options.stop_after_s = 6.0;
  const auto result = dub::media::publish(kFixture, (dir_ / "fast.flv").string(), options);
  EXPECT_NEAR(result.media_s, 6.0, 0.1);
  EXPECT_GE(result.wall_s, 0.55);
  EXPECT_LT(result.wall_s, 5.0);
}

// x264's B-frames leave in the order a live encoder sends them (live_order.hpp), which the muxer
// takes: every packet is written, each stream in decode order, nothing re-encoded.
TEST_F(PublishTest, BFrameSourceGoesOutWholeInLiveOrder) {
  const std::string bframes = std::string(DUB_SOURCE_DIR) + "/fixtures/test_streams/30s-x264-high-bframes.mp4";
  const auto out = (dir_ / "bframes.mp4").string();
  dub::media::PublishOptions options;
  options.realtime = false;
  const auto result = dub::media::publish(bframes, out, options);
  const auto in_info = probe_counted(bframes);
  const auto out_info = probe_counted(out);
  const auto* video = out_info.first(dub::media::StreamType::Video);
  ASSERT_NE(video, nullptr);
  EXPECT_EQ(video->packets, in_info.first(dub::media::StreamType::Video)->packets);
  EXPECT_EQ(out_info.first(dub::media::StreamType::Audio)->packets,
            in_info.first(dub::media::StreamType::Audio)->packets);
  EXPECT_GT(video->has_b_frames, 0);
  EXPECT_NEAR(out_info.duration_s, in_info.duration_s, 0.1);
  EXPECT_NEAR(result.media_s, 30.0, 0.1);
}

// A broadcast encoder's MPEG-TS: AAC behind ADTS headers, no AudioSpecificConfig. FLV (and RTSP's
// SDP) need the config: before, writing the header failed ("Invalid data found when processing
// input"). Every packet goes out and the sound decodes as 48 kHz mono AAC.
TEST_F(PublishTest, MpegTsWithAdtsAacGoesOutWithItsConfig) {
  const std::string ts = std::string(DUB_SOURCE_DIR) + "/fixtures/test_streams/30s-start-10h.ts";
  const auto out = (dir_ / "ts.flv").string();
  dub::media::PublishOptions options;
  options.realtime = false;
  ASSERT_NO_THROW(dub::media::publish(ts, out, options));
  const auto in_info = probe_counted(ts);
  const auto out_info = probe_counted(out);
  const auto* audio = out_info.first(dub::media::StreamType::Audio);
  ASSERT_NE(audio, nullptr);
  EXPECT_EQ(audio->codec, "aac");
  EXPECT_EQ(audio->sample_rate, 48000);
  EXPECT_EQ(audio->channels, 1);
  EXPECT_EQ(audio->packets, in_info.first(dub::media::StreamType::Audio)->packets);
  EXPECT_NEAR(out_info.span_s(), 30.0, 0.1);
}

TEST_F(PublishTest, RecordCopiesAFileSource) {
  const auto out = (dir_ / "rec.mp4").string();
  const auto result = dub::media::record(kFixture, out);
  EXPECT_TRUE(result.ended_by_eof);
  EXPECT_NEAR(dub::media::probe(out).duration_s, 30.0, 0.1);
}

TEST_F(PublishTest, MissingFixtureAndDeadServerGiveClearErrors) {
  try {
    dub::media::publish("/nonexistent/x.mp4", (dir_ / "x.flv").string());
    FAIL();
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find("fixture not found: /nonexistent/x.mp4"), std::string::npos) << e.what();
  }
  dub::media::PublishOptions options;
  options.timeout_s = 3;
  try {
    dub::media::publish(kFixture, "rtsp://127.0.0.1:1/live/x/in", options);
    FAIL();
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find("rtsp://127.0.0.1:1/live/x/in"), std::string::npos) << e.what();
  }
}

}  // namespace
