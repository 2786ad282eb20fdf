// A/V pairing by PTS and drift figures.
#include "av_pairing.hpp"

#include <gtest/gtest.h>

namespace {

using dub::media_service::AvDrift;
using dub::media_service::VideoQueue;
using dub::media_service::VideoUnit;

VideoUnit unit(std::int64_t pts_ms, std::optional<std::int64_t> dts_ms) {
  VideoUnit u;
  u.pts_ns = pts_ms * 1'000'000;
  if (dts_ms) u.dts_ns = *dts_ms * 1'000'000;
  u.duration_ns = 40'000'000;
  return u;
}

TEST(Pairing, ReleasesVideoCoveredByTheAudioInDecodeOrder) {
  VideoQueue q;
  // 25 fps with B-frames: decode order I P B B ... (pts 0, 120, 40, 80, ...)
  const std::int64_t pts[] = {0, 120, 40, 80, 240, 160, 200};
  const std::int64_t dts[] = {-80, -40, 0, 40, 80, 120, 160};
  for (std::size_t i = 0; i < std::size(pts); ++i) q.push(unit(pts[i], dts[i]));
  EXPECT_EQ(q.buffered_ns(), 200'000'000);
  // Audio fragment [0, 100 ms) is ready: everything that decodes before 100 ms goes.
  auto out = q.release_until(100'000'000);
  ASSERT_EQ(out.size(), 5U);
  EXPECT_EQ(out[0].pts_ns, 0);
  EXPECT_EQ(out[1].pts_ns, 120'000'000);  // decoded early, shown later: still in order for the muxer
  EXPECT_EQ(out[4].pts_ns, 240'000'000);
  EXPECT_TRUE(q.release_until(100'000'000).empty());
  out = q.release_until(200'000'000);
  ASSERT_EQ(out.size(), 2U);
  EXPECT_TRUE(q.empty());
}

TEST(Pairing, WithoutDtsUsesPtsAndDrainGivesTheRest) {
  VideoQueue q;
  for (std::int64_t i = 0; i < 10; ++i) q.push(unit(i * 40, std::nullopt));
  EXPECT_EQ(q.release_until(120'000'000).size(), 3U);  // 0, 40, 80
  EXPECT_EQ(*q.first_decode_ns(), 120'000'000);
  EXPECT_EQ(q.drain().size(), 7U);
  EXPECT_FALSE(q.first_decode_ns().has_value());
}

TEST(Pairing, DriftIsOutputMinusInputPlacement) {
  AvDrift d;
  d.audio(6'000'000'000, 6'000'000'000);
  EXPECT_EQ(d.last_ns(), 0);
  d.audio(12'000'000'000, 12'003'000'000);
  EXPECT_EQ(d.last_ns(), -3'000'000);
  d.audio(18'000'000'000, 17'999'000'000);
  EXPECT_EQ(d.last_ns(), 1'000'000);
  EXPECT_EQ(d.max_abs_ns(), 3'000'000);
}

}  // namespace

TEST(Pairing, JoiningMidGopDropsVideoUntilTheFirstKeyframe) {
  VideoQueue q;
  // Joined 0.9 s into a 1 s GOP at 25 fps: P-frames 900..960 ms, then the keyframe at 1000 ms.
  for (const std::int64_t pts : {900, 940, 980}) {
    auto u = unit(pts, pts);
    u.keyframe = false;
    EXPECT_FALSE(q.push(u));
  }
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.dropped_before_keyframe(), 3U);
  EXPECT_TRUE(q.push(unit(1000, 1000)));  // keyframe
  auto later = unit(1040, 1040);
  later.keyframe = false;
  EXPECT_TRUE(q.push(later));  // after a keyframe, delta frames are kept
  EXPECT_EQ(q.size(), 2U);
  EXPECT_EQ(*q.first_decode_ns(), 1'000'000'000);
  EXPECT_EQ(q.dropped_before_keyframe(), 3U);
}
