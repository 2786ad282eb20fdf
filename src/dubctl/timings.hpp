#pragma once
// `dubctl run --timings`: where the run's wall time went, as a table on the terminal: each scenario's
// steps (line, kind, seconds, share of the scenario) and what no step accounts for, then the run's
// own phases (start, teardown, reports) and the total.
#include <string>
#include <vector>

#include "report.hpp"

namespace dubctl::report {

struct Phase {
  std::string name;  // "start (compose tool, checks)", "teardown", "reports"
  double seconds = 0;
};

// The table (plain text, one line per step). A scenario's "outside steps" row is its time minus its
// steps' (the fixture check, saving logs, gathering the report's data).
std::string timings_table(const std::vector<ScenarioReport>& scenarios, const std::vector<Phase>& phases,
                          double total_s);

}  // namespace dubctl::report
