#include "commands.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "dub/media/probe.hpp"
#include "dub/util/error.hpp"
#include "stacks.hpp"

namespace dubctl {

namespace {

struct Options {
  std::string stack_target = "all";
  std::vector<std::string> env_pairs;
  int up_timeout_s = 120;
  std::string probe_source;
  bool probe_json = false;
};

Options& options() {
  static Options o;
  return o;
}

std::map<std::string, std::string> parse_env_pairs(const std::vector<std::string>& pairs) {
  std::map<std::string, std::string> env;
  for (const auto& pair : pairs) {
    const auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw dub::Error(fmt::format("--env '{}' is not KEY=VALUE", pair));
    }
    env[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  return env;
}

int cmd_up() {
  const auto env = parse_env_pairs(options().env_pairs);
  for (const auto& stack : stacks_for(options().stack_target, project_root())) {
    stack_up(stack, env, std::chrono::seconds(options().up_timeout_s));
  }
  return 0;
}

int cmd_down() {
  const auto env = parse_env_pairs(options().env_pairs);
  auto stacks = stacks_for(options().stack_target, project_root());
  std::reverse(stacks.begin(), stacks.end());  // stop in the opposite order of start
  for (const auto& stack : stacks) stack_down(stack, env);
  return 0;
}

int cmd_probe() {
  const auto info = dub::media::probe(options().probe_source);
  if (options().probe_json) {
    nlohmann::json out = {{"source", info.source}, {"container", info.container}, {"duration_s", info.duration_s}};
    out["streams"] = nlohmann::json::array();
    for (const auto& s : info.streams) {
      out["streams"].push_back({{"index", s.index},
                                {"type", dub::media::to_string(s.type)},
                                {"codec", s.codec},
                                {"language", s.language},
                                {"sample_rate", s.sample_rate},
                                {"channels", s.channels},
                                {"width", s.width},
                                {"height", s.height},
                                {"frame_rate", s.frame_rate},
                                {"duration_s", s.duration_s}});
    }
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("{}\n  container: {}\n  duration:  {:.3f} s\n", info.source, info.container, info.duration_s);
  for (const auto& s : info.streams) {
    std::string detail;
    if (s.type == dub::media::StreamType::Video) {
      detail = fmt::format("{}x{} @ {:.2f} fps", s.width, s.height, s.frame_rate);
    } else if (s.type == dub::media::StreamType::Audio) {
      detail = fmt::format("{} Hz, {} ch", s.sample_rate, s.channels);
    }
    fmt::print("  #{} {:<5} {:<6} {:<24} lang={:<4} {:.3f} s\n", s.index, dub::media::to_string(s.type), s.codec,
               detail, s.language.empty() ? "-" : s.language, s.duration_s);
  }
  return 0;
}

std::map<const CLI::App*, std::function<int()>>& handlers() {
  static std::map<const CLI::App*, std::function<int()>> h;
  return h;
}

}  // namespace

void register_commands(CLI::App& app) {
  auto& o = options();

  auto* up = app.add_subcommand("up", "Start compose stacks and wait until every container is healthy");
  up->add_option("stack", o.stack_target, "media | sts | all")->check(CLI::IsMember({"media", "sts", "all"}));
  up->add_option("--env", o.env_pairs, "KEY=VALUE passed to compose (ports, STS_SERVICE_URL, ...); repeatable");
  up->add_option("--timeout", o.up_timeout_s, "Seconds to wait for health")->check(CLI::PositiveNumber);
  handlers()[up] = cmd_up;

  auto* down = app.add_subcommand("down", "Stop compose stacks and remove their containers");
  down->add_option("stack", o.stack_target, "media | sts | all")->check(CLI::IsMember({"media", "sts", "all"}));
  down->add_option("--env", o.env_pairs, "KEY=VALUE passed to compose; repeatable");
  handlers()[down] = cmd_down;

  auto* probe = app.add_subcommand("probe", "Show the streams of a file or URL (codecs, duration, language tags)");
  probe->add_option("source", o.probe_source, "File path or rtsp:// / rtmp:// URL")->required();
  probe->add_flag("--json", o.probe_json, "Print JSON instead of a table");
  handlers()[probe] = cmd_probe;
}

int run_selected(CLI::App& app) {
  for (const auto* sub : app.get_subcommands()) {
    const auto it = handlers().find(sub);
    if (it != handlers().end()) return it->second();
  }
  throw dub::Error("no command given (see dubctl --help)");
}

}  // namespace dubctl
