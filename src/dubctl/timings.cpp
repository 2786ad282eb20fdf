#include "timings.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace dubctl::report {

namespace {

std::string clipped(const std::string& text, std::size_t width) {
  const auto line = text.substr(0, text.find('\n'));
  return line.size() > width ? line.substr(0, width - 3) + "..." : line;
}

std::string share(double part, double whole) {
  return whole > 0 ? fmt::format("{:.0f}%", 100.0 * part / whole) : "-";
}

}  // namespace

std::string timings_table(const std::vector<ScenarioReport>& scenarios, const std::vector<Phase>& phases,
                          double total_s) {
  std::string out = "\ntimings (seconds)\n";
  double in_scenarios = 0;
  for (const auto& s : scenarios) {
    in_scenarios += s.time_s;
    out += fmt::format("{}  {:.1f}s{}\n", s.name, s.time_s, s.skipped ? " (skipped)" : "");
    double in_steps = 0;
    for (const auto& step : s.steps) {
      if (step.status == "not_run") continue;
      in_steps += step.duration_s;
      out += fmt::format("  line {:<4} {:<8} {:>7.2f}  {:>4}  {}\n", step.line, step.kind, step.duration_s,
                         share(step.duration_s, s.time_s), clipped(step.description, 70));
    }
    const double outside = std::max(0.0, s.time_s - in_steps);
    out += fmt::format("  {:<18} {:>7.2f}  {:>4}  the fixture check, saved logs, the report's data\n", "outside steps",
                       outside, share(outside, s.time_s));
  }
  out += fmt::format("{:<20} {:>7.2f}  {:>4}\n", "scenarios", in_scenarios, share(in_scenarios, total_s));
  for (const auto& p : phases) {
    out += fmt::format("{:<20} {:>7.2f}  {:>4}\n", p.name, p.seconds, share(p.seconds, total_s));
  }
  out += fmt::format("{:<20} {:>7.2f}\n", "total", total_s);
  return out;
}

}  // namespace dubctl::report
