#include "isolation.hpp"

#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <regex>
#include <set>

#include "dub/util/env.hpp"
#include "dub/util/error.hpp"
#include "endpoints.hpp"

namespace dubctl {

namespace {

// The value `env` gives `name`, else the environment's, else nothing.
std::optional<std::string> given(const EnvMap& env, const std::string& name) {
  if (const auto it = env.find(name); it != env.end()) return it->second;
  return dub::env::get(name.c_str());
}

}  // namespace

std::string run_id() {
  auto id = dub::env::get("DUBCTL_RUN_ID").value_or("");
  static const std::regex valid("[a-z0-9][a-z0-9_-]{0,31}");
  if (!id.empty() && !std::regex_match(id, valid)) {
    throw dub::Error(
        fmt::format("DUBCTL_RUN_ID='{}': use 1 to 32 of a-z, 0-9, '-' and '_', beginning with a letter or digit "
                    "(it names the run's compose projects, e.g. dubmedia-<id>)",
                    id));
  }
  return id;
}

std::string project_name(const std::string& base) {
  const auto id = run_id();
  return id.empty() ? base : fmt::format("{}-{}", base, id);
}

std::string new_run_id() {
  std::random_device random;
  const auto mixed = (static_cast<unsigned>(::getpid()) * 2654435761U) ^ random();
  return fmt::format("r{:08x}", mixed);
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw dub::Error(fmt::format("no free host port: socket: {}", std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);  // free on every address: the publish and the gateway one
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok) throw dub::Error(fmt::format("no free host port: bind to port 0: {}", std::strerror(err)));
  return ntohs(addr.sin_port);
}

EnvMap with_run_names(EnvMap env) {
  if (run_id().empty()) return env;
  for (const auto& [variable, base] : {std::pair{"MEDIA_NETWORK", "dubmedia"}, std::pair{"STS_NETWORK", "dubsts"}}) {
    if (!given(env, variable)) env[variable] = project_name(base) + "_default";
  }
  return env;
}

EnvMap with_own_ports(EnvMap env, const std::function<int()>& next_port) {
  std::set<int> picked;
  for (const auto& p : port_variables()) {
    if (given(env, p.variable)) continue;
    const int port = next_port();
    if (!picked.insert(port).second) throw dub::Error(fmt::format("host port {} was handed out twice", port));
    env[p.variable] = std::to_string(port);
  }
  if (!given(env, "STS_SERVICE_URL")) {
    env["STS_SERVICE_URL"] = fmt::format("http://host.docker.internal:{}", *given(env, "STS_PORT"));
  }
  return env;
}

}  // namespace dubctl
