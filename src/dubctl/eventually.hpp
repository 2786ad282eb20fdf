#pragma once
// The one poll-until primitive of dubctl: every wait (an HTTP answer, a log line, a container's
// state, a background task, a worker's final state) tries an attempt every `interval` until it
// succeeds, the deadline passes, or the run is cancelled (Ctrl-C / SIGTERM, the scenario's
// deadline, or a background task's stop flag), with one progress line.
#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "dub/util/error.hpp"

namespace dubctl {

// Thrown when a wait is cancelled: the run was interrupted, or a background task was stopped.
class Cancelled : public dub::Error {
 public:
  using dub::Error::Error;
};

// Thrown when the scenario's deadline passes inside a step: "deadline: scenario timeout 180s reached".
class DeadlineReached : public Cancelled {
 public:
  using Cancelled::Cancelled;
};

// The run's interruption flag: the signal number that interrupted it, 0 while it runs on.
std::atomic<int>& interrupt_signal();
// Throws Cancelled ("interrupted by signal N") once the run was interrupted.
void check_interrupted();

// The scenario's deadline, for the steps running on the calling thread while it lives (a
// scenario's steps run on one thread; a background task runs on its own and is stopped with its
// scenario, never cut by this deadline). Inside one, every blocking call of a step (eventually(),
// run_command()) ends with DeadlineReached once the deadline passes, and a child process is
// stopped when the run is interrupted. Outside (teardown, saving logs), a child runs to its end.
class ScenarioDeadline {
 public:
  using Clock = std::chrono::steady_clock;
  ScenarioDeadline(Clock::time_point at, std::chrono::milliseconds budget);
  ScenarioDeadline(const ScenarioDeadline&) = delete;
  ScenarioDeadline& operator=(const ScenarioDeadline&) = delete;
  ScenarioDeadline(ScenarioDeadline&&) = delete;
  ScenarioDeadline& operator=(ScenarioDeadline&&) = delete;
  ~ScenarioDeadline();  // restores the one it replaced (none, usually)

  // The calling thread's deadline, when one is in force.
  static const ScenarioDeadline* current();
  [[nodiscard]] Clock::time_point at() const { return at_; }
  // "deadline: scenario timeout 180s reached"
  [[nodiscard]] std::string message() const;

 private:
  Clock::time_point at_;
  std::chrono::milliseconds budget_;
  const ScenarioDeadline* previous_;
};

// Throws Cancelled when the run was interrupted, DeadlineReached when the calling thread's
// scenario deadline has passed.
void check_cancelled();

struct Wait {
  std::string what;  // the progress line ("waiting for ..."); empty: no progress line (background work)
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds interval{std::chrono::milliseconds(500)};
  const std::atomic<bool>* cancel = nullptr;  // a background task's stop flag
};

// One attempt: returns the outcome once the wait is over (shown as the progress line's outcome),
// else nullopt with `last` saying what it saw (shown while waiting; kept for the timeout message).
// An attempt may throw to end the wait at once (e.g. a dead container).
using Attempt = std::function<std::optional<std::string>(std::string& last)>;

// Runs `attempt` until it returns an outcome (returned) or `wait.timeout` passes (nullopt; `last`
// holds what the final attempt said). Throws Cancelled when the run is interrupted or `wait.cancel`
// is set, DeadlineReached when the scenario's deadline passes first; both are seen within 50 ms
// of a pause between attempts, however long `wait.interval` is.
std::optional<std::string> eventually(const Wait& wait, const Attempt& attempt, std::string& last);

}  // namespace dubctl
