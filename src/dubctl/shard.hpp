#pragma once
// `dubctl run --shard I/N`: the part of the scenarios one of N runners runs (issue 16), the same split
// on every runner. Balanced by recorded durations (`--durations`: the report.json of an earlier run):
// longest first, each to the shard with the least time so far, so the shards end close together.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace dubctl {

struct ShardSpec {
  int index = 1;  // 1-based
  int count = 1;
};

// "I/N" with 1 <= I <= N <= 1000. Throws dub::Error naming the value when it is not that.
ShardSpec parse_shard(const std::string& text);

// Each scenario's wall time in the report.json of an earlier run (docs/report.schema.json:
// scenarios[].name and duration_s; a scenario run more than once counts with its longest). Throws
// dub::Error naming the file when it cannot be read as one.
std::map<std::string, double> recorded_durations(const std::filesystem::path& report_json);

// The indexes into `names` that shard `spec` runs, in the order given. Every name goes to exactly one
// shard: by recorded duration, longest first (ties: by name), each to the shard with the least time
// so far (ties: the lowest shard); a name without a recorded duration weighs the median of the known
// ones (1 s when none is known). The same names and durations give the same split on every runner.
std::vector<std::size_t> shard_members(const std::vector<std::string>& names,
                                       const std::map<std::string, double>& durations, ShardSpec spec);

// The weight shard_members gives each name (its recorded duration, else the median of the known ones).
std::vector<double> shard_weights(const std::vector<std::string>& names,
                                  const std::map<std::string, double>& durations);

}  // namespace dubctl
