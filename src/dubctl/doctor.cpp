#include "doctor.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <regex>

#include "dub/util/error.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

constexpr const char* kBootstrap = "sudo scripts/bootstrap";

std::string trimmed(std::string text) {
  const auto not_space = [](unsigned char c) { return std::isspace(c) == 0; };
  text.erase(text.begin(), std::find_if(text.begin(), text.end(), not_space));
  text.erase(std::find_if(text.rbegin(), text.rend(), not_space).base(), text.end());
  return text;
}

std::string first_line(const std::string& text) {
  const auto t = trimmed(text);
  return t.substr(0, t.find('\n'));
}

// "20.10.24+dfsg1" -> {20, 10}; "v2.24.1" -> {2, 24}.
std::optional<std::pair<int, int>> major_minor(const std::string& version) {
  static const std::regex re(R"(^v?([0-9]+)\.([0-9]+))");
  std::smatch m;
  if (!std::regex_search(version, m, re)) return std::nullopt;
  return std::make_pair(std::stoi(m[1].str()), std::stoi(m[2].str()));
}

std::string gib(std::uint64_t bytes) {
  return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / static_cast<double>(1ULL << 30));
}

}  // namespace

std::string format_check(const Check& check) {
  const char* level = check.level == CheckLevel::Ok ? "ok" : check.level == CheckLevel::Warn ? "WARN" : "FAIL";
  auto line = fmt::format("{:<4} {}: {}", level, check.name, check.what);
  if (!check.fix.empty()) line += " -> " + check.fix;
  return line;
}

int doctor_exit_code(const std::vector<Check>& checks) {
  const bool failed =
      std::any_of(checks.begin(), checks.end(), [](const Check& c) { return c.level == CheckLevel::Fail; });
  return failed ? 3 : 0;
}

Check docker_check(const std::optional<CommandResult>& version) {
  Check c{CheckLevel::Fail, "docker", "", ""};
  if (!version) {
    c.what = "the docker client is not installed";
    c.fix = fmt::format("{} installs docker.io", kBootstrap);
    return c;
  }
  const auto out = trimmed(version->output);
  if (version->exit_code != 0) {
    c.what = "engine not reachable: " + first_line(out);
    c.fix = out.find("permission denied") != std::string::npos
                ? "add yourself to the docker group (sudo usermod -aG docker $USER, then log in again) or run as root"
                : fmt::format("start the engine ({} starts dockerd)", kBootstrap);
    return c;
  }
  const auto mm = major_minor(out);
  if (!mm) {
    c.level = CheckLevel::Warn;
    c.what = fmt::format("engine reachable, version not understood: '{}'", first_line(out));
    return c;
  }
  c.what = "engine " + first_line(out);
  c.level = *mm < std::make_pair(20, 10) ? CheckLevel::Warn : CheckLevel::Ok;
  if (c.level == CheckLevel::Warn) {
    c.what += " is older than 20.10, the oldest dubctl is run with";
    c.fix = "upgrade the Docker engine";
  }
  return c;
}

Check compose_check(const std::vector<std::string>& tool, const std::optional<CommandResult>& version) {
  Check c{CheckLevel::Fail, "compose", "", ""};
  if (tool.empty()) {
    c.what = "no compose tool (docker compose v2 plugin or docker-compose v1)";
    c.fix = fmt::format("{} installs one", kBootstrap);
    return c;
  }
  const auto name = fmt::format("{}", fmt::join(tool, " "));
  if (!version || version->exit_code != 0) {
    c.what = fmt::format("{} does not answer `version`: {}", name, version ? first_line(version->output) : "");
    c.fix = fmt::format("reinstall it ({})", kBootstrap);
    return c;
  }
  const auto v = first_line(version->output);
  const bool v1 = tool.size() == 1;  // docker-compose; v2 is the `docker compose` plugin
  c.level = CheckLevel::Ok;
  c.what = fmt::format("{} {} ({})", name, v, v1 ? "v1" : "v2 plugin");
  // depends_on: {condition: service_healthy} (compose/media) needs docker-compose 1.27 or later.
  if (const auto mm = major_minor(v); v1 && mm && *mm < std::make_pair(1, 27)) {
    c.level = CheckLevel::Warn;
    c.what += " is older than 1.27, which the compose files' depends_on conditions need";
    c.fix = "install the docker compose v2 plugin or docker-compose 1.27+";
  }
  return c;
}

Check ports_check(const std::string& stack, const std::vector<PublishedPort>& ports, const std::set<int>& in_use,
                  const std::set<int>& own) {
  Check c{CheckLevel::Ok, "ports " + stack, "", ""};
  std::vector<std::string> free;
  std::vector<std::string> taken;
  std::vector<std::string> fixes;
  std::vector<std::string> running;
  for (const auto& p : ports) {
    const auto label =
        p.variable.empty() ? fmt::format("{}", p.host_port) : fmt::format("{} ({})", p.host_port, p.variable);
    if (own.contains(p.host_port)) {
      running.push_back(label);
    } else if (in_use.contains(p.host_port)) {
      taken.push_back(label);
      if (!p.variable.empty()) fixes.push_back(fmt::format("--env {}={}", p.variable, other_port(p.host_port)));
    } else {
      free.push_back(label);
    }
  }
  if (ports.empty()) {
    c.what = "the stack publishes no host port";
    return c;
  }
  if (!taken.empty()) {
    c.level = CheckLevel::Fail;
    c.what = fmt::format("in use by something else: {}", fmt::join(taken, ", "));
    c.fix = fmt::format("stop what holds it (ss -ltnp shows the process) or run on other ports{}{}",
                        fixes.empty() ? "" : ", e.g. ", fmt::join(fixes, " "));
    return c;
  }
  c.what = free.empty() ? "" : fmt::format("free: {}", fmt::join(free, ", "));
  if (!running.empty()) {
    c.what += fmt::format("{}held by the stack's own running containers: {}", free.empty() ? "" : "; ",
                          fmt::join(running, ", "));
  }
  return c;
}

