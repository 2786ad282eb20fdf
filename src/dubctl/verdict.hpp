#pragma once
// The verdict of a `dubctl run`, decided from its JUnit cases alone (no I/O, unit-tested):
//   - a scenario that cannot run on this host (a fixture missing, a host port taken) is a skipped
//     case with its reason, and the rest of the run goes on;
//   - --fail-fast: after the first failed case, the others are skipped cases, not run;
//   - --strict turns every skip into a failure (CI: nothing passes by not running);
//   - the pass rate is passed / (passed + failed), skips left out; the run fails (exit 1) when it is
//     below --min-pass-rate (default 1.0: any failure fails the run), and names the failed runs;
//   - the closing line CI reads: "N passed, M failed, K skipped".
#include <string>
#include <vector>

#include "junit.hpp"

namespace dubctl {

// The JUnit case name of a scenario's run `iteration` (from 1): "<scenario>#<iteration>" when the
// run repeats (--repeat > 1), else the scenario's name.
std::string case_name(const std::string& scenario, int iteration, int repeat);

// The case of a scenario run that did not run, skipped for `reason`.
TestCase skipped_case(std::string name, std::string reason);

// --fail-fast: the skip reason of every case after the first failed one, `failed_case`:
// "not run: --fail-fast after <failed_case> failed".
std::string fail_fast_reason(const std::string& failed_case);

// --strict: a skipped case becomes a failed one, its reason kept.
void apply_strict(TestCase& c);

struct Verdict {
  long passed = 0;
  long failed = 0;
  long skipped = 0;
  double pass_rate = 1.0;                 // passed / (passed + failed); 1 when no case was judged (all skipped)
  double min_pass_rate = 1.0;             // what it was held to
  bool below_minimum = false;             // pass_rate < min_pass_rate
  std::vector<std::string> failed_runs;   // "<case>: <first line of its failure>"
  std::vector<std::string> skipped_runs;  // "<case>: <first line of its reason>"

  // "N passed, M failed, K skipped": the last line on standard output.
  [[nodiscard]] std::string closing_line() const;
  // 130 when interrupted, else 1 when the pass rate is below the minimum, else 0.
  [[nodiscard]] int exit_code(bool interrupted) const;
};

// Counts `cases` (after apply_strict, when --strict) and holds the pass rate to `min_pass_rate` (0..1).
Verdict judge_run(const std::vector<TestCase>& cases, double min_pass_rate);

// What standard error shows after the summary table: the pass rate against its minimum (when
// `show_rate`: the run repeats or the minimum is below 1), then every failed and skipped run with
// its reason's first line. "" when there is nothing to say.
std::string verdict_text(const Verdict& verdict, bool show_rate);

}  // namespace dubctl
