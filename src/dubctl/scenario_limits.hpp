#pragma once
// A bound on the length of every text in a scenario file, checked once on the whole YAML tree before
// anything reads it. The parser matches names, numbers and patterns with std::regex, and libstdc++'s
// regex executor recurses once per character: a 100 000-character name crashed `dubctl validate`
// with a stack overflow (found by tests/fuzz/fuzz_scenario). No legitimate value comes near the bound.
#include <cstddef>
#include <filesystem>

#include <yaml-cpp/yaml.h>

namespace dubctl {

inline constexpr std::size_t kMaxScenarioText = 4096;

// Throws ScenarioError "file:line: dotted.key: ..." for the first key or value longer than
// kMaxScenarioText characters. Each node is looked at once, aliases included (no blow-up on
// anchors that reference each other).
void check_text_lengths(const YAML::Node& root, const std::filesystem::path& file);

}  // namespace dubctl
