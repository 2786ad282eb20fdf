// run_doctor(): what `dubctl doctor` asks this host. Read-only: `docker version`, `docker info`,
// `docker image inspect`, `docker ps`, binding the stacks' ports for an instant, statvfs. It starts
// no container. The verdicts are the pure functions of doctor.cpp.
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "doctor.hpp"
#include "dub/util/env.hpp"
#include "dub/util/error.hpp"
#include "endpoints.hpp"
#include "stacks.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

constexpr auto kProbeLimit = std::chrono::seconds(20);  // a hung engine must not hang doctor

// The command's result; nullopt when its program is not installed (or cannot start).
std::optional<CommandResult> probe(const std::vector<std::string>& argv) {
  try {
    return run_command(argv, {}, {.limit = kProbeLimit, .cancellable = false});
  } catch (const dub::Error&) {
    return std::nullopt;
  }
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Free bytes where `path` is, or would be (its nearest existing parent).
Check disk_at(const std::string& what, fs::path path) {
  std::error_code ec;
  while (!path.empty() && !fs::exists(path, ec) && path != path.parent_path()) path = path.parent_path();
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) return disk_check(what, path, std::nullopt, std::strerror(errno));
  return disk_check(what, path, static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize);
}

std::string setting(const EnvMap& env, const std::string& name, const fs::path& compose_file) {
  if (const auto it = env.find(name); it != env.end()) return it->second;
  if (const auto value = dub::env::get(name.c_str())) return *value;
  return compose_default(read_text(compose_file), name);
}

Check compose_probe() {
  std::vector<std::string> tool;
  try {
    tool = compose_command();
  } catch (const dub::Error&) {
    return compose_check({}, std::nullopt);
  }
  auto argv = tool;
  argv.insert(argv.end(), {"version", "--short"});
  return compose_check(tool, probe(argv));
}

void port_checks(const std::vector<Stack>& stacks, const EnvMap& env, bool docker_up, std::vector<Check>& out) {
  for (const auto& stack : stacks) {
    try {
      const auto ports = published_ports(stack.compose_file, env);
      std::set<int> in_use;
      for (const auto& p : ports) {
        if (port_in_use(p.host_port)) in_use.insert(p.host_port);
      }
      out.push_back(ports_check(stack.name, ports, in_use, docker_up ? own_ports(stack.project) : std::set<int>{}));
    } catch (const dub::Error& e) {
      out.push_back({CheckLevel::Fail, "ports " + stack.name, e.what(), "restore the compose file from git"});
    }
  }
}

}  // namespace

std::vector<Check> run_doctor(const fs::path& root, const EnvMap& env, const fs::path& artifacts) {
  std::vector<Check> checks;
  checks.push_back(docker_check(probe({"docker", "version", "--format", "{{.Server.Version}}"})));
  const bool docker_up = checks.back().level != CheckLevel::Fail;
  checks.push_back(compose_probe());
  const auto stacks = stacks_for("all", root);
  port_checks(stacks, env, docker_up, checks);

  const auto sts_compose = stacks_for("sts", root).front().compose_file;
  const auto sts_images = compose_images(sts_compose, env);
  const std::string sts_image = sts_images.empty() ? "" : sts_images.front();
  bool sts_present = false;
  for (const auto& stack : stacks) {
    for (const auto& image : compose_images(stack.compose_file, env)) {
      if (!docker_up) {
        checks.push_back({CheckLevel::Warn, "image " + image, "not checked: the Docker engine is not reachable", ""});
        continue;
      }
      const auto inspect =
          probe({"docker", "image", "inspect", "--format", "{{index .Config.Labels \"dubctl.inputs-hash\"}}", image});
      checks.push_back(image_check(image, inspect.value_or(CommandResult{1, ""})));
      if (image == sts_image) sts_present = checks.back().level == CheckLevel::Ok;
    }
  }
  checks.push_back(models_check(read_text(root / "compose/sts/models.lock.json"),
                                setting(env, "ASR_MODEL", sts_compose), sts_image,
                                docker_up ? std::optional<bool>(sts_present) : std::nullopt));

  checks.push_back(disk_at("artifacts", artifacts));
  const auto data_root = docker_up ? probe({"docker", "info", "--format", "{{.DockerRootDir}}"}) : std::nullopt;
  if (data_root && data_root->exit_code == 0) {
    auto dir = data_root->output;
    while (!dir.empty() && (dir.back() == '\n' || dir.back() == ' ')) dir.pop_back();
    checks.push_back(disk_at("docker", dir));
  } else {
    checks.push_back({CheckLevel::Warn, "disk docker", "Docker's data root is unknown (engine not reachable)", ""});
  }
  return checks;
}

}  // namespace dubctl
