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

// What an action waits for on the service's container: the state that shows it took effect.
struct Effect {
  const char* wanted;  // "not <wanted> within ..."
  bool (*reached)(const ContainerStatus&);
};

Effect effect_of(const std::string& action) {
  if (action == "pause") return {"paused", [](const ContainerStatus& c) { return c.state == "paused"; }};
  if (action == "unpause") return {"running", [](const ContainerStatus& c) { return c.running(); }};
  if (action == "start" || action == "restart") {
    return {"running and healthy", healthy_now};
  }
  return {"stopped", [](const ContainerStatus& c) { return !c.running(); }};  // kill, stop
}

// The step's line once the effect is seen on `c`.
std::string effect_line(const FaultStep& step, const ContainerStatus& c, const Stack& stack, Duration took) {
  if (step.action == "pause") {
    return fmt::format("{} (compose project {}) is paused: its processes are frozen, its connections stay open",
                       step.service, stack.project);
  }
  if (step.action == "unpause") return fmt::format("{} (compose project {}) runs again", step.service, stack.project);
  if (step.action == "start" || step.action == "restart") {
    return fmt::format("{} (compose project {}) is running and healthy again after {}", step.service, stack.project,
                       seconds(took));
  }
  return not_running_message(c, stack.project);  // kill, stop: why the container no longer runs
}

// Polls the service's container until the action's effect shows (effect_of), within the step's timeout.
std::string await_effect(const FaultStep& step, const Stack& stack, const EnvMap& env, const std::atomic<bool>* cancel,
                         Clock::time_point started) {
  const auto effect = effect_of(step.action);
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
          if (effect.reached(*c)) {
            return effect_line(step, *c, stack, std::chrono::duration_cast<Duration>(Clock::now() - started));
          }
          seen = c->running() ? fmt::format("running, {}", c->health.empty() ? "no health check" : c->health)
                              : not_running_message(*c, stack.project);
          return std::nullopt;
        },
        last);
    if (!done) {
      throw dub::Error(fmt::format("{} {} (compose project {}): not {} within {} (last: {})", step.action, step.service,
                                   stack.project, effect.wanted, seconds(step.timeout), last));
    }
    return *done;
  } catch (const Cancelled&) {
    throw dub::Error(fmt::format("{} {}: cancelled", step.action, step.service));
  }
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
