#include "wer.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

namespace {

using dubctl::normalize_words;
using dubctl::word_error_rate;

TEST(Wer, DigitsAndWordsNormaliseTheSameWay) {
  EXPECT_EQ(normalize_words("21, 22."), normalize_words("Twenty-one twenty two"));
  EXPECT_EQ(normalize_words("One, two, three!"), (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(dubctl::number_to_words(30), "thirty");
  EXPECT_EQ(dubctl::number_to_words(105), "one hundred five");
  EXPECT_EQ(word_error_rate("one two three four five six", "1, 2, 3, 4, 5, 6.").wer, 0.0);
}

TEST(Wer, CountsEachKindOfError) {
  const auto r = word_error_rate("one two three four", "one too four four five");
  // one=one, two->too (sub), three->four (sub), four=four, +five (ins): 3 errors / 4 words.
  EXPECT_EQ(r.reference_words, 4);
  EXPECT_EQ(r.substitutions + r.deletions + r.insertions, 3);
  EXPECT_DOUBLE_EQ(r.wer, 0.75);
  const auto del = word_error_rate("one two three", "one three");
  EXPECT_EQ(del.deletions, 1);
  EXPECT_NEAR(del.wer, 1.0 / 3.0, 1e-9);
}

// Whisper writes counted numbers run together ("19.20. 21.22"): the pause reading wins there, and a
// real decimal still reads as one ("3.5" against "three point five").
TEST(Wer, APointBetweenDigitsIsScoredAsDecimalOrPause) {
  EXPECT_EQ(word_error_rate("nineteen twenty twenty one twenty two", "19.20. 21.22").wer, 0.0);
  EXPECT_EQ(word_error_rate("three point five percent", "3.5 percent").wer, 0.0);
  EXPECT_EQ(word_error_rate("three five percent", "3.5 percent").wer, 0.0);
  // Neither reading rescues a wrong number.
  EXPECT_GT(word_error_rate("nineteen twenty", "19.21").wer, 0.0);
  // The normalisation itself keeps the shared rule: a decimal.
  EXPECT_EQ(normalize_words("19.20"), normalize_words("nineteen point two zero"));
}

TEST(Wer, EmptyCases) {
  EXPECT_EQ(word_error_rate("", "").wer, 0.0);
  EXPECT_EQ(word_error_rate("", "noise").wer, 1.0);
  EXPECT_EQ(word_error_rate("one two", "").wer, 1.0);
}

}  // namespace

// The shared comparison rule: docs/protocol/vectors/normalise.json defines it, and the STS service
// checks the same vectors (sts_service.text.normalise_for_compare).
TEST(Wer, NormalisesAsTheSharedVectorsSay) {
  std::ifstream in(DUB_SOURCE_DIR "/docs/protocol/vectors/normalise.json");
  ASSERT_TRUE(in) << "docs/protocol/vectors/normalise.json is missing";
  const auto doc = nlohmann::json::parse(in);
  ASSERT_FALSE(doc.at("vectors").empty());
  for (const auto& v : doc.at("vectors")) {
    const auto input = v.at("input").get<std::string>();
    EXPECT_EQ(fmt::format("{}", fmt::join(normalize_words(input), " ")), v.at("expected").get<std::string>())
        << "input: '" << input << "'";
  }
}
