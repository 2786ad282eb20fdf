#include "port_check.hpp"

#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <regex>

#include "dub/util/error.hpp"
#include "endpoints.hpp"
#include "scenario.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

std::optional<int> to_port(const std::string& text) {
  static const std::regex port_re("[0-9]{1,5}");
  if (!std::regex_match(text, port_re)) return std::nullopt;
  const int port = std::stoi(text);
  if (port < 1 || port > 65535) return std::nullopt;
  return port;
}

// "8554:8554", "127.0.0.1:8554:8554", "8554:8554/tcp" -> host and container port; "8554" has no host port.
std::optional<std::pair<int, int>> split_port_spec(std::string spec) {
  if (const auto slash = spec.find('/'); slash != std::string::npos) spec.resize(slash);
  const auto last = spec.rfind(':');
  if (last == std::string::npos) return std::nullopt;
  const auto container = to_port(spec.substr(last + 1));
  const auto host_part = spec.substr(0, last);
  const auto prev = host_part.rfind(':');
  const auto host = to_port(prev == std::string::npos ? host_part : host_part.substr(prev + 1));
  if (!host || !container) return std::nullopt;
  return std::make_pair(*host, *container);
}

}  // namespace

std::set<int> host_ports_in_ps(const std::string& ps_ports) {
  std::set<int> ports;
  // "127.0.0.1:8554->8554/tcp", and consecutive ports as one range: "127.0.0.1:9996-9997->9996-9997/tcp".
  static const std::regex published_re(R"(:([0-9]+)(?:-([0-9]+))?->)");
  for (auto it = std::sregex_iterator(ps_ports.begin(), ps_ports.end(), published_re); it != std::sregex_iterator();
       ++it) {
    const int first = std::stoi((*it)[1].str());
    const int last = (*it)[2].matched ? std::stoi((*it)[2].str()) : first;
    for (int port = first; port <= last && port <= 65535; ++port) ports.insert(port);
  }
  return ports;
}

std::set<int> own_ports(const std::string& project) {
  try {
    const auto ps = run_command(
        {"docker", "ps", "--filter", "label=com.docker.compose.project=" + project, "--format", "{{.Ports}}"});
    return host_ports_in_ps(ps.output);
  } catch (const dub::Error&) {
    return {};  // no docker client: compose will say so itself
  }
}

namespace {

// Containers (of any project) publishing `port`.
std::string container_holding(int port) {
  try {
    const auto ps =
        run_command({"docker", "ps", "--filter", fmt::format("publish={}", port), "--format", "{{.Names}}"});
    std::string names = ps.output;
    while (!names.empty() && (names.back() == '\n' || names.back() == ' ')) names.pop_back();
    for (auto& c : names) {
      if (c == '\n') c = ',';
    }
    if (ps.exit_code == 0 && !names.empty()) return "the container(s) " + names;
  } catch (const dub::Error&) {
    // no docker client
  }
  return {};
}

}  // namespace

std::vector<PublishedPort> published_ports(const fs::path& compose_file, const std::map<std::string, std::string>& env,
                                           const std::vector<std::string>& services) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(compose_file.string());
  } catch (const YAML::Exception& e) {
    throw dub::Error(fmt::format("cannot read {}: {}", compose_file.string(), e.what()));
  }
  std::vector<PublishedPort> out;
  // yaml-cpp: a missing key gives a node that only IsDefined() may be asked about.
  const auto defined = [](const YAML::Node& n) { return n.IsDefined() && !n.IsNull(); };
  if (!defined(root["services"]) || !root["services"].IsMap()) return out;
  static const std::regex var_re(R"(\$\{([A-Za-z_][A-Za-z0-9_]*))");
  for (const auto& svc : root["services"]) {
    const auto name = svc.first.Scalar();
    if (!services.empty() && std::find(services.begin(), services.end(), name) == services.end()) continue;
    if (!svc.second.IsMap()) continue;
    const auto ports = svc.second["ports"];
    if (!defined(ports) || !ports.IsSequence()) continue;
    for (const auto& entry : ports) {
      std::string spec;
      if (entry.IsScalar()) {
        spec = entry.Scalar();
      } else if (entry.IsMap() && defined(entry["published"]) && defined(entry["target"])) {
        spec = entry["published"].Scalar() + ":" + entry["target"].Scalar();
      } else {
        continue;
      }
      // The host port's variable is the last one before the container port: an address may come
      // first ("${DUB_PUBLISH_ADDRESS:-127.0.0.1}:${MEDIAMTX_RTSP_PORT:-8554}:8554").
      const auto host_part = spec.substr(0, spec.rfind(':'));
      PublishedPort p;
      p.service = name;
      for (auto it = std::sregex_iterator(host_part.begin(), host_part.end(), var_re); it != std::sregex_iterator();
           ++it) {
        p.variable = (*it)[1].str();
      }
      const auto ports_of = split_port_spec(expand(spec, env));
      if (!ports_of) continue;
      p.host_port = ports_of->first;
      p.container_port = ports_of->second;
      // The same port published on several addresses is one port.
      const bool known = std::any_of(out.begin(), out.end(), [&](const PublishedPort& q) {
        return q.service == p.service && q.host_port == p.host_port;
      });
      if (!known) out.push_back(p);
    }
  }
  return out;
}

