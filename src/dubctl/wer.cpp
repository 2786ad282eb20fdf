#include "wer.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <sstream>

namespace dubctl {

std::string number_to_words(long long n) {
  static const std::array<const char*, 20> small = {
      "zero", "one",    "two",    "three",    "four",     "five",    "six",     "seven",     "eight",    "nine",
      "ten",  "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
  static const std::array<const char*, 10> tens = {"",      "",      "twenty",  "thirty", "forty",
                                                   "fifty", "sixty", "seventy", "eighty", "ninety"};
  if (n < 0 || n > 999999) return std::to_string(n);
  if (n < 20) return small[static_cast<std::size_t>(n)];
  if (n < 100) {
    std::string out = tens[static_cast<std::size_t>(n / 10)];
    if (n % 10 != 0) out += std::string(" ") + small[static_cast<std::size_t>(n % 10)];
    return out;
  }
  if (n < 1000) {
    std::string out = std::string(small[static_cast<std::size_t>(n / 100)]) + " hundred";
    if (n % 100 != 0) out += " " + number_to_words(n % 100);
    return out;
  }
  std::string out = number_to_words(n / 1000) + " thousand";
  if (n % 1000 != 0) out += " " + number_to_words(n % 1000);
  return out;
}

namespace {

// Lower-case words: hyphens and punctuation separate them, apostrophes are dropped, digits stay
// together as numbers (spelled out by the callers, each in its language).
std::vector<std::string> normalize_words_ascii(const std::string& text) {
  std::string cleaned;
  cleaned.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '\'' || (u & 0x80U) != 0) {
      cleaned += static_cast<char>(std::tolower(u));
    } else {
      cleaned += ' ';
    }
  }
  std::vector<std::string> words;
  std::istringstream in(cleaned);
  std::string word;
  while (in >> word) {
    word.erase(std::remove(word.begin(), word.end(), '\''), word.end());
    if (!word.empty()) words.push_back(word);
  }
  return words;
}

// Words made of at most `max_digits` digits spelled out by `speller` ("21" -> "twenty", "one").
std::vector<std::string> spell_numbers(std::vector<std::string> words, std::size_t max_digits,
                                       std::string (*speller)(long long)) {
  std::vector<std::string> out;
  out.reserve(words.size());
  for (auto& word : words) {
    if (word.size() <= max_digits &&
        std::all_of(word.begin(), word.end(), [](unsigned char c) { return std::isdigit(c); })) {
      std::istringstream spelled(speller(std::stoll(word)));
      std::string part;
      while (spelled >> part) out.push_back(part);
    } else {
      out.push_back(std::move(word));
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> normalize_words(const std::string& text) {
  return spell_numbers(normalize_words_ascii(text), 6, number_to_words);
}

std::string spanish_number_words(long long n) {
  static const std::array<const char*, 30> small = {
      "cero",         "uno",         "dos",        "tres",        "cuatro",     "cinco",      "seis",      "siete",
      "ocho",         "nueve",       "diez",       "once",        "doce",       "trece",      "catorce",   "quince",
      "dieciseis",    "diecisiete",  "dieciocho",  "diecinueve",  "veinte",     "veintiuno",  "veintidos", "veintitres",
      "veinticuatro", "veinticinco", "veintiseis", "veintisiete", "veintiocho", "veintinueve"};
  static const std::array<const char*, 10> tens = {"",          "",        "",        "treinta", "cuarenta",
                                                   "cincuenta", "sesenta", "setenta", "ochenta", "noventa"};
  static const std::array<const char*, 10> hundreds = {
      "",           "ciento",      "doscientos",  "trescientos", "cuatrocientos",
      "quinientos", "seiscientos", "setecientos", "ochocientos", "novecientos"};
  if (n < 0 || n > 999) return std::to_string(n);
  if (n < 30) return small[static_cast<std::size_t>(n)];
  if (n < 100) {
    std::string out = tens[static_cast<std::size_t>(n / 10)];
    if (n % 10 != 0) out += std::string(" y ") + small[static_cast<std::size_t>(n % 10)];
    return out;
  }
  if (n == 100) return "cien";
  std::string out = hundreds[static_cast<std::size_t>(n / 100)];
  if (n % 100 != 0) out += " " + spanish_number_words(n % 100);
  return out;
}

std::vector<std::string> normalize_words_es(const std::string& text) {
  // Two-byte UTF-8 letters of Spanish (lead byte 0xC3) folded to ASCII; ¿ and ¡ (lead 0xC2) dropped.
  static const std::string kFrom = "\xA1\xA9\xAD\xB3\xBA\xBC\xB1\x81\x89\x8D\x93\x9A\x9C\x91";
  static const std::string kTo = "aeiouunaeiouun";
  std::string folded;
  folded.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c == 0xC3 || c == 0xC2) && i + 1 < text.size()) {
      const auto pos = c == 0xC3 ? kFrom.find(text[i + 1]) : std::string::npos;
      folded += pos == std::string::npos ? ' ' : kTo[pos];
      ++i;
    } else {
      folded += (c & 0x80U) != 0 ? ' ' : static_cast<char>(c);
    }
  }
  return spell_numbers(normalize_words_ascii(folded), 3, spanish_number_words);
}

WerResult word_error_rate(const std::string& reference, const std::string& hypothesis) {
  const auto ref = normalize_words(reference);
  const auto hyp = normalize_words(hypothesis);
  // Levenshtein over words, keeping the operation counts of the best path.
  struct Cell {
    int cost = 0;
    int sub = 0;
    int del = 0;
    int ins = 0;
  };
  std::vector<std::vector<Cell>> d(ref.size() + 1, std::vector<Cell>(hyp.size() + 1));
  for (std::size_t i = 1; i <= ref.size(); ++i) d[i][0] = {static_cast<int>(i), 0, static_cast<int>(i), 0};
  for (std::size_t j = 1; j <= hyp.size(); ++j) d[0][j] = {static_cast<int>(j), 0, 0, static_cast<int>(j)};
  for (std::size_t i = 1; i <= ref.size(); ++i) {
    for (std::size_t j = 1; j <= hyp.size(); ++j) {
      if (ref[i - 1] == hyp[j - 1]) {
        d[i][j] = d[i - 1][j - 1];
        continue;
      }
      Cell sub = d[i - 1][j - 1];
      Cell del = d[i - 1][j];
      Cell ins = d[i][j - 1];
      sub.cost += 1;
      sub.sub += 1;
      del.cost += 1;
      del.del += 1;
      ins.cost += 1;
      ins.ins += 1;
      d[i][j] = sub;
      if (del.cost < d[i][j].cost) d[i][j] = del;
      if (ins.cost < d[i][j].cost) d[i][j] = ins;
    }
  }
  const Cell& last = d[ref.size()][hyp.size()];
  WerResult r;
  r.substitutions = last.sub;
  r.deletions = last.del;
  r.insertions = last.ins;
  r.reference_words = static_cast<int>(ref.size());
  r.wer = ref.empty() ? (hyp.empty() ? 0.0 : 1.0) : static_cast<double>(last.cost) / static_cast<double>(ref.size());
  return r;
}

}  // namespace dubctl
