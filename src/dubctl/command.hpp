#pragma once
// Running a program (docker, compose, the judge, Chromium) as a child process that can be stopped:
// inside a step (eventually.hpp: ScenarioDeadline) it is stopped as soon as the run is interrupted
// (Ctrl-C, SIGTERM) or the scenario's deadline passes, and any call may bound it with a limit.
// Each child runs in its own process group, so stopping it stops what it started too (SIGTERM,
// then SIGKILL after a grace period), and it is sent SIGTERM should dubctl itself die.
#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace dubctl {

struct CommandResult {
  int exit_code = 0;
  std::string output;  // stdout and stderr together
};

struct CommandOptions {
  std::chrono::milliseconds limit{0};     // stop it after this long and throw (0: no limit)
  bool cancellable = true;                // inside a step: stopped on an interrupt or the scenario's deadline
  std::chrono::milliseconds grace{1000};  // between SIGTERM and SIGKILL when it is stopped
};

// Runs a command (no shell), capturing its output. Throws dub::Error if it cannot start or runs
// past `options.limit`; Cancelled / DeadlineReached (eventually.hpp) when a step is cancelled.
// Either way the child (and its process group) is stopped before it throws.
CommandResult run_command(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {},
                          const CommandOptions& options = {});

}  // namespace dubctl
