#pragma once
// The `fault:` step: kill, stop, start, restart, pause or unpause a service of a running stack with the compose
// tool the stacks use, now or `after` a delay in the background (scenario.hpp: FaultStep).
#include <atomic>
#include <string>
#include <vector>

#include "background_task.hpp"
#include "session.hpp"
#include "stacks.hpp"
#include "steps/options.hpp"

namespace dubctl {

// The compose arguments of `action` on `service`: kill -s SIGKILL, stop -t 10, start, restart -t 10,
// pause, unpause (after `compose_args(stack, ...)`'s project and file). Throws dub::Error on an
// unknown action. pause freezes the processes (SIGSTOP-like, the cgroup freezer): the service is
// there, its connections stay open, it answers nothing: a hiccup rather than a crash.
std::vector<std::string> fault_args(const std::string& action, const std::string& service);

// Runs the action and waits for its effect, at most step.timeout: after kill/stop the service's
// container is no longer running; after start/restart it is running and healthy; after pause it is
// paused; after unpause it runs. Returns what
// happened; throws dub::Error when the command fails or the effect does not come (or on `cancel`).
std::string inject_fault(const FaultStep& step, const Stack& stack, const EnvMap& env,
                         const std::atomic<bool>* cancel = nullptr);

// The step: marks the stack disturbed (session.hpp), then acts now or, with `after`, in the
// background (a task of kind "fault" in `tasks`). Returns the step's one-line report.
std::string fault_step(const FaultStep& step, Session& session, Tasks& tasks);

}  // namespace dubctl
