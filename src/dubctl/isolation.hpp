#pragma once
// Isolated runs (issue 16): two dubctl runs on one machine never meet. A run id (DUBCTL_RUN_ID, or
// one `dubctl run --isolate` makes) gives the run its own compose projects (dubmedia-<id>,
// dubsts-<id>) and networks; --isolate also gives it its own host ports, free ones the kernel hands
// out, so the scenarios reach the stacks only through the named endpoints (endpoints.hpp).
//
// The ports are picked by dubctl before the stacks start, not left to Docker (host port 0): the named
// endpoints are expanded when a scenario starts, before its `up`; the STS listens inside its container
// on the port it is published on (spec US7-2); and the media service is told the STS's port when it
// starts. Between the pick and `compose up` another process could take a port: the run then skips
// the scenario naming it, as for any taken port (port_check.hpp).
#include <functional>
#include <string>

#include "scenario.hpp"

namespace dubctl {

// DUBCTL_RUN_ID from the environment, "" when unset or empty. Throws dub::Error when it is not a
// compose project suffix: 1 to 32 of a-z, 0-9, '-' and '_', beginning with a letter or digit.
std::string run_id();

// The compose project of the stack whose default project is `base` ("dubmedia"): `base` itself, or
// "<base>-<run id>" when DUBCTL_RUN_ID is set.
std::string project_name(const std::string& base);

// A fresh run id: "r" and 8 hexadecimal digits from the process id and a random number.
std::string new_run_id();

// A TCP port free on every address of this host, as the kernel hands one out to bind(port 0). Throws
// dub::Error when none can be had.
int free_port();

// `env` with what a run id changes: each project's network named after its project
// (MEDIA_NETWORK=dubmedia-<id>_default, STS_NETWORK=dubsts-<id>_default), unless `env` or the
// environment sets it. Unchanged when DUBCTL_RUN_ID is unset.
EnvMap with_run_names(EnvMap env);

// `env` with the host ports of an isolated run: each port variable of the stacks (endpoints.hpp:
// port_variables) that neither `env` nor the environment sets gets `next_port()`, and the media
// service's STS_SERVICE_URL follows the STS's port (http://host.docker.internal:<STS_PORT>) unless
// given. Throws dub::Error when `next_port()` repeats a port.
EnvMap with_own_ports(EnvMap env, const std::function<int()>& next_port);

}  // namespace dubctl
