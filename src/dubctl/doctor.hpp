#pragma once
// `dubctl doctor`: is this host ready to run the stacks? Each check is a pure function of what was
// probed (the output of `docker version`, a port list, statvfs numbers...), so its verdict is unit
// tested without Docker; run_doctor() does the probing (read-only: it starts no container) and
// prints one line per check, "ok|WARN|FAIL <check>: <what> [-> fix]".
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "command.hpp"
#include "port_check.hpp"
#include "scenario.hpp"

namespace dubctl {

enum class CheckLevel { Ok, Warn, Fail };

struct Check {
  CheckLevel level = CheckLevel::Ok;
  std::string name;  // "docker", "compose", "ports media", "image dubctl/sts-service:dev", ...
  std::string what;
  std::string fix;  // what to do; empty when nothing
};

// "ok   docker: engine 20.10.24", "FAIL compose: none found -> sudo scripts/bootstrap installs one"
std::string format_check(const Check& check);

// 0 when no check failed, else 3 (an environment problem, as main.cpp's exit codes say).
int doctor_exit_code(const std::vector<Check>& checks);

// `docker version --format {{.Server.Version}}`: nullopt when the docker client is not installed.
Check docker_check(const std::optional<CommandResult>& version);

// The compose tool compose_command() picked (empty: none) and its `version --short`.
Check compose_check(const std::vector<std::string>& tool, const std::optional<CommandResult>& version);

// The host ports a stack publishes; `in_use`: those something listens on; `own`: those the stack's
// own running containers publish (no conflict: the stack is up).
Check ports_check(const std::string& stack, const std::vector<PublishedPort>& ports, const std::set<int>& in_use,
                  const std::set<int>& own);

// `docker image inspect --format '{{index .Config.Labels "dubctl.inputs-hash"}}' <image>`: exit 0
// means present, its output the inputs stamp scripts/provision-images labels its builds with.
Check image_check(const std::string& image, const CommandResult& inspect);

// The Whisper models compose/sts/models.lock.json pins (its text), the model the STS service is
// started with (ASR_MODEL) and whether the STS image, which carries them, is present (nullopt: not
// known, the engine is not reachable).
Check models_check(const std::string& lock_text, const std::string& asr_model, const std::string& sts_image,
                   std::optional<bool> sts_image_present);

// Free space where `what` lives (statvfs: f_bavail * f_frsize); nullopt when it cannot be read.
// FAIL below kDiskFailBytes, WARN below kDiskWarnBytes.
constexpr std::uint64_t kDiskFailBytes = 1ULL << 30;
constexpr std::uint64_t kDiskWarnBytes = 5ULL << 30;
Check disk_check(const std::string& what, const std::filesystem::path& path, std::optional<std::uint64_t> free_bytes,
                 const std::string& error = "");

// The images a compose file's services name (${VAR:-default} resolved from `env`), in file order.
std::vector<std::string> compose_images(const std::filesystem::path& compose_file, const EnvMap& env);

// Probes this host and returns every check (Docker, compose, ports, images, models, disk).
std::vector<Check> run_doctor(const std::filesystem::path& root, const EnvMap& env,
                              const std::filesystem::path& artifacts);

}  // namespace dubctl
