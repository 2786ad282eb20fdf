#pragma once
// `dubctl run --jobs N`: the scenarios run as N concurrent runs of dubctl itself, each isolated (its
// own compose projects and host ports: isolation.hpp) and given one part of the scenarios
// (`--shard I/N`, balanced by --durations: shard.hpp), their reports merged into the run's artifacts
// folder (merge.hpp). The terminal shows one line each time a job starts a scenario or ends; each
// job's own output is in <artifacts>/job-<I>/output.log. Ctrl-C reaches every job, which tears its
// stacks down.
#include <filesystem>
#include <string>
#include <vector>

#include "runner.hpp"

namespace dubctl {

// The arguments of job `index` of `count` (after the program name): `run`, the scenarios, every
// option of `options` that a run honours, then --isolate, --shard index/count and --artifacts `dir`.
std::vector<std::string> job_arguments(const RunOptions& options, int index, int count,
                                       const std::filesystem::path& dir);

// The scenario a job's output last started ("> <name> — ..."), "" before the first.
std::string current_scenario(const std::string& output);

// Runs the jobs, waits for them, merges their reports and prints the wall time against the sum of the
// scenarios' times (the speedup). Returns the exit code as `dubctl run` does (verdict.hpp), 130 when
// interrupted. Throws dub::Error for --shard (a job is a shard already) and when a job left no reports.
int run_jobs(const RunOptions& options);

}  // namespace dubctl
