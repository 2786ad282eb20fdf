#pragma once
// The named endpoints of the running stacks, for scenarios: ${media.api}, ${mediamtx.api},
// ${mediamtx.rtsp}, ${mediamtx.rtmp}, ${mediamtx.playback}, ${sts.url}, ${stream.in}, ${stream.out},
// ${recording}. Each is made from the port settings the stacks start with: the variable as the run
// sets it (--env, the scenario's stack env, the process environment), else the default the stack's
// compose file gives it (`${MEDIA_SERVICE_PORT:-8080}`): the compose files stay the one place of
// defaults. The host is the Docker engine's (stack_host).
#include <filesystem>
#include <string>
#include <vector>

#include "scenario.hpp"

namespace dubctl {

// The host port variables of the stacks' compose files and the stack each belongs to
// (MEDIA_SERVICE_PORT, MEDIAMTX_API_PORT, MEDIAMTX_RTSP_PORT, MEDIAMTX_RTMP_PORT,
// MEDIAMTX_PLAYBACK_PORT: media; STS_PORT: sts).
struct PortVariable {
  const char* stack;
  const char* variable;
};
const std::vector<PortVariable>& port_variables();

// The host the stacks' published ports are reached on: `override_host` (DUBCTL_STACK_HOST) when set,
// else the host of a tcp:// or ssh:// `docker_host` (DOCKER_HOST: an engine on another machine
// publishes the ports there), else localhost. The second form reads both from the environment;
// without DOCKER_HOST, the engine of DOCKER_CONTEXT (`docker context inspect`) is `docker_host`.
std::string stack_host(const std::string& override_host, const std::string& docker_host);
std::string stack_host();
// localhost, 127.0.0.1 or ::1.
bool is_local_host(const std::string& host);

// The endpoints that do not depend on a stream (media.api, mediamtx.api, mediamtx.rtsp,
// mediamtx.rtmp, mediamtx.playback, sts.url; and media.project, sts.project: the compose projects' names, which a run
// id changes), from the port variables: the stack's own value in `vars`
// (${<stack>.env.NAME}, what a scenario's stack env sets), else `vars`' NAME, the environment's, or
// the compose file's default.
EnvMap stack_endpoints(const EnvMap& vars, const std::filesystem::path& root);

// `vars` with the named endpoints added for `stream` (an endpoint `vars` already sets is kept);
// ${recording} is readback.hpp's recording_folder.
void add_endpoints(EnvMap& vars, const std::filesystem::path& root, const std::string& stream);

// The default a compose file gives `${name:-default}`, or "" when it names none.
std::string compose_default(const std::string& compose_text, const std::string& name);

// Where MediaMTX records `stream`'s dubbed output (compose/media/mediamtx.yml: live/<stream>/out) in
// its recordings folder on this machine (MEDIA_RECORDINGS_DIR from the environment, default
// compose/media/recordings).
std::filesystem::path recording_dir(const std::filesystem::path& root, const std::string& stream);

}  // namespace dubctl
