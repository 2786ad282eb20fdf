#pragma once
// Host ports a compose stack publishes, and the check that they are free before `compose up`:
// a port conflict ends with a message naming the port, its variable and what to do, instead of
// compose's "port is already allocated" halfway through starting the stack.
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "dub/util/error.hpp"
#include "stacks.hpp"

namespace dubctl {

// A host port a stack publishes is taken by something else: the host's problem, not the pipeline's.
// `dubctl up` exits 3 with it; `dubctl run` reports the scenario as skipped with it (spec edge case 5).
class PortConflict : public dub::Error {
 public:
  using dub::Error::Error;
};

struct PublishedPort {
  std::string service;   // compose service publishing it
  std::string variable;  // the variable that sets it (e.g. MEDIAMTX_RTSP_PORT), or empty
  int host_port = 0;
  int container_port = 0;
};

// The host ports of the compose file's services (only `services` when not empty), with ${VAR:-default}
// resolved from `env`, then the process environment, then the default (as compose does).
std::vector<PublishedPort> published_ports(const std::filesystem::path& compose_file,
                                           const std::map<std::string, std::string>& env,
                                           const std::vector<std::string>& services = {});

// True when something listens on TCP `port` (binding it on every address fails with EADDRINUSE).
bool port_in_use(int port);

// The host ports in `docker ps --format {{.Ports}}` output, ranges ("0.0.0.0:9996-9997->...") expanded.
std::set<int> host_ports_in_ps(const std::string& ps_ports);

// Host ports the running containers of compose project `project` publish (none when Docker cannot be asked).
std::set<int> own_ports(const std::string& project);

// A port to suggest instead of a taken one (the fix of a conflict: --env VARIABLE=<it>).
int other_port(int port);

// The ports of `ports` that are in use, leaving out `own` (ports this stack's running containers publish).
std::vector<PublishedPort> taken_ports(const std::vector<PublishedPort>& ports, const std::set<int>& own = {});

// The message for taken ports: each port, its variable and service, who holds it when known
// (`holders`: port -> description), and what to do.
std::string port_conflict_message(const std::string& stack_name, const std::vector<PublishedPort>& taken,
                                  const std::map<int, std::string>& holders = {});

// Host ports named in compose/Docker errors ("Bind for 0.0.0.0:8554 failed: port is already
// allocated", "listen tcp4 0.0.0.0:8554: bind: address already in use").
std::vector<int> ports_in_compose_error(const std::string& output);

// Before `compose up`: throws PortConflict with port_conflict_message() when a port the stack
// publishes is taken by anything but the stack's own running containers.
void check_ports_free(const Stack& stack, const std::map<std::string, std::string>& env,
                      const std::vector<std::string>& services);

// After a failed `compose up` whose output names taken ports: the same message for those ports.
std::string explain_port_error(const Stack& stack, const std::map<std::string, std::string>& env,
                               const std::vector<std::string>& services, const std::string& compose_output);

}  // namespace dubctl
