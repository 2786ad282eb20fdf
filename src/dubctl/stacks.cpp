#include "stacks.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "containers.hpp"
#include "dub/util/env.hpp"
#include "dub/util/error.hpp"
#include "dub/util/log.hpp"
#include "eventually.hpp"
#include "isolation.hpp"
#include "port_check.hpp"
#include "recordings.hpp"

namespace bp = boost::process;
namespace fs = std::filesystem;

namespace dubctl {

std::vector<Stack> stacks_for(const std::string& target, const fs::path& root) {
  const Stack media{"media", project_name("dubmedia"), root / "compose/media/docker-compose.e2e.yml"};
  const Stack sts{"sts", project_name("dubsts"), root / "compose/sts/docker-compose.e2e.yml"};
  if (target == "media") return {media};
  if (target == "sts") return {sts};
  if (target == "all") return {sts, media};
  throw dub::Error(fmt::format("unknown stack '{}': use media, sts or all", target));
}

namespace {

bool v2_plugin_answers() {
  try {
    return run_command({"docker", "compose", "version"}).exit_code == 0;
  } catch (const dub::Error&) {
    return false;  // no docker client at all
  }
}

bool v1_binary_found() {
  return !bp::search_path("docker-compose").empty();
}

}  // namespace

std::vector<std::string> pick_compose(const std::string& wanted, bool v2_answers, bool v1_found) {
  using Argv = std::vector<std::string>;
  if (wanted == "v2") {
    if (!v2_answers)
      throw dub::Error("DUBCTL_COMPOSE=v2 but `docker compose version` does not answer: run scripts/bootstrap");
    return Argv{"docker", "compose"};
  }
  if (wanted == "v1") {
    if (!v1_found) throw dub::Error("DUBCTL_COMPOSE=v1 but docker-compose is not on PATH: run scripts/bootstrap");
    return Argv{"docker-compose"};
  }
  if (wanted != "auto")
    throw dub::Error(fmt::format("DUBCTL_COMPOSE='{}': use auto, v1 (docker-compose) or v2 (docker compose)", wanted));
  if (v2_answers) return Argv{"docker", "compose"};
  if (v1_found) return Argv{"docker-compose"};
  throw dub::Error("no compose tool found (docker compose v2 or docker-compose v1): run scripts/bootstrap");
}

std::vector<std::string> compose_command() {
  static const std::vector<std::string> cached = [] {
    const auto wanted = dub::env::get("DUBCTL_COMPOSE").value_or("auto");
    // Ask only about the tool that can be chosen: a v1 run must not depend on the plugin answering.
    return pick_compose(wanted, wanted != "v1" && v2_plugin_answers(), wanted != "v2" && v1_binary_found());
  }();
  return cached;
}

std::string compose_description() {
  try {
    auto argv = compose_command();
    const bool v1 = argv.size() == 1;
    argv.insert(argv.end(), {"version", "--short"});
    auto version = run_command(argv).output;
    version.erase(version.find_last_not_of(" \r\n") + 1);
    return fmt::format("{} {} ({})", fmt::join(compose_command(), " "), version, v1 ? "v1" : "v2");
  } catch (const dub::Error& e) {
    return fmt::format("none ({})", e.what());
  }
}

std::vector<std::string> compose_args(const Stack& stack, const std::vector<std::string>& tail) {
  auto argv = compose_command();
  argv.insert(argv.end(), {"-p", stack.project, "-f", stack.compose_file.string()});
  argv.insert(argv.end(), tail.begin(), tail.end());
  return argv;
}

namespace {

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

// `docker <kind> rm` of every `kind` (network | volume) labelled with the project; those still in
// use are kept. Returns "<kind> <name>" of each one removed.
std::vector<std::string> remove_labelled(const Stack& stack, const std::string& kind) {
  const CommandOptions bounded{.limit = std::chrono::seconds(10), .cancellable = false};
  const auto listed = run_command({"docker", kind, "ls", "-q", "--filter",
                                   "label=com.docker.compose.project=" + stack.project, "--format", "{{.Name}}"},
                                  {}, bounded);
  std::vector<std::string> removed;
  for (const auto& name : words_of(listed.output)) {
    if (run_command({"docker", kind, "rm", name}, {}, bounded).exit_code == 0)
      removed.push_back(fmt::format("{} {}", kind, name));
  }
  return removed;
}

}  // namespace

std::vector<std::string> remove_project_leftovers(const Stack& stack, bool volumes_too) {
  auto removed = remove_labelled(stack, "network");
  if (volumes_too) {
    const auto more = remove_labelled(stack, "volume");
    removed.insert(removed.end(), more.begin(), more.end());
  }
  if (!removed.empty()) {
    dub::log::warn(
        "removed what an earlier run of the project left",
        {{"stack", stack.name}, {"project", stack.project}, {"removed", fmt::format("{}", fmt::join(removed, ", "))}});
  }
  return removed;
}

StartedStack stack_start(const Stack& stack, const std::map<std::string, std::string>& env,
                         const std::vector<std::string>& services) {
  if (!fs::exists(stack.compose_file)) {
    throw dub::Error(fmt::format("compose file for stack '{}' not found: {}", stack.name, stack.compose_file.string()));
  }
  check_ports_free(stack, env, services);  // a taken port: say which one and what to do, before compose starts
  // A network of the project no container uses, e.g. created by the other compose tool in a run that
  // ended uncleanly: compose v2 would refuse it ("network ... was found but has incorrect label").
  remove_project_leftovers(stack, false);
  dub::log::info("starting stack", {{"stack", stack.name}, {"project", stack.project}});
  auto up_args = compose_args(stack, {"up", "-d"});
  up_args.insert(up_args.end(), services.begin(), services.end());
  const auto started = std::chrono::steady_clock::now();
  // MediaMTX (not root) records into a folder of the host: made writable for it first (recordings.hpp).
  const auto up = run_command(up_args, stack.name == "media" ? with_recordings_ready(stack, env) : env);
  if (up.exit_code != 0) {
    std::string hint;
    if (up.output.find("port is already allocated") != std::string::npos ||
        up.output.find("address already in use") != std::string::npos) {
      const auto ports = explain_port_error(stack, env, services, up.output);
      // Taken between the check above and compose: the same conflict (a skip under `dubctl run`).
      if (!ports.empty()) throw PortConflict(fmt::format("{}\ncompose said:\n{}", ports, up.output));
      hint = "\nA published port is taken: stop whatever holds it, or choose other ports (see README, Configuration).";
    } else if (up.output.find("No such image") != std::string::npos ||
               up.output.find("pull access denied") != std::string::npos) {
      hint = "\nAn image is missing: run scripts/provision-images.";
    }
    throw dub::Error(fmt::format("'{}' stack failed to start:\n{}{}", stack.name, up.output, hint));
  }
  return {stack, env, started};
}

namespace {

// One look at a started stack: "" when every container runs and is healthy, else what is pending
// ("media-service=starting "). `passed` holds the containers whose own check passed already.
// Throws dub::Error when a container exited or is unhealthy.
std::string pending_health(const StartedStack& s, std::set<std::string>& passed) {
  const auto containers = container_statuses(s.stack, s.env);
  if (containers.empty()) return "no container yet ";
  std::string pending;
  bool failed = false;
  for (const auto& c : containers) {
    if (c.running() && passed.contains(c.name)) continue;
    if (healthy_now(c)) {
      passed.insert(c.name);
      continue;
    }
    const auto status = c.running() ? c.health : c.state;
    pending += fmt::format("{}={} ", c.name, status);
    failed = failed || status == "unhealthy" || status == "exited" || status == "dead";
  }
  if (failed) throw dub::Error(fmt::format("'{}' stack: containers failed: {}", s.stack.name, pending));
  return pending;
}

}  // namespace

std::vector<std::chrono::milliseconds> await_healthy(const std::vector<StartedStack>& stacks,
                                                     std::chrono::seconds timeout) {
  std::vector<std::optional<std::chrono::milliseconds>> took(stacks.size());
  std::set<std::string> passed;
  std::vector<std::string> names;
  names.reserve(stacks.size());
  for (const auto& s : stacks) names.push_back(s.stack.name);
  std::string pending;
  const auto healthy = eventually(
      {fmt::format("waiting for the {} stack{} to be healthy", fmt::join(names, " and "), names.size() > 1 ? "s" : ""),
       timeout, std::chrono::milliseconds(250)},
      [&](std::string& last) -> std::optional<std::string> {
        last.clear();
        for (std::size_t i = 0; i < stacks.size(); ++i) {
          if (took[i]) continue;
          const auto waiting = pending_health(stacks[i], passed);
          if (waiting.empty()) {
            took[i] = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                            stacks[i].started);
          }
          last += waiting;
        }
        if (last.empty()) return "healthy";
        return std::nullopt;
      },
      pending);
  if (!healthy) {
    throw dub::Error(fmt::format("'{}' stack{} not healthy after {}s: {}(see `docker logs <container>`)",
                                 fmt::join(names, "' and '"), names.size() > 1 ? "s" : "", timeout.count(), pending));
  }
  std::vector<std::chrono::milliseconds> out;
  out.reserve(took.size());
  for (const auto& t : took) out.push_back(*t);
  return out;
}

