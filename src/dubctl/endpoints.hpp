#pragma once
// The named endpoints of the running stacks, for scenarios: ${media.api}, ${mediamtx.api},
// ${mediamtx.rtsp}, ${mediamtx.rtmp}, ${sts.url}, ${stream.in}, ${stream.out}, ${recording}.
// Each is made from the port settings the stacks start with: the variable as the run sets it
// (--env, the scenario's stack env, the process environment), else the default the stack's compose
// file gives it (`${MEDIA_SERVICE_PORT:-8080}`): the compose files stay the one place of defaults.
#include <filesystem>
#include <string>
#include <vector>

#include "scenario.hpp"

namespace dubctl {

// The host port variables of the stacks' compose files and the stack each belongs to
// (MEDIA_SERVICE_PORT, MEDIAMTX_API_PORT, MEDIAMTX_RTSP_PORT, MEDIAMTX_RTMP_PORT: media; STS_PORT: sts).
struct PortVariable {
  const char* stack;
  const char* variable;
};
const std::vector<PortVariable>& port_variables();

// The endpoints that do not depend on a stream (media.api, mediamtx.api, mediamtx.rtsp,
// mediamtx.rtmp, sts.url; and media.project, sts.project: the compose projects' names, which a run id
// changes), from the port variables: the stack's own value in `vars`
// (${<stack>.env.NAME}, what a scenario's stack env sets), else `vars`' NAME, the environment's, or
// the compose file's default.
EnvMap stack_endpoints(const EnvMap& vars, const std::filesystem::path& root);

// `vars` with the named endpoints added for `stream` (an endpoint `vars` already sets is kept).
void add_endpoints(EnvMap& vars, const std::filesystem::path& root, const std::string& stream);

// The default a compose file gives `${name:-default}`, or "" when it names none.
std::string compose_default(const std::string& compose_text, const std::string& name);

// Where MediaMTX records `stream`'s dubbed output (compose/media/mediamtx.yml: live/<stream>/out).
std::filesystem::path recording_dir(const std::filesystem::path& root, const std::string& stream);

}  // namespace dubctl
