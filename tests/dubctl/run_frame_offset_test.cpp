// `verify: {media: ..., expect: {max_frame_offset_ms}}` through the dubctl binary, without Docker:
// every video frame's time on the grid its frame rate makes. The B-frame fixture (frames stored out
// of presentation order) passes with 0 ms; the same picture with 10 frames lost in the middle, their
// neighbours keeping their times, fails.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "run_fixture.hpp"

namespace {

class RunFrameOffset : public ::testing::Test {
 protected:
  void SetUp() override {
    project_.copy_fixture("30s-x264-high-bframes.mp4");
    project_.copy_fixture("30s-720p30.mp4");
  }

  [[nodiscard]] dub::test::DubctlRun verify(const std::string& media) const {
    project_.write("scenarios/frames.yaml",
                   "name: frames\ndescription: every frame in its place\nsteps:\n"
                   "  - verify: {media: " +
                       media + ", expect: {max_frame_offset_ms: 5}}\n");
    return project_.run("scenarios/frames.yaml", dub::test::Streams::merged);
  }

  dub::test::TempProject project_{"run-frame-offset"};
};

TEST_F(RunFrameOffset, BFramesInDecodeOrderAreEachInTheirPlace) {
  const auto r = verify("fixtures/test_streams/30s-x264-high-bframes.mp4");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.junit.find(R"(name="max_frame_offset_ms" value="0.0")"), std::string::npos) << r.junit;
}

// Every recording loses its last packet in decode order (749 frames of 750); with B-frames that can
// be a picture just before the end (in 30s-720p30.mp4 frame 899 of 900 comes last in decode order:
// without it the last picture is 33 ms off its place). Not a defect of the stream: the last frames
// within the reorder depth are left out of the offsets.
TEST_F(RunFrameOffset, TheLastPacketInDecodeOrderLostAtTheEndIsNotCounted) {
  const auto in = project_.root() / "fixtures/test_streams/30s-720p30.mp4";
  const auto out = project_.root() / "cut.mp4";
  const auto remux =
      fmt::format("ffmpeg -v error -nostdin -y -i '{}' -map 0:v -c copy -frames:v 899 '{}'", in.string(), out.string());
  ASSERT_EQ(std::system(remux.c_str()), 0) << remux;
  const auto r = verify("cut.mp4");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.junit.find(R"(name="max_frame_offset_ms" value="0.0")"), std::string::npos) << r.junit;
}

TEST_F(RunFrameOffset, LostFramesAreCaught) {
  const auto in = project_.root() / "fixtures/test_streams/30s-x264-high-bframes.mp4";
  const auto out = project_.root() / "lost.mp4";
  // Frames 100-109 (4.0-4.4 s) dropped; the others keep their presentation times. No audio: the
  // frames' timing does not need it.
  const auto encode = fmt::format(
      "ffmpeg -v error -nostdin -y -i '{}' -t 8 -vf \"select='not(between(n,100,109))'\" -fps_mode passthrough "
      "-c:v libx264 -preset ultrafast -bf 0 -threads 1 -an '{}'",
      in.string(), out.string());
  ASSERT_EQ(std::system(encode.c_str()), 0) << "ffmpeg with libx264 is needed (scripts/bootstrap): " << encode;
  const auto r = verify("lost.mp4");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("a video frame's time is "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(> 5 ms): frames squashed onto one time, or frames lost"), std::string::npos) << r.out;
}

}  // namespace
