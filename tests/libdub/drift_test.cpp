// libdub's A/V timing analysis on the fixtures (reference values for the service's own outputs).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "dub/media/drift.hpp"
#include "dub/media/remux.hpp"
#include "dub/util/error.hpp"

namespace {

std::string fixture(const std::string& name) {
  return std::string(DUB_SOURCE_DIR) + "/fixtures/test_streams/" + name;
}

TEST(MediaDrift, FixtureTimestampsAreInSync) {
  const auto r = dub::media::analyze_drift(fixture("30s-english-speech.mp4"));
  EXPECT_TRUE(r.audio.present);
  EXPECT_TRUE(r.video.present);
  EXPECT_EQ(r.video.codec, "h264");
  EXPECT_EQ(r.audio.codec, "aac");
  EXPECT_EQ(r.video.packets, 750U);
  EXPECT_NEAR(r.duration_s, 30.0, 0.05);
  EXPECT_LT(r.max_abs_drift_s, 0.005);
  EXPECT_FALSE(r.series.empty());
}

TEST(MediaDrift, FixtureMarkersLineUpWithTheWords) {
  const auto m = dub::media::analyze_marker_sync(fixture("30s-english-speech.mp4"));
  EXPECT_EQ(m.video_markers, 30U);
  EXPECT_GE(m.pairs.size(), 25U);
  EXPECT_LT(m.max_abs_offset_s, 0.010);
}

// A reader joining 2.2 s in, mid-GOP (as the media service does when it joins a live source late):
// the audio from there, in the word "three", the picture from the keyframe at 3 s. The markers
// before the picture are lost, and so is the onset cut in half; what pairs is still in sync.
TEST(MediaDrift, AMidGopJoinLosesMarkersNotSync) {
  const auto dir = std::filesystem::temp_directory_path() / ("dub-drift-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto out = (dir / "joined-late.mp4").string();
  dub::media::RemuxOptions options;
  options.join_at_s = 2.2;
  dub::media::remux({fixture("30s-english-speech.mp4")}, out, options);
  const auto m = dub::media::analyze_marker_sync(out);
  // From timestamps: the picture starts 0.8 s after the sound, all of it drift unless the source's
  // own start offset (as the reader got it) is given.
  const auto as_drift = dub::media::analyze_drift(out);
  dub::media::DriftOptions joined;
  joined.source_start_offset_s = 2.2 - 3.0;
  const auto drift = dub::media::analyze_drift(out, joined);
  std::filesystem::remove_all(dir);
  EXPECT_NEAR(as_drift.max_abs_drift_s, 0.8, 0.03);
  EXPECT_LT(drift.max_abs_drift_s, 0.03);
  EXPECT_EQ(m.video_markers, 27U);  // 3.12 s ... 29.12 s
  EXPECT_GE(m.pairs.size(), 25U);
  EXPECT_LT(m.max_abs_offset_s, 0.010);
  for (const auto& p : m.pairs) EXPECT_GT(p.video_s, 3.0);
}

// MediaMTX's fMP4 recording of a B-frame stream states 18725/747 fps on average for frames 40 ms
// apart (r_frame_rate 25/1): timed on the average, the last frame read 80 ms off its place.
TEST(MediaDrift, FramesAreTimedOnTheBaseRateWhenTheAverageIsClose) {
  EXPECT_DOUBLE_EQ(dub::media::timing_frame_rate(18725.0 / 747.0, 25.0), 25.0);
  EXPECT_DOUBLE_EQ(dub::media::timing_frame_rate(25.0, 25.0), 25.0);
  EXPECT_DOUBLE_EQ(dub::media::timing_frame_rate(30000.0 / 1001.0, 30000.0 / 1001.0), 30000.0 / 1001.0);
  // A base rate that is a multiple (interlaced timing) or far off: the average.
  EXPECT_DOUBLE_EQ(dub::media::timing_frame_rate(25.0, 50.0), 25.0);
  EXPECT_DOUBLE_EQ(dub::media::timing_frame_rate(24.0, 25.0), 24.0);
  // Unknown average: the base rate; neither known: 0.
  EXPECT_DOUBLE_EQ(dub::media::timing_frame_rate(0.0, 25.0), 25.0);
  EXPECT_DOUBLE_EQ(dub::media::timing_frame_rate(0.0, 0.0), 0.0);
}

// Drift that grows is told from a constant offset: the audio's timestamps stretched by 0.2 % (a
// clock that runs 2 ms per second slow) read +120 ms per minute; the fixture itself, about 0.
TEST(MediaDrift, TheTrendIsHowFastDriftGrows) {
  EXPECT_LT(std::abs(dub::media::analyze_drift(fixture("30s-english-speech.mp4")).drift_trend_ms_per_min), 1.0);
  const auto dir = std::filesystem::temp_directory_path() / ("dub-trend-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto out = (dir / "audio-slow.mp4").string();
  const auto cmd = "ffmpeg -v error -nostdin -y -itsscale:a:0 1.002 -i '" + fixture("30s-english-speech.mp4") +
                   "' -c copy '" + out + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const auto r = dub::media::analyze_drift(out);
  std::filesystem::remove_all(dir);
  EXPECT_NEAR(r.drift_trend_ms_per_min, 120.0, 3.0);
  EXPECT_NEAR(r.max_abs_drift_s, 0.060, 0.005);
}

TEST(MediaDrift, VideoOnlyAndMissingSources) {
  const auto r = dub::media::analyze_drift(fixture("30s-no-audio.mp4"));
  EXPECT_FALSE(r.audio.present);
  EXPECT_TRUE(r.video.present);
  // Frame timing stands without audio (max_frame_offset_ms reads it): every frame on its grid.
  EXPECT_NEAR(r.video.frame_rate, 25.0, 1e-9);
  EXPECT_LT(r.video.max_abs_offset_s, 0.001);
  EXPECT_THROW(dub::media::analyze_marker_sync(fixture("30s-no-audio.mp4")), dub::Error);
  EXPECT_THROW(dub::media::analyze_drift("/nonexistent.mp4"), dub::Error);
}

}  // namespace
