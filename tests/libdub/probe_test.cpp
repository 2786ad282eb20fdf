// dub::media::probe on the 6 s fixture: profiles, B-frame delay, start times and, on request, the
// packets of each stream (what golden descriptors record; ffprobe says 150 and 283 frames).
#include <gtest/gtest.h>

#include <string>

#include "dub/media/probe.hpp"

namespace {

const std::string kHello = std::string(DUB_SOURCE_DIR) + "/fixtures/test_streams/6s-hello-world.mp4";

TEST(Probe, ProfilesStartTimesAndBFrameDelay) {
  const auto info = dub::media::probe(kHello);
  ASSERT_EQ(info.streams.size(), 2U);
  const auto& video = info.streams[0];
  EXPECT_EQ(video.codec, "h264");
  EXPECT_EQ(video.profile, "Main");
  EXPECT_EQ(video.has_b_frames, 0);
  EXPECT_DOUBLE_EQ(video.start_s, 0.0);
  EXPECT_EQ(info.streams[1].profile, "LC");
  EXPECT_EQ(video.packets, -1);  // not counted unless asked
}

TEST(Probe, CountsThePacketsOfEachStreamWhenAsked) {
  const auto info = dub::media::probe(kHello, {.count_packets = true});
  ASSERT_EQ(info.streams.size(), 2U);
  EXPECT_EQ(info.streams[0].packets, 150);  // 6 s at 25 fps
  EXPECT_EQ(info.streams[1].packets, 283);  // 6 s of 1024-sample AAC frames at 48 kHz, and priming
  // The packets' own span, which the length checks use: for a plain file what its header says too.
  EXPECT_NEAR(info.packet_span_s, info.duration_s - info.start_s, 0.001);
  EXPECT_DOUBLE_EQ(info.span_s(), info.packet_span_s);
  EXPECT_LT(dub::media::probe(kHello).packet_span_s, 0);  // not read unless asked
}

}  // namespace
