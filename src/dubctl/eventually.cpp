#include "eventually.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <thread>

#include "progress.hpp"

namespace dubctl {

namespace {

thread_local const ScenarioDeadline* t_deadline = nullptr;

// How long a pause between attempts sleeps before it looks at the cancellation again.
constexpr std::chrono::milliseconds kSlice{50};

}  // namespace

std::atomic<int>& interrupt_signal() {
  static std::atomic<int> signal{0};
  return signal;
}

void check_interrupted() {
  if (const int sig = interrupt_signal().load(); sig != 0) {
    throw Cancelled(fmt::format("interrupted by signal {}", sig));
  }
}

ScenarioDeadline::ScenarioDeadline(Clock::time_point at, std::chrono::milliseconds budget)
    : at_(at), budget_(budget), previous_(t_deadline) {
  t_deadline = this;
}

ScenarioDeadline::~ScenarioDeadline() {
  t_deadline = previous_;
}

const ScenarioDeadline* ScenarioDeadline::current() {
  return t_deadline;
}

std::string ScenarioDeadline::message() const {
  const auto ms = budget_.count();
  return ms % 1000 == 0 ? fmt::format("deadline: scenario timeout {}s reached", ms / 1000)
                        : fmt::format("deadline: scenario timeout {:g}s reached", static_cast<double>(ms) / 1000.0);
}

void check_cancelled() {
  check_interrupted();
  if (const auto* d = ScenarioDeadline::current(); d != nullptr && ScenarioDeadline::Clock::now() >= d->at()) {
    throw DeadlineReached(d->message());
  }
}

std::optional<std::string> eventually(const Wait& wait, const Attempt& attempt, std::string& last) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + wait.timeout;
  std::unique_ptr<Progress> progress;
  if (!wait.what.empty()) progress = std::make_unique<Progress>(wait.what, wait.timeout);
  const auto cancelled = [&wait] {
    check_cancelled();
    if (wait.cancel != nullptr && *wait.cancel) throw Cancelled("cancelled");
  };
  while (true) {
    if (auto outcome = attempt(last)) {
      if (progress) progress->done(*outcome);
      return outcome;
    }
    if (Clock::now() >= deadline) return std::nullopt;
    cancelled();
    if (progress) progress->tick(last.substr(0, last.find(';')));
    // The pause, in slices: a cancellation is seen within one slice, however long the interval.
    const auto resume = std::min(Clock::now() + wait.interval, deadline);
    for (auto now = Clock::now(); now < resume; now = Clock::now()) {
      std::this_thread::sleep_for(std::min<Clock::duration>(kSlice, resume - now));
      cancelled();
    }
  }
}

}  // namespace dubctl
