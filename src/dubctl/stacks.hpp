#pragma once
// The two compose projects dubctl drives, and the compose tool that drives them.
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "command.hpp"

namespace dubctl {

struct Stack {
  std::string name;     // "media" or "sts"
  std::string project;  // compose project name
  std::filesystem::path compose_file;
};

// The stacks a target names: "media", "sts" or "all". Their projects are dubmedia and dubsts, or
// dubmedia-<id> and dubsts-<id> when DUBCTL_RUN_ID is set (isolation.hpp). Throws dub::Error on
// anything else.
std::vector<Stack> stacks_for(const std::string& target, const std::filesystem::path& root);

// The compose command line prefix: {"docker","compose"} (v2) or {"docker-compose"} (v1), as
// $DUBCTL_COMPOSE asks: "v2", "v1" or "auto" (default: v2 when `docker compose version` answers, else
// v1). Throws dub::Error, naming the fix, when the asked-for tool is missing or the value is unknown.
std::vector<std::string> compose_command();
// The choice compose_command() makes, given what the machine has (pure: unit-tested).
std::vector<std::string> pick_compose(const std::string& wanted, bool v2_answers, bool v1_found);
// Which compose tool runs the stacks, for the terminal and JUnit: "docker compose 2.26.1 (v2)",
// "docker-compose 1.29.2 (v1)", or "none (<why>)".
std::string compose_description();

// compose_command() for the project of `stack`, followed by `tail` (e.g. {"kill", "sts-service"}).
std::vector<std::string> compose_args(const Stack& stack, const std::vector<std::string>& tail);

// A stack whose `compose up` has returned: what await_healthy() waits on.
struct StartedStack {
  Stack stack;
  std::map<std::string, std::string> env;
  std::chrono::steady_clock::time_point started;  // when its `compose up` began
};

// Starts the project (only `services` when not empty) with `compose up -d`, which returns once its
// containers run (the compose files make no container wait for another's health). Throws dub::Error
// naming the fix (a taken port: PortConflict; a missing image) when compose fails.
StartedStack stack_start(const Stack& stack, const std::map<std::string, std::string>& env,
                         const std::vector<std::string>& services = {});

// Waits until every container of every stack given is running and healthy, the stacks together, and
// returns each one's time from its `compose up` to healthy (SC-006), in the order given. A container
// whose health is still "starting" is healthy once its own health check (the compose file's test,
// health_check_passes) passes when dubctl runs it, so a start is seen at once, not at Docker's next
// check (every 5 s). Throws dub::Error when a container exits or turns unhealthy, or after `timeout`.
std::vector<std::chrono::milliseconds> await_healthy(const std::vector<StartedStack>& stacks,
                                                     std::chrono::seconds timeout);

// stack_start() then await_healthy() of that one stack.
std::chrono::milliseconds stack_up(const Stack& stack, const std::map<std::string, std::string>& env,
                                   std::chrono::seconds timeout, const std::vector<std::string>& services = {});
// Removes the project's networks (and volumes when `volumes_too`) that no container uses: left by
// a run that ended uncleanly or by the other compose tool. Returns "network <name>" / "volume <name>"
// of each one removed (and logs them).
std::vector<std::string> remove_project_leftovers(const Stack& stack, bool volumes_too);

// Stops and removes the project: its containers, networks and named volumes. A network another
// project still uses (both named the same) is left to that project: a warning, not an error.
void stack_down(const Stack& stack, const std::map<std::string, std::string>& env);

// The network `compose down` could not remove because another project's containers are still
// attached to it, when that is the only failure in its output; else nothing.
std::optional<std::string> shared_network_left(const std::string& down_output);

// Finds the project root: $DUBCTL_ROOT, else the nearest parent of the current directory
// (then of the executable) holding compose/ and scenarios/.
std::filesystem::path project_root();

}  // namespace dubctl
