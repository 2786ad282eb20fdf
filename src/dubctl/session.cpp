#include "session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

#include "containers.hpp"
#include "dub/util/error.hpp"
#include "dub/util/log.hpp"
#include "isolation.hpp"

namespace fs = std::filesystem;

namespace dubctl {

Session::Session(fs::path root, EnvMap global_env, Redactor redactor)
    : root_(std::move(root)), global_env_(with_run_names(std::move(global_env))), redactor_(std::move(redactor)) {}

std::vector<std::optional<Duration>> Session::up(const std::vector<std::pair<std::string, StackUse>>& stacks,
                                                 Duration timeout) {
  std::vector<std::optional<Duration>> took(stacks.size());
  std::vector<StartedStack> started;
  std::vector<std::size_t> started_at;  // index in `stacks` of each one started
  std::vector<bool> cold;
  for (std::size_t i = 0; i < stacks.size(); ++i) {
    const auto& [name, use] = stacks[i];
    EnvMap env = global_env_;
    for (const auto& [k, v] : use.env) env[k] = v;
    const auto stack = stacks_for(name, root_).front();
    bool from_nothing = true;  // no container of it runs: `compose up` starts it from nothing
    if (const auto it = running_.find(name); it != running_.end()) {
      const bool same = it->second.env == env && it->second.services == use.services;
      const auto why = same ? unfit(name, it->second) : "other settings";
      if (why.empty()) continue;  // already up as asked
      fmt::print(stderr, "  restarting the {} stack: {}\n", name, redactor_.apply(why));
      dub::log::info("restarting stack", {{"stack", name}, {"reason", why}});
      stack_down(stack, it->second.env);
      running_.erase(it);
    } else {
      // Not started by this run, but maybe by someone else: then compose up only finds it running.
      try {
        const auto containers = container_statuses(stack, env);
        from_nothing =
            std::none_of(containers.begin(), containers.end(), [](const ContainerStatus& c) { return c.running(); });
      } catch (const dub::Error& e) {
        dub::log::debug("containers not inspected", {{"stack", name}, {"error", e.what()}});  // stack_start says why
      }
    }
    running_[name] = Running{env, use.services};
    started.push_back(stack_start(stack, env, use.services));
    started_at.push_back(i);
    cold.push_back(from_nothing);
  }
  if (started.empty()) return took;
  const auto healthy = await_healthy(started, std::chrono::duration_cast<std::chrono::seconds>(timeout));
  for (std::size_t j = 0; j < started.size(); ++j) {
    if (cold[j]) took[started_at[j]] = healthy[j];
  }
  return took;
}

void Session::down(const std::string& name) {
  const auto it = running_.find(name);
  if (it == running_.end()) return;
  stack_down(stacks_for(name, root_).front(), it->second.env);
  running_.erase(it);
}

void Session::down_all() {
  while (!running_.empty()) {
    const auto name = running_.begin()->first;
    try {
      down(name);
    } catch (const dub::Error& e) {
      fmt::print(stderr, "dubctl: warning: {}\n", e.what());
      running_.erase(name);
    }
  }
}

std::string Session::unfit(const std::string& name, const Running& running) const {
  if (running.disturbed) return "a fault step disturbed it";
  try {
    const auto stack = stacks_for(name, root_).front();
    const auto containers = container_statuses(stack, running.env);
    if (containers.empty()) return "its containers are gone";
    for (const auto& c : containers) {
      if (!c.running()) return not_running_message(c, stack.project);
      if (!healthy_now(c)) return fmt::format("{} is {}", c.service, c.health);
    }
  } catch (const dub::Error& e) {
    return fmt::format("its containers cannot be inspected ({})", e.what());
  }
  return "";
}

Session::Target Session::disturb(const std::string& name) {
  const auto it = running_.find(name);
  if (it == running_.end()) {
    throw dub::Error(
        fmt::format("the {} stack is not up in this run: a fault step needs an `up: {}` before it", name, name));
  }
  it->second.disturbed = true;
  return Target{stacks_for(name, root_).front(), it->second.env};
}

std::vector<std::string> Session::not_running() const {
  std::vector<std::string> out;
  for (const auto& [name, running] : running_) {
    try {
      const auto stack = stacks_for(name, root_).front();
      for (const auto& c : container_statuses(stack, running.env)) {
        if (!c.running()) out.push_back(not_running_message(c, stack.project));
      }
    } catch (const dub::Error& e) {
      dub::log::debug("containers not inspected", {{"stack", name}, {"error", e.what()}});
    }
  }
  return out;
}

std::optional<std::string> Session::not_running_behind(const std::string& url) const {
  const auto port = local_port(url);
  if (!port) return std::nullopt;
  for (const auto& [name, running] : running_) {
    try {
      const auto stack = stacks_for(name, root_).front();
      for (const auto& c : container_statuses(stack, running.env)) {
        const bool publishes = std::find(c.host_ports.begin(), c.host_ports.end(), *port) != c.host_ports.end();
        if (publishes && !c.running()) return not_running_message(c, stack.project);
      }
    } catch (const dub::Error& e) {
      dub::log::debug("containers not inspected", {{"stack", name}, {"error", e.what()}});
    }
  }
  return std::nullopt;
}

std::string Session::save_logs(const fs::path& dir) const {
  std::string tail;
  fs::create_directories(dir);
  for (const auto& [name, running] : running_) {
    const auto stack = stacks_for(name, root_).front();
    auto argv = compose_command();
    argv.insert(argv.end(),
                {"-p", stack.project, "-f", stack.compose_file.string(), "logs", "--no-color", "--timestamps"});
    try {
      const auto out = redactor_.apply(run_command(argv, running.env, {.limit = std::chrono::seconds(15)}).output);
      std::ofstream(dir / (name + ".log")) << out;
      tail += fmt::format("--- {} stack (last lines; full log in {}) ---\n{}\n", name, (dir / (name + ".log")).string(),
                          out.size() > 6000 ? out.substr(out.size() - 6000) : out);
    } catch (const dub::Error& e) {
      tail += fmt::format("--- {} stack: logs unavailable: {}\n", name, redactor_.apply(e.what()));
    }
  }
  return tail;
}

}  // namespace dubctl
