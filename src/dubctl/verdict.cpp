#include "verdict.hpp"

#include <fmt/format.h>

#include <utility>

namespace dubctl {

namespace {

// The first line of `text`, at most 200 characters.
std::string first_line(const std::string& text) {
  constexpr std::size_t kMax = 200;
  auto line = text.substr(0, text.find('\n'));
  if (line.size() > kMax) line = line.substr(0, kMax - 3) + "...";
  return line;
}

std::string percent(double rate) {
  return fmt::format("{:.0f}%", 100.0 * rate);
}

}  // namespace

std::string case_name(const std::string& scenario, int iteration, int repeat) {
  return repeat > 1 ? fmt::format("{}#{}", scenario, iteration) : scenario;
}

TestCase skipped_case(std::string name, std::string reason) {
  TestCase tc;
  tc.name = std::move(name);
  tc.classname = "dubctl.scenarios";
  tc.skipped = true;
  tc.skip_reason = std::move(reason);
  return tc;
}

std::string fail_fast_reason(const std::string& failed_case) {
  return fmt::format("not run: --fail-fast after {} failed", failed_case);
}

void apply_strict(TestCase& c) {
  if (!c.skipped) return;
  c.skipped = false;
  c.failure = "skipped, and --strict counts a skip as a failure: " + c.skip_reason;
}

Verdict judge_run(const std::vector<TestCase>& cases, double min_pass_rate) {
  Verdict v;
  v.min_pass_rate = min_pass_rate;
  for (const auto& c : cases) {
    if (c.skipped) {
      ++v.skipped;
      v.skipped_runs.push_back(fmt::format("{}: {}", c.name, first_line(c.skip_reason)));
    } else if (!c.failure.empty()) {
      ++v.failed;
      v.failed_runs.push_back(fmt::format("{}: {}", c.name, first_line(c.failure)));
    } else {
      ++v.passed;
    }
  }
  const long judged = v.passed + v.failed;
  v.pass_rate = judged == 0 ? 1.0 : static_cast<double>(v.passed) / static_cast<double>(judged);
  // Compared in whole cases, so that 19 of 20 meets 0.95 despite rounding.
  constexpr double kEpsilon = 1e-9;
  v.below_minimum = static_cast<double>(v.passed) + kEpsilon < min_pass_rate * static_cast<double>(judged);
  return v;
}

std::string Verdict::closing_line() const {
  return fmt::format("{} passed, {} failed, {} skipped", passed, failed, skipped);
}

int Verdict::exit_code(bool interrupted) const {
  if (interrupted) return 130;
  return below_minimum ? 1 : 0;
}

std::string verdict_text(const Verdict& verdict, bool show_rate) {
  std::string out;
  if (show_rate) {
    out += fmt::format("pass rate: {}/{} ({}), minimum {}{}\n", verdict.passed, verdict.passed + verdict.failed,
                       percent(verdict.pass_rate), percent(verdict.min_pass_rate),
                       verdict.below_minimum ? ": BELOW, the run fails" : "");
  }
  if (!verdict.failed_runs.empty()) {
    out += fmt::format("failed runs:\n  {}\n", fmt::join(verdict.failed_runs, "\n  "));
  }
  if (!verdict.skipped_runs.empty()) {
    out += fmt::format("skipped runs (--strict fails them):\n  {}\n", fmt::join(verdict.skipped_runs, "\n  "));
  }
  return out;
}

}  // namespace dubctl
