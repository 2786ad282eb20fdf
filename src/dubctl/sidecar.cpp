#include "sidecar.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>

#include "dub/util/error.hpp"
#include "wer.hpp"

namespace dubctl {

namespace {

std::string lower_ascii(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return c < 0x80 ? static_cast<char>(std::tolower(c)) : static_cast<char>(c); });
  return text;
}

}  // namespace

nlohmann::json read_sidecar(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw dub::Error(fmt::format("reference sidecar not found: {}", file.string()));
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw dub::Error(fmt::format("reference sidecar {} is not JSON: {}", file.string(), e.what()));
  }
}

WordCoverage word_coverage(const std::vector<std::string>& expected, const std::string& text) {
  const auto heard = normalize_words(lower_ascii(text));
  WordCoverage c;
  c.expected = expected.size();
  for (const auto& word : expected) {
    const auto w = lower_ascii(word);
    if (std::find(heard.begin(), heard.end(), w) != heard.end()) {
      ++c.found;
    } else {
      c.missing.push_back(w);
    }
  }
  return c;
}

bool contains_words(const std::string& text, const std::string& phrase) {
  const auto words = normalize_words(text);
  const auto wanted = normalize_words(phrase);
  if (wanted.empty()) return true;
  return std::search(words.begin(), words.end(), wanted.begin(), wanted.end()) != words.end();
}

std::string quoted_or_nothing(const std::string& text) {
  return text.empty() ? "nothing" : fmt::format("\"{}\"", text);
}

SidecarFigures check_against_sidecar(const nlohmann::json& sidecar, const std::string& transcript,
                                     const std::string& translation, std::optional<double> max_wer, double min_coverage,
                                     std::vector<std::pair<std::string, std::string>>& properties,
                                     std::vector<std::string>& problems) {
  SidecarFigures figures;
  figures.wer = word_error_rate(sidecar.value("transcript", ""), transcript).wer;
  properties.emplace_back("asr_wer", fmt::format("{:.3f}", figures.wer));
  if (max_wer && figures.wer > *max_wer) {
    problems.push_back(fmt::format("word error rate {:.1f}% > {:.1f}% (heard {})", figures.wer * 100, *max_wer * 100,
                                   quoted_or_nothing(transcript)));
  }
  const auto expected =
      sidecar.value("expected_translation_es", nlohmann::json::array()).get<std::vector<std::string>>();
  if (expected.empty()) return figures;
  const auto& coverage = figures.coverage.emplace(word_coverage(expected, translation));
  properties.emplace_back("translation_coverage", fmt::format("{:.3f}", coverage.ratio()));
  if (coverage.ratio() < min_coverage) {
    problems.push_back(fmt::format("translations hold {:.0f}% of the expected Spanish words (< {:.0f}%); missing: {}",
                                   coverage.ratio() * 100, min_coverage * 100, fmt::join(coverage.missing, " ")));
  }
  return figures;
}

}  // namespace dubctl
