#pragma once
// A fixture's sidecar (the .json beside it, written by scripts/make-fixtures: `transcript`,
// `expected_translation_es`, word timings) and the word checks made against it.
#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dubctl {

// Reads a sidecar; throws dub::Error naming the file when it is missing or not JSON.
nlohmann::json read_sidecar(const std::filesystem::path& file);

struct WordCoverage {
  std::size_t found = 0;
  std::size_t expected = 0;
  std::vector<std::string> missing;  // lower-case, in the order expected
  [[nodiscard]] double ratio() const {
    return expected == 0 ? 1.0 : static_cast<double>(found) / static_cast<double>(expected);
  }
};

// Which of the `expected` words (compared lower-case; accented letters kept as they are) occur
// among the words of `text`.
WordCoverage word_coverage(const std::vector<std::string>& expected, const std::string& text);

// Whether the words of `phrase` occur one after the other among the words of `text`, both
// normalised like the word error rate (normalize_words: case, punctuation, numbers as words).
bool contains_words(const std::string& text, const std::string& phrase);

}  // namespace dubctl
