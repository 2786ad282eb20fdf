#include "endpoints.hpp"

#include <fmt/format.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "dub/sts/stream_name.hpp"
#include "dub/util/env.hpp"
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
  static const std::vector<PortVariable> ports = {{"media", "MEDIA_SERVICE_PORT"},
                                                  {"media", "MEDIAMTX_API_PORT"},
                                                  {"media", "MEDIAMTX_RTSP_PORT"},
                                                  {"media", "MEDIAMTX_RTMP_PORT"},
                                                  {"sts", "STS_PORT"}};
  return ports;
}

std::string compose_default(const std::string& compose_text, const std::string& name) {
  const std::regex re("\\$\\{" + name + ":-([^}]*)\\}");
  std::smatch m;
  return std::regex_search(compose_text, m, re) ? m[1].str() : "";
}

fs::path recording_dir(const fs::path& root, const std::string& stream) {
  return root / "compose" / "media" / "recordings" / dub::sts::stream_name::output_path(stream);
}

EnvMap stack_endpoints(const EnvMap& vars, const fs::path& root) {
  std::map<std::string, std::string> ports;
  for (const auto& p : port_variables()) ports[p.variable] = port(vars, root, p);
  return {{"media.api", fmt::format("http://localhost:{}", ports["MEDIA_SERVICE_PORT"])},
          {"mediamtx.api", fmt::format("http://localhost:{}", ports["MEDIAMTX_API_PORT"])},
          {"mediamtx.rtsp", fmt::format("rtsp://localhost:{}", ports["MEDIAMTX_RTSP_PORT"])},
          {"mediamtx.rtmp", fmt::format("rtmp://localhost:{}", ports["MEDIAMTX_RTMP_PORT"])},
          {"sts.url", fmt::format("http://localhost:{}", ports["STS_PORT"])},
          {"media.project", stacks_for("media", root).front().project},  // dubmedia, or dubmedia-<run id>
          {"sts.project", stacks_for("sts", root).front().project}};
}

void add_endpoints(EnvMap& vars, const fs::path& root, const std::string& stream) {
  for (const auto& [name, value] : stack_endpoints(vars, root)) vars.try_emplace(name, value);
  const auto& rtsp = vars.at("mediamtx.rtsp");
  vars.try_emplace("stream.in", fmt::format("{}/{}", rtsp, dub::sts::stream_name::input_path(stream)));
  vars.try_emplace("stream.out", fmt::format("{}/{}", rtsp, dub::sts::stream_name::output_path(stream)));
  vars.try_emplace("recording", recording_dir(root, stream).string());
}

}  // namespace dubctl
