#include "commands.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "completion.hpp"
#include "doctor.hpp"
#include "dub/media/probe.hpp"
#include "dub/media/publish.hpp"
#include "dub/util/error.hpp"
#include "endpoints.hpp"
#include "fixture_check.hpp"
#include "golden.hpp"
#include "isolation.hpp"
#include "jobs.hpp"
#include "merge.hpp"
#include "redact.hpp"
#include "run_vars.hpp"
#include "runner.hpp"
#include "scenario.hpp"
#include "shard.hpp"
#include "stacks.hpp"
#include "step_vars.hpp"

namespace dubctl {

namespace {

struct Options {
  std::string stack_target = "all";
  std::vector<std::string> env_pairs;
  std::vector<std::string> var_pairs;  // run --var
  std::string var_file;                // run --var-file
  int up_timeout_s = 120;
  std::string probe_source;
  bool probe_json = false;
  std::string write_golden;  // probe --write-golden
  RunOptions run;
  std::string cleanup;  // --cleanup; empty: --keep-up or the environment's default
  std::string publish_fixture;
  std::string publish_to;
  double publish_stop_after = 0;
  bool publish_no_realtime = false;
  std::string junit;
  std::string artifacts;
  std::vector<std::string> scenario_args;
  std::vector<std::string> merge_runs;  // merge: artifacts folders
  std::string shell;                    // completion
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
  const auto env = with_run_names(parse_env_pairs(options().env_pairs));
  std::vector<StartedStack> started;  // started together, then awaited together
  for (const auto& stack : stacks_for(options().stack_target, project_root())) {
    started.push_back(stack_start(stack, env));
  }
  const auto took = await_healthy(started, std::chrono::seconds(options().up_timeout_s));
  for (std::size_t i = 0; i < started.size(); ++i) {
    fmt::print(stderr, "{} stack healthy {:.1f} s after compose up\n", started[i].stack.name,
               std::chrono::duration<double>(took[i]).count());
  }
  return 0;
}

int cmd_down() {
  const auto env = with_run_names(parse_env_pairs(options().env_pairs));
  auto stacks = stacks_for(options().stack_target, project_root());
  std::reverse(stacks.begin(), stacks.end());  // stop in the opposite order of start
  for (const auto& stack : stacks) stack_down(stack, env);
  return 0;
}

nlohmann::json probe_json(const dub::media::MediaInfo& info) {
  nlohmann::json out = {{"source", info.source},
                        {"container", info.container},
                        {"duration_s", info.duration_s},
                        {"start_s", info.start_s}};
  out["streams"] = nlohmann::json::array();
  for (const auto& s : info.streams) {
    out["streams"].push_back({{"index", s.index},
                              {"type", dub::media::to_string(s.type)},
                              {"codec", s.codec},
                              {"profile", s.profile},
                              {"language", s.language},
                              {"sample_rate", s.sample_rate},
                              {"channels", s.channels},
                              {"width", s.width},
                              {"height", s.height},
                              {"frame_rate", s.frame_rate},
                              {"has_b_frames", s.has_b_frames},
                              {"start_s", s.start_s},
                              {"duration_s", s.duration_s},
                              {"packets", s.packets}});
  }
  return out;
}

void print_probe_table(const dub::media::MediaInfo& info) {
  fmt::print("{}\n  container: {}\n  duration:  {:.3f} s (start {:.3f} s)\n", info.source, info.container,
             info.duration_s, info.start_s);
  for (const auto& s : info.streams) {
    std::string detail;
    if (s.type == dub::media::StreamType::Video) {
      detail = fmt::format("{}x{} @ {:.2f} fps, b-frames {}", s.width, s.height, s.frame_rate, s.has_b_frames);
    } else if (s.type == dub::media::StreamType::Audio) {
      detail = fmt::format("{} Hz, {} ch", s.sample_rate, s.channels);
    }
    const auto packets = s.packets >= 0 ? fmt::format("{} packets", s.packets) : std::string("-");
    fmt::print("  #{} {:<5} {:<6} {:<10} {:<34} lang={:<4} start {:.3f} s, {:.3f} s, {}\n", s.index,
               dub::media::to_string(s.type), s.codec, s.profile.empty() ? "-" : s.profile, detail,
               s.language.empty() ? "-" : s.language, s.start_s, s.duration_s, packets);
  }
}

// The table, --json, or --write-golden FILE (golden.hpp; "-": standard output). A file's packets
// are counted; a URL's only for --write-golden (it is read until its stream ends).
int cmd_probe() {
  const auto& o = options();
  const bool is_url = o.probe_source.find("://") != std::string::npos;
  const auto info = dub::media::probe(o.probe_source, {.count_packets = !is_url || !o.write_golden.empty()});
  if (o.write_golden == "-") {
    fmt::print("{}", golden_yaml(describe_golden(info)));
  } else if (!o.write_golden.empty()) {
    write_golden(o.write_golden, describe_golden(info));
    fmt::print(stderr, "wrote {} ({} streams): check it, then name it in `verify: {{media: ..., golden: {}}}`\n",
               o.write_golden, info.streams.size(), o.write_golden);
  } else if (o.probe_json) {
    fmt::print("{}\n", probe_json(info).dump(2));
  } else {
    print_probe_table(info);
  }
  return 0;
}

int cmd_run() {
  auto& o = options();
  o.run.env = parse_env_pairs(o.env_pairs);
  o.run.vars = run_vars(o.var_pairs, o.var_file, o.run.env);
  o.run.junit = o.junit;
  o.run.artifacts = o.artifacts;
  if (!o.cleanup.empty()) {
    o.run.cleanup = *parse_cleanup(o.cleanup);  // CLI11 admitted only the four names
  } else {
    o.run.cleanup = o.run.keep_up ? Cleanup::Never : default_cleanup(std::getenv("CI"));
  }
  return o.run.jobs > 1 ? run_jobs(o.run) : run_scenarios(o.run);
}

int cmd_merge() {
  const auto& o = options();
  const std::filesystem::path out = o.artifacts.empty() ? std::string("out/merged") : o.artifacts;
  const std::vector<std::filesystem::path> runs(o.merge_runs.begin(), o.merge_runs.end());
  const auto merged = merge_runs(runs, out);
  fmt::print(stderr, "merged {} runs into {}: junit.xml, report.json, report.html\n", runs.size(), out.string());
  fmt::print("{}\n", merged.closing_line());
  return merged.exit_code;
}

int cmd_publish() {
  auto& o = options();
  dub::media::PublishOptions p;
  p.realtime = !o.publish_no_realtime;
  p.stop_after_s = o.publish_stop_after;
  p.on_started = [&o] { fmt::print(stderr, "publishing {} to {}\n", o.publish_fixture, o.publish_to); };
  p.on_progress = [](double media_s) { fmt::print(stderr, "\r  {:.0f}s sent", media_s); };
  const auto result = dub::media::publish(o.publish_fixture, o.publish_to, p);
  fmt::print(stderr, "\rdone: {:.1f}s of media, {} packets in {:.1f}s\n", result.media_s, result.packets,
             result.wall_s);
  return 0;
}

std::string plural(std::size_t n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

// Every problem of every file, each on its own line as file:line: key: problem; then the count.
int cmd_validate() {
  const auto files = scenario_files(options().scenario_args);
  std::size_t bad_files = 0;
  std::size_t problems = 0;
  for (const auto& file : files) {
    std::vector<std::string> found;
    std::size_t steps = 0;
    try {
      const auto s = load_scenario(file);
      steps = s.steps.size();
      found = missing_fixtures(s, project_root());
      const auto typos = var_typo_problems(s, process_environment());  // ${NAME} near a captured name
      found.insert(found.end(), typos.begin(), typos.end());
    } catch (const ScenarioError& e) {
      found = e.problems();
    }
    if (found.empty()) {
      fmt::print("ok      {} ({})\n", file.string(), plural(steps, "step"));
      continue;
    }
    ++bad_files;
    problems += found.size();
    fmt::print("invalid {} ({})\n", file.string(), plural(found.size(), "problem"));
    for (const auto& problem : found) fmt::print("{}\n", problem);
  }
  if (bad_files == 0) {
    fmt::print("{} valid\n", plural(files.size(), "scenario file"));
    return 0;
  }
  fmt::print("{} in {} of {}\n", plural(problems, "problem"), bad_files, plural(files.size(), "scenario file"));
  return 2;
}

int cmd_list() {
  auto args = options().scenario_args;
  if (args.empty()) args.push_back((project_root() / "scenarios").string());
  for (const auto& file : scenario_files(args)) {
    try {
      const auto s = load_scenario(file);
      fmt::print("{:<28} {}\n", s.name, s.description);
    } catch (const ScenarioError& e) {
      const auto& problems = e.problems();  // one line per file: the first, and how many more
      const auto more = problems.size() > 1
                            ? fmt::format(" (and {} more: dubctl validate lists them)", problems.size() - 1)
                            : std::string();
      fmt::print("{:<28} INVALID: {}{}\n", file.stem().string(), problems.front(), more);
    }
  }
  return 0;
}

int cmd_endpoints() {
  for (const auto& [name, value] : stack_endpoints(parse_env_pairs(options().env_pairs), project_root())) {
    fmt::print("{}={}\n", name, value);
  }
  return 0;
}

// One line per check (doctor.hpp); exit 3 when any failed.
int cmd_doctor() {
  const auto root = project_root();
  const auto artifacts = options().artifacts.empty() ? root / "out" : std::filesystem::path(options().artifacts);
  const auto checks = run_doctor(root, parse_env_pairs(options().env_pairs), artifacts);
  for (const auto& check : checks) fmt::print("{}\n", format_check(check));
  return doctor_exit_code(checks);
}

std::map<const CLI::App*, std::function<int()>>& handlers() {
  static std::map<const CLI::App*, std::function<int()>> h;
  return h;
}

// `--help` ends with these examples (and, for some commands, a note before them).
void examples(CLI::App* command, const std::string& lines, const std::string& note = "") {
  command->footer((note.empty() ? "" : note + "\n\n") + "Examples:\n" + lines);
}

}  // namespace

namespace {

void register_stack_commands(CLI::App& app, Options& o) {
  auto* up = app.add_subcommand("up", "Start compose stacks and wait until every container is healthy");
  up->add_option("stack", o.stack_target, "media | sts | all")->check(CLI::IsMember({"media", "sts", "all"}));
  up->add_option("--env", o.env_pairs, "KEY=VALUE passed to compose (ports, STS_SERVICE_URL, ...); repeatable");
  up->add_option("--timeout", o.up_timeout_s, "Seconds to wait for health")->check(CLI::PositiveNumber);
  examples(up,
           "  dubctl up all                                both stacks, media after sts\n"
           "  dubctl up sts --timeout 600                  more time for a slow first start\n"
           "  dubctl up media --env MEDIA_SERVICE_PORT=18080 --env STS_SERVICE_URL=http://host:8000");
  handlers()[up] = cmd_up;

  auto* down = app.add_subcommand("down", "Stop compose stacks and remove their containers");
  down->add_option("stack", o.stack_target, "media | sts | all")->check(CLI::IsMember({"media", "sts", "all"}));
  down->add_option("--env", o.env_pairs, "KEY=VALUE passed to compose; repeatable");
  examples(down,
           "  dubctl down all                              both stacks, in the opposite order of up\n"
           "  dubctl down media --env MEDIA_SERVICE_PORT=18080   the same --env as its up");
  handlers()[down] = cmd_down;

  auto* endpoints = app.add_subcommand(
      "endpoints", "Print the stacks' named endpoints (name=value), as scenarios' ${media.api} etc. resolve them");
  endpoints->add_option("--env", o.env_pairs, "KEY=VALUE as for `run` (e.g. MEDIA_SERVICE_PORT=18080); repeatable");
  examples(endpoints,
           "  dubctl endpoints                             the defaults (media.api=http://localhost:8080, ...)\n"
           "  dubctl endpoints --env MEDIA_SERVICE_PORT=18080 | grep media.api");
  handlers()[endpoints] = cmd_endpoints;

  auto* doctor = app.add_subcommand("doctor",
                                    "Check this host for the stacks: Docker, compose, ports, images, "
                                    "Whisper models, disk space; each problem with its fix");
  doctor->add_option("--env", o.env_pairs, "KEY=VALUE as for `run` (ports, ASR_MODEL); repeatable");
  doctor->add_option("--artifacts", o.artifacts, "Where runs will write, for the disk check (default: out/)");
  examples(doctor,
           "  dubctl doctor                                every check, one line each\n"
           "  dubctl doctor --env MEDIA_SERVICE_PORT=18080 the ports a run with this --env would use\n"
           "  dubctl doctor | grep -v '^ok'                only the problems",
           "Each line is \"ok|WARN|FAIL <check>: <what> [-> fix]\". Read-only: it starts no container.\n"
           "Exit 0 when nothing failed (warnings allowed), 3 when a check failed.");
  handlers()[doctor] = cmd_doctor;
}

void register_media_commands(CLI::App& app, Options& o) {
  auto* probe = app.add_subcommand("probe", "Show the streams of a file or URL (codecs, duration, language tags)");
  probe->add_option("source", o.probe_source, "File path or rtsp:// / rtmp:// URL")->required();
  probe->add_flag("--json", o.probe_json, "Print JSON instead of a table");
  probe
      ->add_option("--write-golden", o.write_golden,
                   "Write the golden descriptor (YAML, default tolerances) to FILE, '-' for standard output, "
                   "for `verify: {media: ..., golden: FILE}`")
      ->excludes("--json");
  examples(probe,
           "  dubctl probe fixtures/test_streams/30s-english-speech.mp4\n"
           "  dubctl probe --json out/<run>/<scenario>/dubbed.mp4\n"
           "  dubctl probe out/<run>/<scenario>/dubbed.mp4 --write-golden scenarios/golden/my.out.yaml\n"
           "  dubctl probe rtsp://localhost:8554/live/demo/out   a live stream while it plays");
  handlers()[probe] = cmd_probe;

  auto* publish =
      app.add_subcommand("publish", "Play a media file into an RTSP/RTMP URL like a live source (remux only)");
  publish->add_option("fixture", o.publish_fixture, "Media file, e.g. fixtures/test_streams/30s-english-speech.mp4")
      ->required()
      ->check(CLI::ExistingFile);
  publish->add_option("--to", o.publish_to, "Destination, e.g. rtsp://localhost:8554/live/demo/in")->required();
  publish->add_option("--stop-after", o.publish_stop_after, "Cut the stream after this many seconds of media");
  publish->add_flag("--no-realtime", o.publish_no_realtime, "Send as fast as possible instead of at media pace");
  examples(publish,
           "  dubctl publish fixtures/test_streams/30s-english-speech.mp4 --to rtsp://localhost:8554/live/demo/in\n"
           "  dubctl publish fixtures/test_streams/30s-english-speech.mp4 --to rtmp://localhost:1935/live/demo/in "
           "--stop-after 10");
  handlers()[publish] = cmd_publish;
}

// Where `run` writes: its three reports and the artifacts folder.
void add_report_options(CLI::App* run, Options& o) {
  run->add_option("--report-junit,--junit", o.junit, "JUnit XML file (default: <artifacts>/junit.xml)");
  run->add_option("--report-html", o.run.report_html,
                  "The HTML report (default: <artifacts>/report.html; report.png is written beside it)");
  run->add_option("--report-json", o.run.report_json,
                  "Every step and measured figure as JSON, following docs/report.schema.json "
                  "(default: <artifacts>/report.json)");
  run->add_option("--artifacts", o.artifacts, "Folder for logs, recordings and reports (default: out/<timestamp>)");
}

// How runs share a machine (--isolate) and a suite (--shard, --durations).
void add_side_by_side_options(CLI::App* run, Options& o) {
  run->add_flag("--isolate", o.run.isolate,
                "The run's own compose projects (dubmedia-<id>, dubsts-<id>; id: DUBCTL_RUN_ID, else made up), "
                "networks and free host ports, so that runs side by side never meet; printed at the start");
  run->add_option("--jobs,-j", o.run.jobs,
                  "Run the scenarios as N concurrent isolated runs, one --shard each, their reports merged; one "
                  "line per job as it starts a scenario (default 1)")
      ->check(CLI::Range(1, 64));
  run->add_option("--shard", o.run.shard,
                  "I/N: run only the I-th of N parts of the scenarios, the same split on every runner, balanced "
                  "by --durations (junit.xml records the shard)")
      ->check([](const std::string& value) {
        try {
          (void)parse_shard(value);
          return std::string();
        } catch (const dub::Error& e) {
          return std::string(e.what());
        }
      });
  run->add_option("--durations", o.run.durations,
                  "The report.json of an earlier run (repeatable: e.g. one per shard; a scenario counts with its "
                  "longest time): each scenario's recorded time, to balance --shard (default: each weighs the same)")
      ->check(CLI::ExistingFile);
}

void register_scenario_commands(CLI::App& app, Options& o) {
  auto* run = app.add_subcommand("run", "Run scenarios against the real stacks and write JUnit, HTML and JSON reports");
  run->add_option("scenarios", o.run.scenario_args, "Scenario files or folders (folders: every *.yaml)")->required();
  run->add_option("--repeat", o.run.repeat, "Run every scenario N times and print the pass rate")
      ->check(CLI::Range(1, 1000));
  run->add_option("--min-pass-rate", o.run.min_pass_rate,
                  "Fail the run (exit 1) when passed / (passed + failed) is below R, 0..1 (default 1.0: any "
                  "failure fails it); the failed runs are named")
      ->check(CLI::Range(0.0, 1.0));
  run->add_flag("--strict", o.run.strict,
                "Count a skipped scenario (missing fixture, taken host port) as failed: for CI");
  run->add_flag("--fail-fast", o.run.fail_fast,
                "After the first failed scenario, run no other: each is a skipped case naming that failure");
  add_report_options(run, o);
  run->add_option("--cleanup", o.cleanup,
                  "When to tear the stacks down: always | success | failure | never "
                  "(default: always when CI=true, else success: a local failure keeps them to inspect)")
      ->check(CLI::IsMember({"always", "success", "failure", "never"}));
  run->add_flag("--keep-up", o.run.keep_up, "Leave the stacks running after the run (--cleanup never)");
  run->add_flag("--update-golden", o.run.update_golden,
                "Rewrite the golden files of `verify: {media: ..., golden: FILE}` from this run's media instead "
                "of comparing (tolerances kept; each step says what changed)");
  run->add_flag("--timings", o.run.timings,
                "At the end, where the wall time went: each scenario's steps (line, kind, seconds, share), "
                "then start, teardown and reports");
  add_side_by_side_options(run, o);
  run->add_option("--env", o.env_pairs, "KEY=VALUE for every stack and for ${KEY} in scenarios; repeatable");
  run->add_option("--var", o.var_pairs, "KEY=VALUE for ${KEY} in scenarios only (not passed to compose); repeatable");
  run->add_option("--var-file", o.var_file, "YAML file of KEY: value, as --var (a --var wins over it)")
      ->check(CLI::ExistingFile);
  run->add_option(
      "--secret", o.run.secrets,
      "NAME of a variable (--env, --var, a stack's env, the environment) whose value is shown as *** in the "
      "terminal, saved logs, JUnit and report.html; repeatable (*_TOKEN, *_SECRET, *_PASSWORD always are)");
  examples(run,
           "  dubctl run scenarios/                        every scenario, stacks started once\n"
           "  dubctl run scenarios/full_pipeline.yaml --keep-up --artifacts out/debug\n"
           "  dubctl run scenarios/ --repeat 5 --report-junit out/junit.xml   the pass rate of 5 rounds\n"
           "  dubctl run scenarios/ --report-json out/report.json   every figure, machine-readable\n"
           "  dubctl run scenarios/full_pipeline.yaml --repeat 10 --min-pass-rate 0.95   fail below 95%\n"
           "  dubctl run scenarios/ --strict               CI: a skipped scenario fails the run\n"
           "  dubctl run scenarios/ --fail-fast            stop at the first failed scenario\n"
           "  dubctl run scenarios/ --var LANG=fr --var-file vars.yaml   ${LANG} in scenarios, not in compose\n"
           "  dubctl run scenarios/sts_down.yaml --cleanup always   tear down even after a local failure\n"
           "  dubctl run scenarios/full_pipeline.yaml --update-golden   rewrite its golden descriptor\n"
           "  dubctl run scenarios/full_pipeline.yaml --timings   per-step times at the end\n"
           "  dubctl run scenarios/media_alone_echo.yaml --isolate   beside another run: own projects, ports\n"
           "  dubctl run scenarios/ --shard 2/4 --durations last/report.json   the 2nd of 4 runners' part\n"
           "  dubctl run scenarios/ --jobs 2            two isolated runs at once, reports merged\n"
           "  dubctl run scenarios/ --env API_KEY=s3cr3t --secret API_KEY   API_KEY's value shown as ***",
           "Stacks start once per run and are shared by its scenarios; Ctrl-C tears them down.\n"
           "Every scenario is parsed before anything starts: a malformed one stops the run with every\n"
           "problem of every file listed (file:line: key: problem), as `dubctl validate` prints them.\n"
           "A scenario that cannot run on this host (a fixture missing, a host port taken) is skipped with\n"
           "the reason in junit.xml, the others still run. The last line is \"N passed, M failed, K skipped\";\n"
           "exit 1 when the pass rate is below --min-pass-rate (skips count only with --strict).\n"
           "Beside its key, any step may carry skip: REASON, retry: N (with delay: D) or expect_error: TEXT.");
  handlers()[run] = cmd_run;

  auto* validate = app.add_subcommand("validate", "Check scenario files against the schema without running them");
  validate->add_option("scenarios", o.scenario_args, "Scenario files or folders")->required();
  examples(validate,
           "  dubctl validate scenarios/                   every bundled scenario\n"
           "  dubctl validate my-test.yaml\n"
           "      my-test.yaml:4: steps[0]: unknown step 'publsh'; did you mean publish? (known: ...)\n"
           "      my-test.yaml:9: steps[2].wait.timout: unknown key; did you mean timeout? (known here: ...)",
           "Every problem of a file is listed, one per line as file:line: key: problem (the nearest known\n"
           "name is suggested for a misspelt step, key or stack), then the count; exit code 2 if any.");
  handlers()[validate] = cmd_validate;

  auto* list = app.add_subcommand("list", "List scenarios with their one-line descriptions");
  list->add_option("paths", o.scenario_args, "Scenario files or folders (default: scenarios/)");
  examples(list, "  dubctl list\n  dubctl list scenarios/sts_down.yaml");
  handlers()[list] = cmd_list;
}

void register_merge_command(CLI::App& app, Options& o) {
  auto* merge = app.add_subcommand(
      "merge",
      "Combine the reports of several runs (shards, runs side by side) into one junit.xml, report.json, "
      "report.html");
  merge->add_option("runs", o.merge_runs, "The artifacts folders of the runs (each with its three reports)")
      ->required()
      ->check(CLI::ExistingDirectory);
  merge->add_option("--artifacts", o.artifacts, "Where the merged reports go (default: out/merged)");
  examples(merge, "  dubctl merge out/shard-1 out/shard-2 out/shard-3 out/shard-4 --artifacts out/suite",
           "The merged page and report.json link into each run's own folder (nothing is copied). Exit 0 when\n"
           "the merged pass rate meets the first run's --min-pass-rate, 1 otherwise.");
  handlers()[merge] = cmd_merge;
}

void register_completion(CLI::App& app, Options& o) {
  auto* completion = app.add_subcommand("completion", "Print a shell completion script (bash or zsh)");
  completion->add_option("shell", o.shell, "bash | zsh")->required()->check(CLI::IsMember({"bash", "zsh"}));
  examples(completion,
           "  source <(dubctl completion bash)             this shell only\n"
           "  dubctl completion bash > ~/.local/share/bash-completion/completions/dubctl\n"
           "  dubctl completion zsh > ~/.zsh/completions/_dubctl   a folder in $fpath, before compinit",
           "Completes subcommands, options, stack names and scenario files. Installed nowhere by default.");
  handlers()[completion] = [&app, &o] {
    fmt::print("{}", completion_script(app, o.shell));
    return 0;
  };
}

}  // namespace

void register_commands(CLI::App& app) {
  auto& o = options();
  register_stack_commands(app, o);
  register_media_commands(app, o);
  register_scenario_commands(app, o);
  register_merge_command(app, o);
  register_completion(app, o);
}

int run_selected(CLI::App& app) {
  for (const auto* sub : app.get_subcommands()) {
    const auto it = handlers().find(sub);
    if (it != handlers().end()) return it->second();
  }
  throw dub::Error("no command given (see dubctl --help)");
}

}  // namespace dubctl
