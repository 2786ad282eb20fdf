#include "containers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "dub/util/error.hpp"
#include "eventually.hpp"

namespace dubctl {

const char* const kContainerInspectFormat =
    "{{.Name}}|{{index .Config.Labels \"com.docker.compose.service\"}}|{{.State.Status}}|"
    "{{if .State.Health}}{{.State.Health.Status}}{{end}}|{{.State.ExitCode}}|{{.State.OOMKilled}}|"
    "{{range $p, $b := .HostConfig.PortBindings}}{{range $b}}{{.HostPort}},{{end}}{{end}}";

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(text);
  while (std::getline(in, field, sep)) out.push_back(field);
  if (!text.empty() && text.back() == sep) out.emplace_back();
  return out;
}

int to_int(const std::string& text, int fallback) {
  try {
    return text.empty() ? fallback : std::stoi(text);
  } catch (const std::exception&) {
    return fallback;
  }
}

}  // namespace

std::vector<ContainerStatus> parse_container_statuses(const std::string& inspect_output) {
  std::vector<ContainerStatus> out;
  std::istringstream lines(inspect_output);
  std::string line;
  while (std::getline(lines, line)) {
    const auto f = split(line, '|');
    if (f.size() < 7 || f[0].empty()) continue;  // not one of our lines (a warning, an empty line)
    ContainerStatus c;
    c.name = f[0].starts_with('/') ? f[0].substr(1) : f[0];
    c.service = f[1].empty() ? c.name : f[1];
    c.state = f[2];
    c.health = f[3];
    c.exit_code = to_int(f[4], 0);
    c.oom_killed = f[5] == "true";
    for (const auto& port : split(f[6], ',')) {
      if (const int p = to_int(port, 0); p > 0) c.host_ports.push_back(p);
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<ContainerStatus> container_statuses(const Stack& stack, const EnvMap& env) {
  const auto ids = run_command(compose_args(stack, {"ps", "-a", "-q"}), env);
  if (ids.exit_code != 0) {
    throw dub::Error(fmt::format("cannot list the containers of compose project {}: {}", stack.project, ids.output));
  }
  std::vector<std::string> argv = {"docker", "inspect", "--format", kContainerInspectFormat};
  std::istringstream lines(ids.output);
  std::string id;
  while (std::getline(lines, id)) {
    if (!id.empty() && id.find_first_not_of("0123456789abcdef") == std::string::npos) argv.push_back(id);
  }
  if (argv.size() == 4) return {};
  return parse_container_statuses(run_command(argv).output);
}

std::vector<std::string> health_check_exec_argv(const std::string& container, const std::string& test_json) {
  const auto test = nlohmann::json::parse(test_json, nullptr, false);
  if (!test.is_array() || test.size() < 2 || !test[0].is_string()) return {};
  for (const auto& part : test) {
    if (!part.is_string()) return {};
  }
  std::vector<std::string> argv = {"docker", "exec", container};
  const auto kind = test[0].get<std::string>();
  if (kind == "CMD-SHELL") {
    argv.insert(argv.end(), {"/bin/sh", "-c", test[1].get<std::string>()});
  } else if (kind == "CMD") {
    for (std::size_t i = 1; i < test.size(); ++i) argv.push_back(test[i].get<std::string>());
  } else {
    return {};  // NONE
  }
  return argv;
}

bool health_check_passes(const std::string& container, std::chrono::milliseconds timeout) {
  const auto test = run_command({"docker", "inspect", "--format", "{{json .Config.Healthcheck.Test}}", container});
  if (test.exit_code != 0) return false;
  const auto argv = health_check_exec_argv(container, test.output);
  if (argv.empty()) return false;
  try {
    return run_command(argv, {}, {.limit = timeout}).exit_code == 0;
  } catch (const Cancelled&) {
    throw;
  } catch (const dub::Error&) {
    return false;  // ran past its timeout: failed, as Docker counts it
  }
}

bool healthy_now(const ContainerStatus& c) {
  if (c.up()) return true;
  // The compose files' `timeout: 3s`: Docker gives the check as long.
  return c.running() && c.health == "starting" && health_check_passes(c.name, std::chrono::seconds(3));
}

std::string not_running_message(const ContainerStatus& c, const std::string& project) {
  std::string why;
  if (c.oom_killed) {
    why = fmt::format("killed for lack of memory (exit code {})", c.exit_code);
  } else if (c.state == "exited" || c.state == "dead") {
    why = fmt::format("exited with code {}", c.exit_code);
    if (c.exit_code > 128 && c.exit_code < 128 + 65) {
      const int sig = c.exit_code - 128;
      const char* abbrev = sigabbrev_np(sig);
      why += fmt::format(" (killed by signal {}{})", sig, abbrev != nullptr ? fmt::format(", SIG{}", abbrev) : "");
    }
  } else {
    why = c.state.empty() ? "unknown state" : c.state;
  }
  return fmt::format("{} (compose project {}) is not running: {}", c.service, project, why);
}

std::vector<ContainerProcess> parse_container_processes(const std::string& top_output) {
  std::istringstream lines(top_output);
  std::string line;
  std::getline(lines, line);
  std::istringstream header(line);
  std::vector<std::string> columns;
  for (std::string column; header >> column;) columns.push_back(column);
  const auto pid_at = std::find(columns.begin(), columns.end(), "PID");
  const auto uid_at = std::find(columns.begin(), columns.end(), "UID");
  if (pid_at == columns.end() || uid_at == columns.end()) {
    throw dub::Error(fmt::format("`docker top` listed no PID and UID columns: {}", line));
  }
  std::vector<ContainerProcess> out;
  while (std::getline(lines, line)) {
    std::istringstream in(line);
    std::vector<std::string> fields;
    for (std::string field; in >> field;) fields.push_back(field);
    if (fields.size() < columns.size()) continue;  // an empty line
    ContainerProcess p;
    p.pid = to_int(fields[pid_at - columns.begin()], 0);
    p.uid = to_int(fields[uid_at - columns.begin()], -1);
    // The command is the last column and may hold spaces.
    for (auto i = columns.size() - 1; i < fields.size(); ++i) p.command += (p.command.empty() ? "" : " ") + fields[i];
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<ContainerProcess> container_processes(const std::string& name) {
  const auto top = run_command({"docker", "top", name, "-o", "pid,uid,comm"});
  if (top.exit_code != 0) throw dub::Error(fmt::format("cannot list the processes of {}: {}", name, top.output));
  return parse_container_processes(top.output);
}

std::optional<int> local_port(const std::string& url) {
  static const std::regex re(R"(^https?://(localhost|127\.0\.0\.1|\[::1\]):(\d+)(/.*)?$)");
  std::smatch m;
  if (!std::regex_match(url, m, re)) return std::nullopt;
  return to_int(m[2].str(), 0);
}

}  // namespace dubctl
