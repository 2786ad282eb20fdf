#pragma once
// Word error rate between a reference transcript and an ASR hypothesis, after normalising
// both the same way (case, punctuation, hyphens, numbers written as digits).
#include <string>
#include <vector>

namespace dubctl {

// The one English comparison rule (docs/protocol/vectors/normalise.json, shared with the STS
// service): numbers written with digits spelled out ("1,000" -> one thousand, "3.5" -> three point
// five, "22nd" -> twenty second, below 10^12), lower case, apostrophes dropped, every other
// non-alphanumeric character a word break; "21" and "twenty-one" both become {"twenty", "one"}.
std::vector<std::string> normalize_words(const std::string& text);

// English words for 0..10^12-1 ("twenty one"); other numbers are returned as digits.
std::string number_to_words(long long n);
// English ordinal words ("twenty second").
std::string ordinal_words(long long n);

// Spanish words for 0..999 with accents folded ("veintidos", "ciento tres"); other numbers as digits.
std::string spanish_number_words(long long n);

// Spanish text as comparable words: lower-case, accents folded (á -> a, ñ -> n), punctuation
// (including ¿ and ¡) removed, numbers written as digits spelled out in Spanish ("21" -> "veintiuno").
std::vector<std::string> normalize_words_es(const std::string& text);

struct WerResult {
  double wer = 0;  // (substitutions + deletions + insertions) / reference words
  int substitutions = 0;
  int deletions = 0;
  int insertions = 0;
  int reference_words = 0;
};

// WER of an ASR hypothesis against a reference transcript, both normalised by normalize_words. A '.'
// between digits in the hypothesis ("19.20." for "nineteen, twenty") is scored both as a decimal
// point and as a pause between two numbers; the closer reading counts.
WerResult word_error_rate(const std::string& reference, const std::string& hypothesis);

}  // namespace dubctl
