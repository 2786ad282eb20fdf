#include "peak_rss.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "command.hpp"
#include "dub/util/error.hpp"

namespace dubctl {

namespace {

// The kB of a "Key:   12345 kB" line; nullopt when there is no such line.
std::optional<long long> status_kb(const std::string& status, const std::string& key) {
  std::istringstream lines(status);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with(key + ":")) continue;
    std::istringstream fields(line.substr(key.size() + 1));
    long long kb = -1;
    std::string unit;
    if (fields >> kb >> unit && kb >= 0 && unit == "kB") return kb;
    throw dub::Error(fmt::format("cannot read `{}` in /proc/<pid>/status: expected \"<number> kB\"", line));
  }
  return std::nullopt;
}

}  // namespace

ProcessMemory parse_proc_status(const std::string& status) {
  const auto peak = status_kb(status, "VmHWM");
  const auto now = status_kb(status, "VmRSS");
  if (!peak || !now) {
    throw dub::Error(
        fmt::format("/proc/<pid>/status has no {} line (a kernel thread, or not Linux?)", peak ? "VmRSS" : "VmHWM"));
  }
  return {*peak, *now};
}

ProcessMemory container_memory(const std::string& container) {
  const auto inspect = run_command({"docker", "inspect", "--format", "{{.State.Pid}}", container});
  std::string text = inspect.output;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  if (inspect.exit_code != 0 || text.empty() || text.find_first_not_of("0123456789") != std::string::npos ||
      text == "0") {
    throw dub::Error(fmt::format("cannot find the main process of {} (docker inspect .State.Pid: {})", container,
                                 text.empty() ? "nothing" : text));
  }
  const auto file = fmt::format("/proc/{}/status", text);
  std::ifstream in(file);
  if (!in) {
    throw dub::Error(
        fmt::format("cannot read {} for {}'s main process: its peak RSS is read on the Docker host, "
                    "and dubctl runs on another one (DOCKER_HOST) or without access to it",
                    file, container));
  }
  std::stringstream status;
  status << in.rdbuf();
  return parse_proc_status(status.str());
}

std::optional<std::string> rss_problem(const std::string& service, const ProcessMemory& memory, double max_mb) {
  if (to_mb(memory.peak_kb) <= max_mb) return std::nullopt;
  return fmt::format("{}: peak RSS {:.1f} MB (VmHWM of its main process) is over the {:g} MB bound", service,
                     to_mb(memory.peak_kb), max_mb);
}

std::optional<std::string> rss_growth_problem(const std::string& service, long long first_kb, long long now_kb,
                                              double max_growth_mb) {
  const double grown = to_mb(now_kb - first_kb);
  if (grown <= max_growth_mb) return std::nullopt;
  return fmt::format(
      "{}: RSS grew {:.1f} MB since the first sample of this scenario ({:.1f} -> {:.1f} MB, each the "
      "lowest over its window), over the {:g} MB bound",
      service, grown, to_mb(first_kb), to_mb(now_kb), max_growth_mb);
}

}  // namespace dubctl