int other_port(int port) {
  return port + 10000 <= 65535 ? port + 10000 : port - 1000;
}

bool port_in_use(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // a socket in TIME_WAIT is no conflict
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool in_use = ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 && errno == EADDRINUSE;
  ::close(fd);
  return in_use;
}

std::vector<PublishedPort> taken_ports(const std::vector<PublishedPort>& ports, const std::set<int>& own) {
  std::vector<PublishedPort> taken;
  for (const auto& p : ports) {
    if (!own.contains(p.host_port) && port_in_use(p.host_port)) taken.push_back(p);
  }
  return taken;
}

std::string port_conflict_message(const std::string& stack_name, const std::vector<PublishedPort>& taken,
                                  const std::map<int, std::string>& holders) {
  std::string text = fmt::format("the '{}' stack cannot start: ", stack_name);
  std::vector<std::string> parts;
  std::vector<std::string> fixes;
  for (const auto& p : taken) {
    const auto holder = holders.find(p.host_port);
    std::string what = p.variable;
    if (!p.service.empty()) {
      what += fmt::format("{}{}'s port {}", what.empty() ? "" : ", ", p.service, p.container_port);
    }
    parts.push_back(fmt::format("host port {}{} is already in use{}", p.host_port,
                                what.empty() ? "" : " (" + what + ")",
                                holder != holders.end() && !holder->second.empty() ? " by " + holder->second : ""));
    if (!p.variable.empty()) fixes.push_back(fmt::format("--env {}={}", p.variable, other_port(p.host_port)));
  }
  text += fmt::format("{}.\nStop whatever holds it (`ss -ltnp 'sport = :{}'` shows the process", fmt::join(parts, "; "),
                      taken.empty() ? 0 : taken.front().host_port);
  text += "), or run on other ports";
  if (!fixes.empty()) text += fmt::format(", e.g. {} (README, Configuration)", fmt::join(fixes, " "));
  text += ".";
  return text;
}

std::vector<int> ports_in_compose_error(const std::string& output) {
  std::vector<int> ports;
  static const std::regex taken_re(R"((?:Bind for|listen tcp[46]?) \S*:([0-9]+))");
  for (auto it = std::sregex_iterator(output.begin(), output.end(), taken_re); it != std::sregex_iterator(); ++it) {
    const int port = std::stoi((*it)[1].str());
    if (std::find(ports.begin(), ports.end(), port) == ports.end()) ports.push_back(port);
  }
  return ports;
}

void check_ports_free(const Stack& stack, const std::map<std::string, std::string>& env,
                      const std::vector<std::string>& services) {
  // An engine on another machine (DOCKER_HOST, endpoints.hpp: stack_host) publishes there: what holds a
  // port of this machine does not matter to it (compose's own error is still explained).
  if (!is_local_host(stack_host())) return;
  const auto taken = taken_ports(published_ports(stack.compose_file, env, services), own_ports(stack.project));
  if (taken.empty()) return;
  std::map<int, std::string> holders;
  for (const auto& p : taken) holders[p.host_port] = container_holding(p.host_port);
  throw PortConflict(port_conflict_message(stack.name, taken, holders));
}

std::string explain_port_error(const Stack& stack, const std::map<std::string, std::string>& env,
                               const std::vector<std::string>& services, const std::string& compose_output) {
  const auto named = ports_in_compose_error(compose_output);
  if (named.empty()) return {};
  std::vector<PublishedPort> taken;
  for (const int port : named) {
    PublishedPort p{"", "", port, 0};
    for (const auto& known : published_ports(stack.compose_file, env, services)) {
      if (known.host_port == port) p = known;
    }
    taken.push_back(p);
  }
  std::map<int, std::string> holders;
  for (const auto& p : taken) holders[p.host_port] = container_holding(p.host_port);
  return port_conflict_message(stack.name, taken, holders);
}

}  // namespace dubctl
