#include "shard.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <regex>

#include "dub/util/error.hpp"

namespace dubctl {

ShardSpec parse_shard(const std::string& text) {
  static const std::regex form("([0-9]{1,4})/([0-9]{1,4})");
  std::smatch m;
  if (std::regex_match(text, m, form)) {
    const ShardSpec spec{std::stoi(m[1].str()), std::stoi(m[2].str())};
    if (spec.index >= 1 && spec.index <= spec.count && spec.count <= 1000) return spec;
  }
  throw dub::Error(fmt::format("--shard '{}': use I/N with 1 <= I <= N <= 1000, e.g. 2/4 (the second of 4)", text));
}

std::map<std::string, double> recorded_durations(const std::filesystem::path& report_json) {
  std::ifstream in(report_json);
  if (!in) throw dub::Error(fmt::format("--durations {}: cannot read it", report_json.string()));
  std::map<std::string, double> out;
  try {
    const auto doc = nlohmann::json::parse(in);
    for (const auto& s : doc.at("scenarios")) {
      const auto name = s.at("name").get<std::string>();
      const auto& d = s.at("duration_s");
      if (!d.is_number()) continue;
      out[name] = std::max(out[name], d.get<double>());
    }
  } catch (const nlohmann::json::exception& e) {
    throw dub::Error(
        fmt::format("--durations {}: not the report.json of a dubctl run (scenarios[].name, "
                    "duration_s): {}",
                    report_json.string(), e.what()));
  }
  return out;
}

std::vector<double> shard_weights(const std::vector<std::string>& names,
                                  const std::map<std::string, double>& durations) {
  std::vector<double> known;
  for (const auto& name : names) {
    if (const auto it = durations.find(name); it != durations.end()) known.push_back(it->second);
  }
  double fallback = 1.0;
  if (!known.empty()) {
    std::sort(known.begin(), known.end());
    fallback = known[known.size() / 2];
  }
  std::vector<double> weights;
  weights.reserve(names.size());
  for (const auto& name : names) {
    const auto it = durations.find(name);
    weights.push_back(it != durations.end() ? it->second : fallback);
  }
  return weights;
}

std::vector<std::size_t> shard_members(const std::vector<std::string>& names,
                                       const std::map<std::string, double>& durations, ShardSpec spec) {
  const auto weights = shard_weights(names, durations);
  std::vector<std::size_t> order(names.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (weights[a] != weights[b]) return weights[a] > weights[b];
    return names[a] != names[b] ? names[a] < names[b] : a < b;
  });
  std::vector<double> load(static_cast<std::size_t>(spec.count), 0.0);
  std::vector<std::size_t> mine;
  for (const auto i : order) {
    const auto least = static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    load[least] += weights[i];
    if (static_cast<int>(least) + 1 == spec.index) mine.push_back(i);
  }
  std::sort(mine.begin(), mine.end());
  return mine;
}

}  // namespace dubctl
