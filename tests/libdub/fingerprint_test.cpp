#include "dub/media/fingerprint.hpp"

#include <gtest/gtest.h>

#include "dub/util/error.hpp"

namespace {

const std::string kDir = std::string(DUB_SOURCE_DIR) + "/fixtures/test_streams/";

TEST(Fingerprint, SameAudioIsIdenticalAndDifferentSpeechIsNot) {
  const auto speech = dub::media::fingerprint(kDir + "30s-english-speech.mp4");
  EXPECT_NEAR(speech.duration_s, 30.0, 0.1);
  EXPECT_GT(speech.raw.size(), 200U);
  EXPECT_DOUBLE_EQ(dub::media::similarity(speech, speech), 1.0);

  const auto noisy = dub::media::fingerprint(kDir + "30s-speech-over-noise.mp4");
  const auto hello = dub::media::fingerprint(kDir + "6s-hello-world.mp4");
  const double same_words_in_noise = dub::media::similarity(speech, noisy);
  const double other_words = dub::media::similarity(speech, hello);
  // Measured: 0.925 for the same speech under 10 dB noise, 0.58 for other words, 0.50 for silence.
  EXPECT_GT(same_words_in_noise, 0.8);
  EXPECT_LT(other_words, 0.7);
}

TEST(Fingerprint, NoAudioTrackIsAClearError) {
  try {
    dub::media::fingerprint(kDir + "30s-no-audio.mp4");
    FAIL();
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no audio stream"), std::string::npos) << e.what();
  }
}

TEST(Fingerprint, EmptyFingerprintsAreNotSimilar) {
  EXPECT_EQ(dub::media::similarity({}, {}), 0.0);
}

}  // namespace
