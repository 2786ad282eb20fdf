#pragma once
// A fixture's sidecar (the .json beside it, written by scripts/make-fixtures: `transcript`,
// `expected_translation_es`, word timings) and the word checks made against it.
#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
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

// The sidecar checks of a set of STS results: the word error rate of `transcript` against the
// sidecar's `transcript` (property asr_wer; a problem above `max_wer`), and which of its
// `expected_translation_es` words `translation` holds (property translation_coverage; a problem
// below `min_coverage`). Returns the figures for the caller's summary.
struct SidecarFigures {
  double wer = 0;
  std::optional<WordCoverage> coverage;  // none when the sidecar expects no Spanish words
};
SidecarFigures check_against_sidecar(const nlohmann::json& sidecar, const std::string& transcript,
                                     const std::string& translation, std::optional<double> max_wer, double min_coverage,
                                     std::vector<std::pair<std::string, std::string>>& properties,
                                     std::vector<std::string>& problems);

// `"text"`, or `nothing` when it is empty: how a failure message quotes what was heard.
std::string quoted_or_nothing(const std::string& text);

// Whether the words of `phrase` occur one after the other among the words of `text`, both
// normalised like the word error rate (normalize_words: case, punctuation, numbers as words).
bool contains_words(const std::string& text, const std::string& phrase);

}  // namespace dubctl
