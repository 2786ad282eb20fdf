#include "fault.hpp"

#include <fmt/format.h>

#include <chrono>

#include "containers.hpp"
#include "dub/util/error.hpp"
#include "dub/util/log.hpp"
#include "eventually.hpp"

namespace dubctl {

namespace {

using Clock = std::chrono::steady_clock;

std::string seconds(Duration d) {
  return fmt::format("{:g}s", std::chrono::duration<double>(d).count());
}

// The service's container, or nullopt when it has none (never created, or removed).
std::optional<ContainerStatus> service_status(const Stack& stack, const EnvMap& env, const std::string& service) {
  for (auto& c : container_statuses(stack, env)) {
    if (c.service == service) return c;
  }
  return std::nullopt;
}

// pause: polls until the service's container is paused; unpause: until it runs again.
std::string await_pause(const FaultStep& step, const Stack& stack, const EnvMap& env, const std::atomic<bool>* cancel,
                        Clock::time_point started) {
  const bool pause = step.action == "pause";
  std::string last = "no container";
  const Wait wait{{},
                  std::chrono::duration_cast<Duration>(started + step.timeout - Clock::now()),
                  std::chrono::milliseconds(250),
                  cancel};
  try {
    const auto done = eventually(
        wait,
        [&](std::string& seen) -> std::optional<std::string> {
          const auto c = service_status(stack, env, step.service);
          if (!c) return std::nullopt;
          if (pause ? c->state == "paused" : c->running()) return c->state;
          seen = c->state;
          return std::nullopt;
        },
        last);
    if (!done) {
      throw dub::Error(fmt::format("{} {} (compose project {}): not {} within {} (last: {})", step.action, step.service,
                                   stack.project, pause ? "paused" : "running", seconds(step.timeout), last));
    }
  } catch (const Cancelled&) {
    throw dub::Error(fmt::format("{} {}: cancelled", step.action, step.service));
  }
  return pause ? fmt::format("{} (compose project {}) is paused: its processes are frozen, its connections stay open",
                             step.service, stack.project)
               : fmt::format("{} (compose project {}) runs again", step.service, stack.project);
}

// Polls until the service's container is up (start, restart) or no longer running (kill, stop).
std::string await_effect(const FaultStep& step, const Stack& stack, const EnvMap& env, const std::atomic<bool>* cancel,
                         Clock::time_point started) {
  if (step.action == "pause" || step.action == "unpause") return await_pause(step, stack, env, cancel, started);
  const bool want_up = step.action == "start" || step.action == "restart";
  std::string last = "no container";
  std::string stopped;  // kill, stop: why the container no longer runs
  Wait wait{{},
            std::chrono::duration_cast<Duration>(started + step.timeout - Clock::now()),
            std::chrono::milliseconds(250),
            cancel};
  try {
    const auto done = eventually(
        wait,
        [&](std::string& seen) -> std::optional<std::string> {
          const auto c = service_status(stack, env, step.service);
          if (!c) return std::nullopt;
          if (want_up && c->up()) return "up";
          if (!want_up && !c->running()) return stopped = not_running_message(*c, stack.project);
          seen = c->running() ? fmt::format("running, {}", c->health.empty() ? "no health check" : c->health)
                              : not_running_message(*c, stack.project);
          return std::nullopt;
        },
        last);
    if (!done) {
      throw dub::Error(fmt::format("{} {} (compose project {}): not {} within {} (last: {})", step.action, step.service,
                                   stack.project, want_up ? "running and healthy" : "stopped", seconds(step.timeout),
                                   last));
    }
  } catch (const Cancelled&) {
    throw dub::Error(fmt::format("{} {}: cancelled", step.action, step.service));
  }
  if (!want_up) return stopped;
  const auto took = std::chrono::duration_cast<Duration>(Clock::now() - started);
  return fmt::format("{} (compose project {}) is running and healthy again after {}", step.service, stack.project,
                     seconds(took));
}

}  // namespace

std::vector<std::string> fault_args(const std::string& action, const std::string& service) {
  if (action == "kill") return {"kill", "-s", "SIGKILL", service};
  if (action == "stop") return {"stop", "-t", "10", service};
  if (action == "start") return {"start", service};
  if (action == "restart") return {"restart", "-t", "10", service};
  if (action == "pause") return {"pause", service};
  if (action == "unpause") return {"unpause", service};
  throw dub::Error(fmt::format("unknown fault action '{}' (use kill, stop, start, restart, pause or unpause)", action));
}

std::string inject_fault(const FaultStep& step, const Stack& stack, const EnvMap& env,
                         const std::atomic<bool>* cancel) {
  const auto started = Clock::now();
  dub::log::info("fault", {{"stack", stack.name}, {"service", step.service}, {"action", step.action}});
  const auto result = run_command(compose_args(stack, fault_args(step.action, step.service)), env);
  if (result.exit_code != 0) {
    throw dub::Error(
        fmt::format("{} {} (compose project {}) failed:\n{}", step.action, step.service, stack.project, result.output));
  }
  return await_effect(step, stack, env, cancel, started);
}

std::string fault_step(const FaultStep& step, Session& session, Tasks& tasks) {
  const auto target = session.disturb(step.stack);
  if (step.after.count() <= 0) return inject_fault(step, target.stack, target.env);
  tasks.push_back(std::make_unique<BackgroundTask>(
      "fault", [step, target](const std::atomic<bool>& cancel, const std::function<void()>& started) {
        started();
        try {
          std::string last;
          eventually(
              {{}, step.after, std::chrono::milliseconds(20), &cancel},
              [](std::string&) -> std::optional<std::string> { return std::nullopt; }, last);
        } catch (const Cancelled&) {
          return fmt::format("{} {}: not done (the scenario ended first)", step.action, step.service);
        }
        return inject_fault(step, target.stack, target.env, &cancel);
      }));
  return fmt::format("{} {} in the background, {} from now", step.action, step.service, seconds(step.after));
}

}  // namespace dubctl