std::chrono::milliseconds stack_up(const Stack& stack, const std::map<std::string, std::string>& env,
                                   std::chrono::seconds timeout, const std::vector<std::string>& services) {
  return await_healthy({stack_start(stack, env, services)}, timeout).front();
}

std::optional<std::string> shared_network_left(const std::string& down_output) {
  // docker-compose v1: "error while removing network: network NAME id ID has active endpoints";
  // docker compose v2: "... network NAME ... has active endpoints" or "Network NAME Resource is still in use".
  static const std::regex in_use(
      R"((?:network (\S+) id \S+ has active endpoints|network (\S+) has active endpoints|Network (\S+)\s+Resource is still in use))");
  std::optional<std::string> network;
  std::istringstream lines(down_output);
  std::string line;
  while (std::getline(lines, line)) {
    std::smatch m;
    if (std::regex_search(line, m, in_use)) {
      for (std::size_t i = 1; i < m.size(); ++i) {
        if (m[i].matched) network = m[i].str();
      }
    } else if (line.find("rror") != std::string::npos || line.find("ERROR") != std::string::npos) {
      return std::nullopt;  // some other failure
    }
  }
  return network;
}

void stack_down(const Stack& stack, const std::map<std::string, std::string>& env) {
  dub::log::info("stopping stack", {{"stack", stack.name}, {"project", stack.project}});
  // Bounded, and not cancelled by an interrupt: this is how an interrupted run cleans up (README,
  // dubctl run: within 30 s of Ctrl-C). Containers get 10 s to stop, compose the rest. Its named
  // volumes go too (the media service's scratch segments, the STS's small runtime cache; the models
  // are in the image): a run leaves no container, network or volume behind.
  const auto down = run_command(compose_args(stack, {"down", "--volumes", "--remove-orphans", "--timeout", "10"}), env,
                                {.limit = std::chrono::seconds(25), .cancellable = false});
  // What compose does not remove: a network or volume another compose tool created for the project
  // (v2 leaves v1's, whose labels it does not recognise) when no container of it is left.
  if (down.exit_code == 0) {
    remove_project_leftovers(stack, true);
    return;
  }
  // Two projects on one network (the same network name, spec edge case E7): the first to leave cannot
  // remove it while the other's containers are attached; the last one to leave does.
  if (const auto network = shared_network_left(down.output)) {
    dub::log::warn("network still used by another project: left for it to remove",
                   {{"stack", stack.name}, {"network", *network}});
    return;
  }
  throw dub::Error(fmt::format("'{}' stack failed to stop:\n{}", stack.name, down.output));
}

fs::path project_root() {
  if (const auto root = dub::env::get("DUBCTL_ROOT")) return fs::path(*root);
  auto is_root = [](const fs::path& dir) { return fs::exists(dir / "compose") && fs::exists(dir / "scenarios"); };
  for (fs::path dir = fs::current_path(); !dir.empty(); dir = dir.parent_path()) {
    if (is_root(dir)) return dir;
    if (dir == dir.root_path()) break;
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  for (fs::path dir = exe.parent_path(); !ec && !dir.empty(); dir = dir.parent_path()) {
    if (is_root(dir)) return dir;
    if (dir == dir.root_path()) break;
  }
  throw dub::Error(
      "cannot find the project root (a folder with compose/ and scenarios/): run from the checkout or set DUBCTL_ROOT");
}

}  // namespace dubctl
