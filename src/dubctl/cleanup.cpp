#include "cleanup.hpp"

#include <fmt/format.h>

#include <array>
#include <string_view>
#include <utility>

namespace dubctl {

namespace {

constexpr std::array<std::pair<Cleanup, std::string_view>, 4> kNames = {{
    {Cleanup::Always, "always"},
    {Cleanup::Success, "success"},
    {Cleanup::Failure, "failure"},
    {Cleanup::Never, "never"},
}};

}  // namespace

std::optional<Cleanup> parse_cleanup(const std::string& text) {
  for (const auto& [value, name] : kNames) {
    if (text == name) return value;
  }
  return std::nullopt;
}

std::string to_string(Cleanup c) {
  for (const auto& [value, name] : kNames) {
    if (value == c) return std::string(name);
  }
  return "unknown";
}

Cleanup default_cleanup(const char* ci) {
  const std::string_view v = ci == nullptr ? "" : ci;
  return v == "true" || v == "1" ? Cleanup::Always : Cleanup::Success;
}

bool should_tear_down(Cleanup c, bool all_passed, bool interrupted) {
  if (interrupted) return true;
  switch (c) {
    case Cleanup::Always:
      return true;
    case Cleanup::Success:
      return all_passed;
    case Cleanup::Failure:
      return !all_passed;
    case Cleanup::Never:
      return false;
  }
  return true;
}

std::string kept_stacks_hint(const std::string& run_id) {
  if (run_id.empty()) {
    return "the stacks are still up to inspect (--cleanup):\n"
           "  dubctl endpoints                      where each service answers\n"
           "  docker compose -p dubmedia ps         containers (dubsts for the STS project); logs: ... logs -f\n"
           "  dubctl down                           tear both stacks down when done\n";
  }
  return fmt::format(
      "the stacks of run {0} are still up to inspect (--cleanup):\n"
      "  docker compose -p dubmedia-{0} port media-service 8080   the host port a service answers on\n"
      "  docker compose -p dubmedia-{0} ps     containers (dubsts-{0} for the STS project); logs: ... logs -f\n"
      "  DUBCTL_RUN_ID={0} dubctl down         tear both stacks down when done\n",
      run_id);
}

}  // namespace dubctl
