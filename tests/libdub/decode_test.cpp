#include "dub/media/decode.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "dub/util/error.hpp"

namespace {

const std::string kDir = std::string(DUB_SOURCE_DIR) + "/fixtures/test_streams/";

double rms(const std::vector<std::int16_t>& s, std::size_t from, std::size_t to) {
  double sum = 0;
  for (std::size_t i = from; i < to && i < s.size(); ++i) sum += static_cast<double>(s[i]) * s[i];
  return std::sqrt(sum / static_cast<double>(std::max<std::size_t>(1, to - from)));
}

TEST(Decode, FixtureDecodesToTheExactLengthAndWordsAreWhereTheSidecarSays) {
  const auto pcm = dub::media::decode_audio(kDir + "30s-english-speech.mp4");
  EXPECT_EQ(pcm.sample_rate, 48000);
  EXPECT_EQ(pcm.channels, 1);
  EXPECT_NEAR(pcm.duration_s(), 30.0, 0.05);
  // Word n starts at (n-1) s + 0.12 s: silence just before each onset, speech just after.
  for (int n = 1; n <= 30; ++n) {
    const auto onset = static_cast<std::size_t>(((n - 1) + 0.12) * 48000);
    EXPECT_LT(rms(pcm.samples, onset - 2400, onset - 480), 100.0) << "word " << n;
    EXPECT_GT(rms(pcm.samples, onset, onset + 4800), 500.0) << "word " << n;
  }
}

TEST(Decode, ResamplesAndLimits) {
  const auto pcm = dub::media::decode_audio(kDir + "30s-english-speech.mp4", 16000, 2, 6.0);
  EXPECT_EQ(pcm.sample_rate, 16000);
  EXPECT_EQ(pcm.channels, 2);
  EXPECT_EQ(pcm.frames(), 96000U);
}

TEST(Decode, NoAudioIsAnError) {
  EXPECT_THROW(dub::media::decode_audio(kDir + "30s-no-audio.mp4"), dub::Error);
}

}  // namespace