Check image_check(const std::string& image, const CommandResult& inspect) {
  Check c{CheckLevel::Ok, "image " + image, "", ""};
  if (inspect.exit_code != 0) {
    c.level = CheckLevel::Fail;
    c.what = "missing";
    c.fix = "scripts/provision-images (pulls or builds what is missing)";
    return c;
  }
  const auto stamp = first_line(inspect.output);
  if (stamp.empty() || stamp == "<no value>") {
    c.what = "present (no inputs stamp: pulled, or built outside scripts/provision-images)";
  } else {
    c.what = fmt::format("present, inputs stamp {} (scripts/provision-images rebuilds it when its inputs change)",
                         stamp.substr(0, 12));
  }
  return c;
}

namespace {

// "base (model.bin sha256 d01c30148815)": the weights file of one lock entry, assembled or whole.
std::string model_summary(const nlohmann::json& model) {
  std::string sha;
  if (model.contains("assemble") && model["assemble"].contains("model.bin")) {
    sha = model["assemble"]["model.bin"].value("sha256", "");
  }
  for (const auto& part : model.value("parts", nlohmann::json::array())) {
    if (sha.empty() && part.contains("files") && part["files"].contains("model.bin")) {
      sha = part["files"]["model.bin"].get<std::string>();
    }
  }
  const auto name = model.value("name", std::string("?"));
  return sha.empty() ? fmt::format("{} (no model.bin hash)", name)
                     : fmt::format("{} (model.bin sha256 {})", name, sha.substr(0, 12));
}

}  // namespace

Check models_check(const std::string& lock_text, const std::string& asr_model, const std::string& sts_image,
                   std::optional<bool> sts_image_present) {
  Check c{CheckLevel::Ok, "whisper models", "", ""};
  nlohmann::json lock;
  try {
    lock = nlohmann::json::parse(lock_text);
  } catch (const nlohmann::json::exception& e) {
    c.level = CheckLevel::Fail;
    c.what = fmt::format("compose/sts/models.lock.json cannot be read: {}", e.what());
    c.fix = "restore it from git (git checkout compose/sts/models.lock.json)";
    return c;
  }
  std::vector<std::string> names;
  std::vector<std::string> summaries;
  for (const auto& model : lock.value("models", nlohmann::json::array())) {
    names.push_back(model.value("name", std::string("?")));
    summaries.push_back(model_summary(model));
  }
  c.what = fmt::format("the lock pins {}; ASR_MODEL={}; they are in {}, {}", fmt::join(summaries, ", "), asr_model,
                       sts_image,
                       !sts_image_present   ? "not checked"
                       : *sts_image_present ? "present"
                                            : "missing");
  if (std::find(names.begin(), names.end(), asr_model) == names.end()) {
    c.level = CheckLevel::Fail;
    c.fix = fmt::format("set ASR_MODEL to one of {}, or mount the model (compose/sts/docker-compose.e2e.yml)",
                        fmt::join(names, ", "));
  } else if (!sts_image_present) {
    c.level = CheckLevel::Warn;
    c.fix = "start the Docker engine to check the image";
  } else if (!*sts_image_present) {
    c.level = CheckLevel::Fail;
    c.fix = "scripts/provision-images --only sts (installs them and checks every file against the lock)";
  }
  return c;
}

Check disk_check(const std::string& what, const fs::path& path, std::optional<std::uint64_t> free_bytes,
                 const std::string& error) {
  Check c{CheckLevel::Ok, "disk " + what, "", ""};
  if (!free_bytes) {
    c.level = CheckLevel::Warn;
    c.what = fmt::format("cannot read the free space of {}{}", path.string(), error.empty() ? "" : ": " + error);
    return c;
  }
  c.what = fmt::format("{} free at {}", gib(*free_bytes), path.string());
  if (*free_bytes < kDiskWarnBytes) {
    c.level = *free_bytes < kDiskFailBytes ? CheckLevel::Fail : CheckLevel::Warn;
    c.what += fmt::format(" (below {})", gib(c.level == CheckLevel::Fail ? kDiskFailBytes : kDiskWarnBytes));
    c.fix = what == "docker" ? "free space (docker image prune, docker builder prune)"
                             : "free space (old runs under out/) or choose --artifacts elsewhere";
  }
  return c;
}

std::vector<std::string> compose_images(const fs::path& compose_file, const EnvMap& env) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(compose_file.string());
  } catch (const YAML::Exception& e) {
    throw dub::Error(fmt::format("cannot read {}: {}", compose_file.string(), e.what()));
  }
  std::vector<std::string> images;
  const auto services = root["services"];
  if (!services.IsDefined() || !services.IsMap()) return images;
  for (const auto& svc : services) {
    if (!svc.second.IsMap()) continue;
    const auto image = svc.second["image"];
    if (!image.IsDefined() || !image.IsScalar()) continue;
    const auto name = expand(image.Scalar(), env);
    if (std::find(images.begin(), images.end(), name) == images.end()) images.push_back(name);
  }
  return images;
}

}  // namespace dubctl
