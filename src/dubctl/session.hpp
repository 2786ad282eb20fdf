#pragma once
// The stacks of a whole `dubctl run`: started once, shared by every scenario, torn down at the end.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "redact.hpp"
#include "scenario.hpp"
#include "stacks.hpp"

namespace dubctl {

class Session {
 public:
  // `redactor` masks the run's secrets in the container logs save_logs writes (redact.hpp).
  Session(std::filesystem::path root, EnvMap global_env, Redactor redactor);

  // Starts each stack (name -> the settings the scenario declares) unless it already runs with those
  // settings, whole and healthy: a stack a fault step disturbed, or with a container that is not
  // running (crashed, killed) or not healthy, is started afresh. The stacks to start are started
  // together (one `compose up` after the other, then one wait for all to be healthy). Returns, per
  // name in the order given, how long a cold start (no container of the stack running before) took
  // from its `compose up` to healthy (await_healthy); nullopt when it was running already.
  std::vector<std::optional<Duration>> up(const std::vector<std::pair<std::string, StackUse>>& stacks,
                                          Duration timeout);
  void down(const std::string& name);
  void down_all();
  // Whether this run left any stack up (what --cleanup keeps for inspection).
  [[nodiscard]] bool any_running() const { return !running_.empty(); }

  // The run's secrets (redact.hpp): whatever the run prints or writes goes through it.
  [[nodiscard]] const Redactor& redactor() const { return redactor_; }
  // Masks `value` from now on too (a secret a step captured: step_vars.hpp).
  void add_secret(const std::string& value) { redactor_.add_value(value); }

  // Saves `compose logs` of every running stack under `dir`, secrets masked; returns the tail for JUnit.
  std::string save_logs(const std::filesystem::path& dir) const;

  // The stack `name` as this run started it, for a fault step, which disturbs it: its next `up`
  // starts it afresh. Throws dub::Error when the run has not started it.
  struct Target {
    Stack stack;
    EnvMap env;
  };
  Target disturb(const std::string& name);

  // One message per container of the running stacks that is not running ("media-service (compose
  // project dubmedia) is not running: exited with code 137 ..."). Never throws.
  [[nodiscard]] std::vector<std::string> not_running() const;

  // When `url` is a port on this host that a container of the running stacks publishes, and that
  // container is not running: the message naming it. Never throws.
  [[nodiscard]] std::optional<std::string> not_running_behind(const std::string& url) const;

 private:
  struct Running {
    EnvMap env;
    std::vector<std::string> services;
    bool disturbed = false;  // a fault step acted on it
  };
  // Why the running stack cannot be reused as it is ("" when it can).
  [[nodiscard]] std::string unfit(const std::string& name, const Running& running) const;
  std::filesystem::path root_;
  EnvMap global_env_;
  Redactor redactor_;
  std::map<std::string, Running> running_;
};

}  // namespace dubctl
