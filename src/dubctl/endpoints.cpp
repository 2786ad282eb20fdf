#include "endpoints.hpp"

#include <fmt/format.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "dub/util/env.hpp"
#include "stacks.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

// The port variables of the stacks' compose files.
struct Port {
  const char* stack;
  const char* variable;
};
constexpr Port kPorts[] = {{"media", "MEDIA_SERVICE_PORT"},
                           {"media", "MEDIAMTX_API_PORT"},
                           {"media", "MEDIAMTX_RTSP_PORT"},
                           {"media", "MEDIAMTX_RTMP_PORT"},
                           {"sts", "STS_PORT"}};

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The port as the run sets it, else its compose default.
std::string port(const EnvMap& vars, const fs::path& root, const Port& p) {
  if (const auto it = vars.find(p.variable); it != vars.end()) return it->second;
  if (const auto env = dub::env::get(p.variable)) return *env;
  return compose_default(read_text(stacks_for(p.stack, root).front().compose_file), p.variable);
}

}  // namespace

std::string compose_default(const std::string& compose_text, const std::string& name) {
  const std::regex re("\\$\\{" + name + ":-([^}]*)\\}");
  std::smatch m;
  return std::regex_search(compose_text, m, re) ? m[1].str() : "";
}

fs::path recording_dir(const fs::path& root, const std::string& stream) {
  return root / "compose" / "media" / "recordings" / "live" / stream / "out";
}

void add_endpoints(EnvMap& vars, const fs::path& root, const std::string& stream) {
  std::map<std::string, std::string> ports;
  for (const auto& p : kPorts) ports[p.variable] = port(vars, root, p);
  const auto rtsp = fmt::format("rtsp://localhost:{}", ports["MEDIAMTX_RTSP_PORT"]);
  vars.try_emplace("media.api", fmt::format("http://localhost:{}", ports["MEDIA_SERVICE_PORT"]));
  vars.try_emplace("mediamtx.api", fmt::format("http://localhost:{}", ports["MEDIAMTX_API_PORT"]));
  vars.try_emplace("mediamtx.rtsp", rtsp);
  vars.try_emplace("mediamtx.rtmp", fmt::format("rtmp://localhost:{}", ports["MEDIAMTX_RTMP_PORT"]));
  vars.try_emplace("sts.url", fmt::format("http://localhost:{}", ports["STS_PORT"]));
  vars.try_emplace("stream.in", fmt::format("{}/live/{}/in", rtsp, stream));
  vars.try_emplace("stream.out", fmt::format("{}/live/{}/out", rtsp, stream));
  vars.try_emplace("recording", recording_dir(root, stream).string());
}

}  // namespace dubctl
