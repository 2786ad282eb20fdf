#include "dub/media/remux.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "dub/media/probe.hpp"
#include "dub/util/error.hpp"

namespace fs = std::filesystem;

namespace {

const std::string kDir = std::string(DUB_SOURCE_DIR) + "/fixtures/test_streams/";
const std::string kSpeech = kDir + "30s-english-speech.mp4";
const std::string kHello = kDir + "6s-hello-world.mp4";
const std::string kNoAudio = kDir + "30s-no-audio.mp4";

class RemuxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dub-remux-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

// The first `n` bytes of a file, as text (atom names are ASCII).
std::string head(const fs::path& file, std::size_t n) {
  std::ifstream in(file, std::ios::binary);
  std::string data(n, '\0');
  in.read(data.data(), static_cast<std::streamsize>(n));
  data.resize(static_cast<std::size_t>(in.gcount()));
  return data;
}

TEST_F(RemuxTest, CopiesAFileWithoutReencoding) {
  const auto out = (dir_ / "copy.mp4").string();
  const auto result = dub::media::remux({kSpeech}, out);
  EXPECT_EQ(result.inputs, 1U);
  EXPECT_NEAR(result.duration_s, 30.0, 0.05);

  const auto before = dub::media::probe(kSpeech);
  const auto after = dub::media::probe(out);
  ASSERT_EQ(after.streams.size(), before.streams.size());
  for (std::size_t i = 0; i < before.streams.size(); ++i) {
    EXPECT_EQ(after.streams[i].type, before.streams[i].type) << "stream " << i;
    EXPECT_EQ(after.streams[i].codec, before.streams[i].codec) << "stream " << i;
    EXPECT_EQ(after.streams[i].sample_rate, before.streams[i].sample_rate) << "stream " << i;
    EXPECT_EQ(after.streams[i].width, before.streams[i].width) << "stream " << i;
  }
  EXPECT_NEAR(after.span_s(), before.span_s(), 0.05);

  // Not re-encoded: the same packets, payload for payload, at the same times.
  const auto a = dub::media::list_packets(kSpeech);
  const auto b = dub::media::list_packets(out);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(static_cast<long long>(a.size()), result.packets);
  std::size_t differing = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].hash != b[i].hash || a[i].size != b[i].size || a[i].keyframe != b[i].keyframe ||
        std::abs(a[i].pts_s - b[i].pts_s) > 1e-3) {
      ++differing;
    }
  }
  EXPECT_EQ(differing, 0U);
  // faststart: the index comes before the media.
  const auto start = head(out, 64);
  EXPECT_NE(start.find("moov"), std::string::npos);
}

TEST_F(RemuxTest, MaxDurationCutsTheCopy) {
  const auto out = (dir_ / "cut.mp4").string();
  dub::media::RemuxOptions options;
  options.max_duration_s = 10.0;
  const auto result = dub::media::remux({kSpeech}, out, options);
  EXPECT_NEAR(result.duration_s, 10.0, 0.1);
  EXPECT_NEAR(dub::media::probe(out).span_s(), 10.0, 0.1);
}

TEST_F(RemuxTest, JoinAtStartsWhereAReaderJoiningMidGopWould) {
  // 2.2 s in: mid-GOP (keyframes every second). The audio from there, the picture from 3 s.
  const auto out = (dir_ / "late.mp4").string();
  dub::media::RemuxOptions options;
  options.join_at_s = 2.2;
  dub::media::remux({kSpeech}, out, options);
  const auto packets = dub::media::list_packets(out);
  const dub::media::PacketInfo* first_video = nullptr;
  const dub::media::PacketInfo* first_audio = nullptr;
  std::size_t video = 0;
  for (const auto& p : packets) {
    if (p.video && first_video == nullptr) first_video = &p;
    if (!p.video && first_audio == nullptr) first_audio = &p;
    video += p.video ? 1 : 0;
  }
  ASSERT_NE(first_video, nullptr);
  ASSERT_NE(first_audio, nullptr);
  EXPECT_TRUE(first_video->keyframe);
  EXPECT_NEAR(first_video->pts_s, 3.0, 0.001);
  EXPECT_EQ(video, 750U - 75U);
  EXPECT_GE(first_audio->pts_s, 2.2 - 0.001);
  EXPECT_LT(first_audio->pts_s, 2.2 + 1024.0 / 48000.0);
}

TEST_F(RemuxTest, JoinsSegmentsOneAfterTheOther) {
  const auto out = (dir_ / "joined.mp4").string();
  const auto result = dub::media::remux({kHello, kSpeech}, out);
  ASSERT_EQ(result.input_offsets_s.size(), 2U);
  EXPECT_DOUBLE_EQ(result.input_offsets_s[0], 0.0);
  const double first = dub::media::probe(kHello).span_s();
  EXPECT_NEAR(result.input_offsets_s[1], first, 0.05);
  EXPECT_NEAR(dub::media::probe(out).span_s(), first + 30.0, 0.1);

  const auto joined = dub::media::list_packets(out);
  const auto hello = dub::media::list_packets(kHello);
  const auto speech = dub::media::list_packets(kSpeech);
  ASSERT_EQ(joined.size(), hello.size() + speech.size());
  // The second file's video packets are all there, unchanged, shifted by where it starts.
  std::size_t found = 0;
  for (const auto& p : speech) {
    if (!p.video) continue;
    for (const auto& q : joined) {
      if (q.video && q.hash == p.hash && std::abs(q.pts_s - (p.pts_s + result.input_offsets_s[1])) < 0.002) {
        ++found;
        break;
      }
    }
  }
  EXPECT_EQ(found, 750U);
  // ... which is what aligning the joined file on the second one finds.
  const auto a = dub::media::align_video(out, kSpeech);
  ASSERT_TRUE(a.found);
  EXPECT_NEAR(a.offset_s, result.input_offsets_s[1], 0.002);
  EXPECT_GT(a.matched, a.compared / 2);
}

TEST_F(RemuxTest, AlignsAFileWithItself) {
  const auto a = dub::media::align_video(kSpeech, kSpeech, 100);
  ASSERT_TRUE(a.found);
  EXPECT_EQ(a.compared, 100U);
  EXPECT_NEAR(a.offset_s, 0.0, 1e-6);
}

TEST_F(RemuxTest, RefusesToJoinDifferentStreams) {
  try {
    dub::media::remux({kSpeech, kNoAudio}, (dir_ / "bad.mp4").string());
    FAIL() << "joined files with different streams";
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find("30s-no-audio.mp4"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("re-encoding"), std::string::npos) << e.what();
  }
}

TEST_F(RemuxTest, NamesAMissingInput) {
  try {
    dub::media::remux({kDir + "nope.mp4"}, (dir_ / "x.mp4").string());
    FAIL() << "no error for a missing input";
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find("nope.mp4"), std::string::npos) << e.what();
  }
  EXPECT_THROW(dub::media::remux({}, (dir_ / "x.mp4").string()), dub::Error);
}

}  // namespace
