#pragma once
// Runs scenarios against the real compose stacks, sharing the stacks across the run
// (session scope), and reports every scenario as a JUnit test case.
#include <filesystem>
#include <string>
#include <vector>

#include "cleanup.hpp"
#include "junit.hpp"
#include "scenario.hpp"

namespace dubctl {

struct RunOptions {
  std::vector<std::string> scenario_args;  // files or folders
  int repeat = 1;
  double min_pass_rate = 1.0;       // --min-pass-rate: below it the run fails (verdict.hpp)
  bool strict = false;              // --strict: a skipped scenario counts as a failed one
  bool fail_fast = false;           // --fail-fast: after the first failed case the rest are skipped, not run
  std::filesystem::path junit;      // --report-junit (--junit); empty: <artifacts>/junit.xml
  std::filesystem::path artifacts;  // empty: out/<timestamp>
  bool keep_up = false;             // --keep-up (commands.cpp turns it into cleanup = never)
  // --update-golden: verify steps rewrite their golden files instead of comparing (golden.hpp)
  bool update_golden = false;
  bool timings = false;  // --timings: where the wall time went, per scenario and step (timings.hpp)
  bool isolate = false;  // --isolate: the run's own compose projects and host ports (isolation.hpp)
  int jobs = 1;          // --jobs N: N isolated runs of dubctl, one shard each (jobs.hpp)
  std::string shard;     // --shard I/N: only this shard's scenarios (shard.hpp); empty: all
  std::vector<std::filesystem::path> durations;  // --durations: earlier runs' report.json, to balance shards
  Cleanup cleanup = Cleanup::Always;
  EnvMap env;                        // --env KEY=VAL: applied to every stack and to ${...} expansion
  EnvMap vars;                       // --var / --var-file: ${...} in scenarios only, never compose (run_vars.hpp)
  std::vector<std::string> secrets;  // --secret NAME: its value is masked in every output (redact.hpp)

  // --report-html and --report-json; empty: report.html (report.png beside it) and report.json
  // (report_json.hpp) in the artifacts folder.
  std::filesystem::path report_html;
  std::filesystem::path report_json;
};

// Returns the process exit code (verdict.hpp): 0 when the pass rate meets --min-pass-rate (skips left
// out unless --strict), 1 otherwise, 130 when interrupted.
int run_scenarios(const RunOptions& requested);

}  // namespace dubctl
