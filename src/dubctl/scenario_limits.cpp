#include "scenario_limits.hpp"

#include <fmt/format.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "scenario.hpp"

namespace dubctl {

namespace {

// The text and line of a scalar that is too long, named by its dotted key path.
[[noreturn]] void too_long(const YAML::Node& node, const std::string& path, const std::filesystem::path& file,
                           const char* what) {
  const int line = node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
  throw ScenarioError(fmt::format("{}:{}: {}: {} is {} characters long (at most {})", file.string(), line,
                                  path.empty() ? "(top level)" : path, what, node.Scalar().size(), kMaxScenarioText));
}

std::string child_path(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

}  // namespace

void check_text_lengths(const YAML::Node& root, const std::filesystem::path& file) {
  // Iterative walk; a node reached twice (an alias) is skipped by its position in the text.
  std::vector<std::pair<YAML::Node, std::string>> todo{{root, ""}};
  std::set<int> seen;
  while (!todo.empty()) {
    auto [node, path] = std::move(todo.back());
    todo.pop_back();
    if (node.IsScalar()) {
      if (node.Scalar().size() > kMaxScenarioText) too_long(node, path, file, "the value");
      continue;
    }
    if (!node.IsSequence() && !node.IsMap()) continue;
    if (!seen.insert(node.Mark().pos).second) continue;
    if (node.IsSequence()) {
      for (std::size_t i = 0; i < node.size(); ++i) todo.emplace_back(node[i], fmt::format("{}[{}]", path, i));
      continue;
    }
    for (const auto& kv : node) {
      if (kv.first.IsScalar() && kv.first.Scalar().size() > kMaxScenarioText) {
        too_long(kv.first, path, file, "a key");
      }
      const auto key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("(key)");
      todo.emplace_back(kv.first, path);
      todo.emplace_back(kv.second, child_path(path, key));
    }
  }
}

}  // namespace dubctl
