#include "endpoints.hpp"

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>

#include "command.hpp"
#include "dub/sts/stream_name.hpp"
#include "dub/util/env.hpp"
#include "dub/util/error.hpp"
#include "readback.hpp"
#include "recordings.hpp"
#include "stacks.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The port as its stack's env sets it, else as the run does, else its compose default.
std::string port(const EnvMap& vars, const fs::path& root, const PortVariable& p) {
  if (const auto it = vars.find(fmt::format("{}.env.{}", p.stack, p.variable)); it != vars.end()) return it->second;
  if (const auto it = vars.find(p.variable); it != vars.end()) return it->second;
  if (const auto env = dub::env::get(p.variable)) return *env;
  return compose_default(read_text(stacks_for(p.stack, root).front().compose_file), p.variable);
}

}  // namespace

const std::vector<PortVariable>& port_variables() {
  static const std::vector<PortVariable> ports = {{"media", "MEDIA_SERVICE_PORT"},     {"media", "MEDIAMTX_API_PORT"},
                                                  {"media", "MEDIAMTX_RTSP_PORT"},     {"media", "MEDIAMTX_RTMP_PORT"},
                                                  {"media", "MEDIAMTX_PLAYBACK_PORT"}, {"sts", "STS_PORT"}};
  return ports;
}

std::string compose_default(const std::string& compose_text, const std::string& name) {
  const std::regex re("\\$\\{" + name + ":-([^}]*)\\}");
  std::smatch m;
  return std::regex_search(compose_text, m, re) ? m[1].str() : "";
}

fs::path recording_dir(const fs::path& root, const std::string& stream) {
  return recordings_folder(stacks_for("media", root).front(), {}) / dub::sts::stream_name::output_path(stream);
}

std::string stack_host(const std::string& override_host, const std::string& docker_host) {
  if (!override_host.empty()) return override_host;
  static const std::regex remote(R"(^(?:tcp|ssh)://(?:[^@/]*@)?(\[[^\]]*\]|[^:/]+).*)");
  std::smatch m;
  if (std::regex_match(docker_host, m, remote)) return m[1].str();
  return "localhost";
}

bool is_local_host(const std::string& host) {
  return host == "localhost" || host == "127.0.0.1" || host == "::1" || host == "[::1]";
}

std::string stack_host() {
  auto docker_host = dub::env::get_or("DOCKER_HOST", "");  // it wins over a context, as for docker itself
  const auto context = dub::env::get_or("DOCKER_CONTEXT", "");
  if (docker_host.empty() && !context.empty() && context != "default") {
    const auto r = run_command({"docker", "context", "inspect", context, "--format", "{{.Endpoints.docker.Host}}"}, {},
                               {.limit = std::chrono::seconds(10)});
    if (r.exit_code != 0) {
      throw dub::Error(fmt::format("DOCKER_CONTEXT={}: `docker context inspect` failed: {}", context, r.output));
    }
    docker_host = r.output.substr(0, r.output.find_first_of("\r\n"));
  }
  return stack_host(dub::env::get_or("DUBCTL_STACK_HOST", ""), docker_host);
}

EnvMap stack_endpoints(const EnvMap& vars, const fs::path& root) {
  std::map<std::string, std::string> ports;
  for (const auto& p : port_variables()) ports[p.variable] = port(vars, root, p);
  const auto host = stack_host();
  return {{"media.api", fmt::format("http://{}:{}", host, ports["MEDIA_SERVICE_PORT"])},
          {"mediamtx.api", fmt::format("http://{}:{}", host, ports["MEDIAMTX_API_PORT"])},
          {"mediamtx.rtsp", fmt::format("rtsp://{}:{}", host, ports["MEDIAMTX_RTSP_PORT"])},
          {"mediamtx.rtmp", fmt::format("rtmp://{}:{}", host, ports["MEDIAMTX_RTMP_PORT"])},
          {"mediamtx.playback", fmt::format("http://{}:{}", host, ports["MEDIAMTX_PLAYBACK_PORT"])},
          {"sts.url", fmt::format("http://{}:{}", host, ports["STS_PORT"])},
          {"media.project", stacks_for("media", root).front().project},  // dubmedia, or dubmedia-<run id>
          {"sts.project", stacks_for("sts", root).front().project}};
}

void add_endpoints(EnvMap& vars, const fs::path& root, const std::string& stream) {
  for (const auto& [name, value] : stack_endpoints(vars, root)) vars.try_emplace(name, value);
  const auto& rtsp = vars.at("mediamtx.rtsp");
  vars.try_emplace("stream.in", fmt::format("{}/{}", rtsp, dub::sts::stream_name::input_path(stream)));
  vars.try_emplace("stream.out", fmt::format("{}/{}", rtsp, dub::sts::stream_name::output_path(stream)));
  if (!vars.contains("recording")) vars["recording"] = recording_folder(vars, root, stream).string();
}

}  // namespace dubctl
