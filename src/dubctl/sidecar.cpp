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

}  // namespace dubctl
