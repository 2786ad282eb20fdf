#pragma once
// The one poll-until primitive of dubctl: every wait (an HTTP answer, a log line, a container's
// state, a background task, a worker's final state) tries an attempt every `interval` until it
// succeeds, the deadline passes, or the run is cancelled (Ctrl-C / SIGTERM, or a background task's
// stop flag), with one progress line.
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

// The run's interruption flag: the signal number that interrupted it, 0 while it runs on.
std::atomic<int>& interrupt_signal();
// Throws Cancelled ("interrupted by signal N") once the run was interrupted.
void check_interrupted();

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
// is set.
std::optional<std::string> eventually(const Wait& wait, const Attempt& attempt, std::string& last);

}  // namespace dubctl
