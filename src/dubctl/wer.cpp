#include "wer.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <optional>
#include <sstream>
#include <utility>

namespace dubctl {

namespace {
constexpr long long kSpelledBelow = 1'000'000'000'000LL;  // 10^12: larger numbers stay digits
}  // namespace

std::string number_to_words(long long n) {
  static const std::array<const char*, 20> small = {
      "zero", "one",    "two",    "three",    "four",     "five",    "six",     "seven",     "eight",    "nine",
      "ten",  "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
  static const std::array<const char*, 10> tens = {"",      "",      "twenty",  "thirty", "forty",
                                                   "fifty", "sixty", "seventy", "eighty", "ninety"};
  static const std::array<std::pair<long long, const char*>, 3> scales = {
      {{1'000'000'000LL, "billion"}, {1'000'000LL, "million"}, {1000LL, "thousand"}}};
  if (n < 0 || n >= kSpelledBelow) return std::to_string(n);
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
  for (const auto& [value, name] : scales) {
    if (n < value) continue;
    std::string out = number_to_words(n / value) + " " + name;
    if (n % value != 0) out += " " + number_to_words(n % value);
    return out;
  }
  return std::to_string(n);  // unreachable
}

std::string ordinal_words(long long n) {
  static const std::map<std::string, std::string> irregular = {
      {"one", "first"},    {"two", "second"}, {"three", "third"},   {"five", "fifth"},
      {"eight", "eighth"}, {"nine", "ninth"}, {"twelve", "twelfth"}};
  auto words = number_to_words(n);
  const auto space = words.rfind(' ');
  const auto head = space == std::string::npos ? std::string() : words.substr(0, space + 1);
  auto last = space == std::string::npos ? words : words.substr(space + 1);
  if (const auto it = irregular.find(last); it != irregular.end()) {
    last = it->second;
  } else if (last.back() == 'y') {
    last = last.substr(0, last.size() - 1) + "ieth";
  } else {
    last += "th";
  }
  return head + last;
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

bool word_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) != 0 || c == '_' || (u & 0x80U) != 0;
}

std::size_t digits_from(const std::string& t, std::size_t i) {
  std::size_t n = 0;
  while (i + n < t.size() && std::isdigit(static_cast<unsigned char>(t[i + n])) != 0) ++n;
  return n;
}

// The integer parts a number at `i` may have, longest first as the rule's regular expression tries
// them: 1-3 digits with thousands groups ("1,000"), then plain digits.
std::vector<std::size_t> integer_lengths(const std::string& t, std::size_t i) {
  std::vector<std::size_t> out;
  const auto run = digits_from(t, i);
  if (run <= 3) {
    std::vector<std::size_t> grouped;
    for (auto at = i + run; at < t.size() && t[at] == ',' && digits_from(t, at + 1) >= 3;) {
      at += 4;
      grouped.push_back(at - i);
    }
    out.insert(out.end(), grouped.rbegin(), grouped.rend());
  }
  for (auto n = run; n >= 1; --n) out.push_back(n);
  return out;
}

// A number as the rule spells it: "1,000" -> "one thousand", "3.5" -> "three point five", "22nd" ->
// "twenty second"; nullopt when it is 10^12 or more (kept as written).
std::optional<std::string> spelled(const std::string& integer, const std::string& decimals, bool ordinal) {
  std::string digits;
  for (const char c : integer) {
    if (c != ',') digits += c;
  }
  if (digits.size() > 12) return std::nullopt;
  const long long whole = std::stoll(digits);
  if (whole >= kSpelledBelow) return std::nullopt;
  if (ordinal) return ordinal_words(whole);
  auto out = number_to_words(whole);
  if (!decimals.empty()) {
    out += " point";
    for (const char d : decimals) out += " " + number_to_words(d - '0');
  }
  return out;
}

// Spells out every number written with digits that stands alone (not inside a word, not after a
// '.'), as docs/protocol/vectors/normalise.json defines.
std::string spell_english_numbers(const std::string& t) {
  std::string out;
  std::size_t i = 0;
  while (i < t.size()) {
    const bool starts =
        std::isdigit(static_cast<unsigned char>(t[i])) != 0 && (i == 0 || (!word_byte(t[i - 1]) && t[i - 1] != '.'));
    std::optional<std::pair<std::size_t, std::string>> match;  // length, replacement
    for (const auto len : starts ? integer_lengths(t, i) : std::vector<std::size_t>{}) {
      const auto after_int = i + len;
      std::vector<std::size_t> decimal_lengths;
      if (after_int < t.size() && t[after_int] == '.') {
        for (auto d = digits_from(t, after_int + 1); d >= 1; --d) decimal_lengths.push_back(d);
      }
      decimal_lengths.push_back(0);
      for (const auto dec : decimal_lengths) {
        const auto after_dec = after_int + (dec > 0 ? dec + 1 : 0);
        const auto suffix = t.substr(after_dec, 2);
        const bool has_suffix = suffix == "st" || suffix == "nd" || suffix == "rd" || suffix == "th";
        for (const bool ord : {has_suffix, false}) {
          const auto end = after_dec + (ord ? 2 : 0);
          const bool free = end >= t.size() ||
                            (!word_byte(t[end]) && !(t[end] == '.' && end + 1 < t.size() && word_byte(t[end + 1])));
          if (!free) continue;
          const auto words = spelled(t.substr(i, len), dec > 0 ? t.substr(after_int + 1, dec) : "", ord);
          match.emplace(end - i, words.value_or(t.substr(i, end - i)));
          break;
        }
        if (match) break;
      }
      if (match) break;
    }
    if (match) {
      out += match->second;
      i += match->first;
    } else {
      out += t[i++];
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> normalize_words(const std::string& text) {
  const auto spelled = spell_english_numbers(text);
  std::string cleaned;
  cleaned.reserve(spelled.size());
  for (std::size_t i = 0; i < spelled.size(); ++i) {
    const auto c = static_cast<unsigned char>(spelled[i]);
    const auto next = i + 1 < spelled.size() ? static_cast<unsigned char>(spelled[i + 1]) : 0U;
    if (c == '\'') continue;                                                   // apostrophes are dropped
    if (c == 0xE2 && next == 0x80 && i + 2 < spelled.size()) {                 // U+2000..U+203F: punctuation
      if (static_cast<unsigned char>(spelled[i + 2]) != 0x99) cleaned += ' ';  // U+2019 is an apostrophe
      i += 2;
    } else if (c == 0xC2 && next != 0U) {  // U+0080..U+00BF: symbols and punctuation (¿, ¡, «, »)
      cleaned += ' ';
      ++i;
    } else if (c == 0xC3 && next >= 0x80 && next <= 0x9E && next != 0x97) {  // À..Þ lower-cased
      cleaned += static_cast<char>(c);
      cleaned += static_cast<char>(next + 0x20);
      ++i;
    } else if ((c & 0x80U) != 0 || std::isalnum(c) != 0) {
      cleaned += static_cast<char>(std::tolower(c));
    } else {
      cleaned += ' ';  // every other character (hyphen, underscore, punctuation) breaks words
    }
  }
  std::vector<std::string> words;
  std::istringstream in(cleaned);
  for (std::string word; in >> word;) words.push_back(word);
  return words;
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

namespace {

// WER of two word lists: Levenshtein over words, keeping the operation counts of the best path.
WerResult word_lists_error_rate(const std::vector<std::string>& ref, const std::vector<std::string>& hyp) {
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

// `text` with every '.' between two digits read as a pause: "19.20. 21.22" -> "19, 20. 21, 22".
std::string points_as_pauses(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool between_digits = text[i] == '.' && i > 0 && i + 1 < text.size() &&
                                std::isdigit(static_cast<unsigned char>(text[i - 1])) != 0 &&
                                std::isdigit(static_cast<unsigned char>(text[i + 1])) != 0;
    out += between_digits ? std::string(", ") : std::string(1, text[i]);
  }
  return out;
}

}  // namespace

// The reference is written words and never ambiguous; the hypothesis is ASR output, which writes a
// run of counted numbers as "19.20. 21.22": a point between digits is a decimal point by the shared
// rule, or the pause between two numbers. Both readings are scored and the closer one counts.
WerResult word_error_rate(const std::string& reference, const std::string& hypothesis) {
  const auto ref = normalize_words(reference);
  auto best = word_lists_error_rate(ref, normalize_words(hypothesis));
  if (const auto paused = points_as_pauses(hypothesis); paused != hypothesis) {
    const auto alt = word_lists_error_rate(ref, normalize_words(paused));
    if (alt.wer < best.wer) best = alt;
  }
  return best;
}

}  // namespace dubctl
