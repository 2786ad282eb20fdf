#pragma once
// "did you mean ...?" for a misspelt name in a scenario (a step kind, a key, a stack): the known
// name nearest to it by Damerau-Levenshtein distance (optimal string alignment: insert, delete,
// substitute, swap two neighbours), if it is near enough to be a typo.
#include <optional>
#include <string>
#include <vector>

namespace dubctl {

// Edits (insert, delete, substitute, swap two adjacent letters) that turn `a` into `b`.
std::size_t edit_distance(const std::string& a, const std::string& b);

// The name of `known` nearest to `word`: at most 2 edits away and fewer edits than either has
// letters (so `to` is not offered for `at`); the first of equally near ones. None when `word` is
// itself known or nothing is near.
std::optional<std::string> nearest_name(const std::string& word, const std::vector<std::string>& known);

// "; did you mean NAME?" for the nearest name, else "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& known);

}  // namespace dubctl
