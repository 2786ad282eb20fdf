#pragma once
// The containers of a compose project as Docker sees them: running or not, how they ended, which
// host ports they publish. Used to name a dead service instead of reporting a bare "connection
// refused", and to notice a stack that is no longer whole before a scenario reuses it.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "scenario.hpp"
#include "stacks.hpp"

namespace dubctl {

struct ContainerStatus {
  std::string name;     // container name
  std::string service;  // compose service (label com.docker.compose.service)
  std::string state;    // running, exited, created, restarting, paused, dead
  std::string health;   // healthy, starting, unhealthy; empty without a health check
  int exit_code = 0;
  bool oom_killed = false;
  std::vector<int> host_ports;  // published on the host

  [[nodiscard]] bool running() const { return state == "running"; }
  [[nodiscard]] bool up() const { return running() && (health.empty() || health == "healthy"); }
};

// The `docker inspect --format` that parse_container_statuses() reads (one line per container).
extern const char* const kContainerInspectFormat;
std::vector<ContainerStatus> parse_container_statuses(const std::string& inspect_output);

// Every container of the project, stopped ones included. Throws dub::Error when Docker cannot be asked.
std::vector<ContainerStatus> container_statuses(const Stack& stack, const EnvMap& env);

// The command line that runs a container's health check test once (`docker exec <container> ...`),
// from the test as `docker inspect` gives it in JSON: ["CMD", args...] or ["CMD-SHELL", "command"]
// (run with /bin/sh -c). Empty for ["NONE"], null or anything else: no check to run.
std::vector<std::string> health_check_exec_argv(const std::string& container, const std::string& test_json);

// Runs the container's own health check (its compose file's `healthcheck: test`) once, as Docker
// does at every interval: true when it passes (exit 0 within `timeout`). Lets dubctl see a started
// container healthy at once rather than at Docker's next check, up to an interval (5 s) later.
// False when the container has no check, is gone, or the check fails.
bool health_check_passes(const std::string& container, std::chrono::milliseconds timeout);

// Whether the container runs and is healthy now: Docker says so (or it has no health check), or its
// health is still "starting" and its own check passes when run now (health_check_passes).
bool healthy_now(const ContainerStatus& container);

// "media-service (compose project dubmedia) is not running: exited with code 137 (killed by signal 9, SIGKILL)"
std::string not_running_message(const ContainerStatus& container, const std::string& project);

// One process of a running container as the host sees it (`docker top`): its uid is the user it
// really runs as, whatever the image's USER says.
struct ContainerProcess {
  int pid = 0;
  int uid = -1;
  std::string command;
};

// The `docker top CONTAINER -o pid,uid,comm` output as processes (the header line names the columns).
// Throws dub::Error when it has no PID or UID column.
std::vector<ContainerProcess> parse_container_processes(const std::string& top_output);

// The processes of the running container `name`. Throws dub::Error when Docker cannot list them.
std::vector<ContainerProcess> container_processes(const std::string& name);

// The TCP port of an http(s)://host:port/... URL on this host (localhost, 127.0.0.1); nullopt otherwise.
std::optional<int> local_port(const std::string& url);

}  // namespace dubctl
