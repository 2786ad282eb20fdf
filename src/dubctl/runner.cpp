#include "runner.hpp"

#include <fmt/chrono.h>
#include <fmt/color.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <thread>

#include "background_task.hpp"
#include "dub/util/env.hpp"
#include "dub/util/error.hpp"
#include "endpoints.hpp"
#include "eventually.hpp"
#include "evidence.hpp"
#include "expect_error.hpp"
#include "fixture_check.hpp"
#include "isolation.hpp"
#include "port_check.hpp"
#include "progress.hpp"
#include "redact.hpp"
#include "report_json.hpp"
#include "retry.hpp"
#include "session.hpp"
#include "shard.hpp"
#include "stacks.hpp"
#include "step_vars.hpp"
#include "steps/step.hpp"
#include "sts_monitor.hpp"
#include "timings.hpp"
#include "verdict.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

extern "C" void on_signal(int sig) {
  interrupt_signal() = sig;
}

// A failed step: the message is what the JUnit case and the terminal show.
class StepFailure : public dub::Error {
 public:
  using dub::Error::Error;
};

std::string timestamp_dir() {
  return fmt::format("{:%Y%m%d-%H%M%S}",
                     fmt::localtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
}

// A failed step names the services of the run's stacks that are no longer running (their container
// logs saved in `logs` at once, before anything tears them down), rather than only the symptom, e.g.
// "connection refused".
std::string naming_dead_services(const std::string& error, const Session& session, const fs::path& logs) {
  const auto dead = session.not_running();
  if (dead.empty()) return error;
  std::vector<std::string> unnamed;
  for (const auto& d : dead) {
    if (error.find(d) == std::string::npos) unnamed.push_back(d);
  }
  session.save_logs(logs);
  const auto saved = fmt::format("(container logs saved in {})", logs.string());
  if (unnamed.empty()) return fmt::format("{}\n  {}", error, saved);
  return fmt::format("{}\n  {}\n  {}", fmt::join(unnamed, "\n  "), saved, error);
}

// The values ${...} expands to in scenario `s`: --env, --var and --var-file, the stacks' env, the
// run's names (stream, scenario, artifacts) and the named endpoints (endpoints.hpp). A stack's env is
// also ${<stack>.env.NAME}: its own value, where the stacks set NAME differently (${NAME} is --env's,
// else the first stack's in name order).
EnvMap scenario_vars(const Scenario& s, int iteration, const RunOptions& options, const fs::path& root,
                     const fs::path& artifacts) {
  EnvMap vars = options.env;
  vars.insert(options.vars.begin(), options.vars.end());                    // run_vars() refused a name in both
  vars["stream"] = fmt::format("{}-{}-{}", s.name, ::getpid(), iteration);  // unique per run (FR-031a)
  vars["scenario"] = s.name;
  vars["artifacts"] = (artifacts / s.name).string();
  for (const auto& [name, use] : s.stacks) {
    for (const auto& [k, v] : use.env) {
      vars.try_emplace(k, v);
      vars[fmt::format("{}.env.{}", name, k)] = v;
    }
  }
  add_endpoints(vars, root, vars["stream"]);
  return vars;
}

// The values the step's `vars:` take from `result` (step_vars.hpp) become ${NAME} in `ctx.vars` for
// the steps after it; a secret one is masked from now on in everything the run writes, from the
// moment it is taken (a later var of the step that fails may quote it). Returns the step's detail
// with them ("...; vars: a=1, b=***").
std::string keep_captured(const Step& step, const StepResult& result, StepContext& ctx) {
  const auto captured =
      capture_vars(step, result_json(result), ctx.scenario.file, terminal_redactor(), [&ctx](const CapturedVar& c) {
        terminal_redactor().add_value(c.value);
        ctx.session.add_secret(c.value);
      });
  for (const auto& c : captured) ctx.vars[c.name] = c.value;  // all taken, or none
  return result.detail + (result.detail.empty() ? "" : "; ") + captured_summary(captured);
}

// One attempt at `step`: its options expanded, its kind run, its `vars:` kept (keep_captured); what it
// measured replaces `measured`. Throws dub::Error when it fails (an unmet expectation or a var it
// cannot take too). Returns its detail.
std::string attempt_step_unguarded(const Step& step, StepContext& ctx, Properties& measured, std::string& described) {
  const auto kind = step.action->clone();
  try {
    kind->expand(ctx.vars);
  } catch (const dub::Error& e) {
    throw dub::Error(unset_var_message(step, ctx.vars, ctx.scenario.file, e.what()));
  }
  described = kind->describe();
  StepResult result;
  try {
    kind->run(ctx, result);
  } catch (...) {
    measured = result.measurements;
    throw;
  }
  measured = result.measurements;
  if (!result.problems.empty()) {
    throw dub::Error(fmt::format("{}:\n  - {}", result.detail, fmt::join(result.problems, "\n  - ")));
  }
  return step.vars.empty() ? result.detail : keep_captured(step, result, ctx);
}

// attempt_step_unguarded, with whatever else a kind or a library throws (std::filesystem, JSON,
// regex) made that step's failure too, naming it: the run goes on to its other scenarios and reports.
std::string attempt_step(const Step& step, StepContext& ctx, Properties& measured, std::string& described) {
  try {
    return attempt_step_unguarded(step, ctx, measured, described);
  } catch (const dub::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw dub::Error(fmt::format("{}:{}: step `{}` failed unexpectedly: {}", ctx.scenario.file.string(), step.line,
                                 described.empty() ? step.action->describe() : described, e.what()));
  }
}

// Runs one step: its options expanded, its kind run, again on a failure as its `retry`/`delay` say
// (retry.hpp; the last attempt's measurements are kept); a failure (or, with `expect_error`, the
// verdict on it) becomes a StepFailure. Returns the line to show; `row` gets its description
// (expanded once its ${...} are; as written when they cannot be), attempts and detail.
std::string run_step(const Step& step, StepContext& ctx, Properties& properties,
                     const std::function<std::string(const std::string&)>& naming_dead, report::StepRow& row) {
  const auto t0 = std::chrono::steady_clock::now();
  std::string& detail = row.message;
  std::string& described = row.description;
  described = step.action->describe();  // report.json still names a step whose ${...} do not expand
  std::optional<std::string> error;     // the step's failure, kept when it is marked `expect_error`
  Properties measured;
  const auto keep_measured = [&] { properties.insert(properties.end(), measured.begin(), measured.end()); };
  int attempts = 1;
  try {
    // A taken host port is this host's problem, not the scenario's: run_one reports a skip.
    const auto is_final = [](const dub::Error& e) { return dynamic_cast<const PortConflict*>(&e) != nullptr; };
    attempts = with_retries(
        {step.retry, step.delay},
        [&] {
          ++row.attempts;
          detail = attempt_step(step, ctx, measured, described);
        },
        is_final, cancellable_pause);
    keep_measured();
  } catch (const Cancelled& e) {
    keep_measured();
    // Ctrl-C, SIGTERM or the scenario's deadline (eventually.hpp): the step fails so, whatever it expected.
    throw StepFailure(fmt::format("{} during step at line {} ({})", e.what(), step.line, described));
  } catch (const dub::Error& e) {
    keep_measured();
    if (!step.expect_error && dynamic_cast<const PortConflict*>(&e) != nullptr) throw;
    const auto message = naming_dead(e.what());
    if (!step.expect_error) throw StepFailure(message);
    error = message;
  }
  if (attempts > 1) {  // passed on a retry: say so (a flaky step is worth knowing about)
    detail = fmt::format("attempt {} of {}{}", attempts, 1 + step.retry, detail.empty() ? "" : "; " + detail);
  }
  if (step.expect_error) {
    const auto verdict = judge_expected_error(expand(*step.expect_error, ctx.vars), error);  // ${media.project}
    if (!verdict.passed) throw StepFailure(verdict.message);
    detail = verdict.message;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return fmt::format("  {} {} ({:.1f}s){}", stderr_is_tty() ? "✔" : "ok", described, secs,
                     detail.empty() ? "" : ": " + detail);
}

// Runs `step` (run_step) and completes its row of report.json: status, duration, message and what it
// measured (the properties it added). Whatever the step throws is rethrown.
std::string run_recorded(const Step& step, StepContext& ctx, Properties& properties,
                         const std::function<std::string(const std::string&)>& naming_dead, report::StepRow& row) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto first = properties.size();
  const auto finish = [&](const char* status) {
    row.status = status;
    row.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    row.measurements.assign(properties.begin() + static_cast<std::ptrdiff_t>(first), properties.end());
  };
  try {
    auto line = run_step(step, ctx, properties, naming_dead, row);
    finish("passed");
    return line;
  } catch (const PortConflict& e) {  // run_one makes the scenario a skipped case
    row.message = e.what();
    finish("skipped");
    throw;
  } catch (const std::exception& e) {
    row.message = e.what();
    finish("failed");
    throw;
  }
}

// Every step of `s` as report.json lists it before the scenario runs: its kind and line, not run.
std::vector<report::StepRow> planned_steps(const Scenario& s) {
  std::vector<report::StepRow> rows;
  rows.reserve(s.steps.size());
  for (const auto& step : s.steps) {
    report::StepRow row;
    row.kind = step.kind;
    row.line = step.line;
    row.description = step.action->describe();
    rows.push_back(std::move(row));
  }
  return rows;
}

// A step marked `skip: REASON`: not run, shown so (the scenario's case still passes on its other steps),
// its row of report.json skipped with REASON.
std::string skipped_step_line(const Step& step, report::StepRow& row) {
  row.status = "skipped";
  row.message = *step.skip;
  return fmt::format("  {} {} (line {}): {}", stderr_is_tty() ? "⚠ skipped" : "SKIPPED", step.action->describe(),
                     step.line, *step.skip);
}

// "[[ATTACHMENT|path]]" (the convention Jenkins and GitLab read from <system-out>) for every file in
// `dirs`: the logs saved on a failure and the recording of the output, for a CI to keep.
std::string attachment_lines(const std::vector<fs::path>& dirs) {
  std::vector<std::string> files;
  for (const auto& dir : dirs) {
    std::error_code ec;
    for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
      if (entry.is_regular_file(ec)) files.push_back(fs::absolute(entry.path()).string());
    }
  }
  std::sort(files.begin(), files.end());
  std::string out;
  for (const auto& f : files) out += fmt::format("[[ATTACHMENT|{}]]\n", f);
  return out;
}

void print_header(const Scenario& s) {
  fmt::print(stderr, "\n{} {} — {}\n", stderr_is_tty() ? fmt::format(fmt::emphasis::bold, "▶") : ">", s.name,
             s.description);
}

// A scenario that cannot run here (verdict.hpp): the terminal says why, as for a failure.
void print_skip(const std::string& reason) {
  const auto line = fmt::format("  {}: {}", stderr_is_tty() ? "⚠ skipped" : "SKIPPED", reason);
  fmt::print(stderr, "{}\n", stderr_is_tty() ? fmt::format(fmt::fg(fmt::terminal_color::yellow), "{}", line) : line);
}

TestCase run_one(const Scenario& s, int iteration, Session& session, const fs::path& root, const RunOptions& options,
                 const fs::path& artifacts, ScenarioEvidence& evidence) {
  TestCase tc;
  tc.classname = "dubctl.scenarios";
  tc.name = case_name(s.name, iteration, options.repeat);
  const auto start = std::chrono::steady_clock::now();
  const auto started_at = WallClock::now();  // log waits only look at lines logged from here on
  const bool tty = stderr_is_tty();
  print_header(s);

  EnvMap vars = scenario_vars(s, iteration, options, root, artifacts);  // and what steps capture (vars:)
  evidence.stream = vars.at("stream");
  evidence.recording = vars.at("recording");
  const auto logs = artifacts / s.name / "logs";
  std::string log;
  Tasks tasks;
  std::unique_ptr<StsMonitor> monitor;
  StepContext ctx{s, session, root, artifacts / s.name, vars, options.env, started_at, tasks, monitor, evidence};
  ctx.update_golden = options.update_golden;
  const auto naming_dead = [&](const std::string& error) { return naming_dead_services(error, session, logs); };
  try {
    const ScenarioDeadline deadline(start + s.timeout, s.timeout);  // enforced inside every step too
    for (std::size_t i = 0; i < s.steps.size(); ++i) {
      const auto& step = s.steps[i];
      try {
        check_cancelled();
      } catch (const Cancelled& e) {
        throw StepFailure(fmt::format("{} before step at line {}", e.what(), step.line));
      }
      auto& row = evidence.steps.at(i);
      const auto line =
          step.skip ? skipped_step_line(step, row) : run_recorded(step, ctx, tc.properties, naming_dead, row);
      fmt::print(stderr, "{}\n", terminal_redactor().apply(line));
      log += line + "\n";
    }
  } catch (const StepFailure& e) {
    tc.failure = e.what();
    const auto line = fmt::format("  {} {}", tty ? "✘" : "FAILED", terminal_redactor().apply(e.what()));
    fmt::print(stderr, "{}\n", tty ? fmt::format(fmt::fg(fmt::terminal_color::red), "{}", line) : line);
    log += line + "\n";
    log += session.save_logs(logs);
    log += attachment_lines({logs, vars.at("recording")});
  } catch (const PortConflict& e) {
    tc.skipped = true;
    tc.skip_reason = e.what();
    print_skip(e.what());
    log += fmt::format("  skipped: {}\n", e.what());
  }
  for (auto& t : tasks) t->stop();  // a fixture still playing or a recording ends with its scenario
  // For report.html: what STS and the media service recorded about this scenario's stream.
  if (monitor) evidence.summaries = monitor->summaries(vars.at("stream"));
  evidence.fetch_worker(s, vars);
  tc.time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  tc.properties.emplace_back("scenario_file", s.file.string());
  tc.properties.emplace_back("wall_time_s", fmt::format("{:.1f}", tc.time_s));
  tc.system_out = log;
  return tc;
}

// Every scenario, `options.repeat` times, into `cases` and `reports`: one that cannot run here
// (`missing[k]`: its missing fixtures) or comes after a failure under --fail-fast is a skipped case.
void run_all(const std::vector<Scenario>& scenarios, const std::vector<std::string>& missing, Session& session,
             const fs::path& root, const RunOptions& options, const fs::path& artifacts, std::vector<TestCase>& cases,
             std::vector<report::ScenarioReport>& reports) {
  std::string failed_first;  // --fail-fast: the case whose failure leaves the rest not run
  for (int i = 1; i <= options.repeat && interrupt_signal() == 0; ++i) {
    for (std::size_t k = 0; k < scenarios.size() && interrupt_signal() == 0; ++k) {
      const auto& s = scenarios[k];
      ScenarioEvidence evidence;
      evidence.steps = planned_steps(s);
      const auto skip_reason = failed_first.empty() ? missing[k] : fail_fast_reason(failed_first);
      if (skip_reason.empty()) {
        cases.push_back(run_one(s, i, session, root, options, artifacts, evidence));
      } else {
        print_header(s);
        print_skip(skip_reason);
        cases.push_back(skipped_case(case_name(s.name, i, options.repeat), skip_reason));
      }
      if (options.strict) apply_strict(cases.back());
      if (options.fail_fast && failed_first.empty() && !cases.back().failure.empty()) failed_first = cases.back().name;
      reports.push_back(build_scenario_report(s, cases.back(), evidence, i, root, artifacts));
    }
  }
}

// Where the run writes its reports: --report-junit (--junit), --report-html, --report-json, each by
// default in the artifacts folder.
report::ReportFiles report_files(const RunOptions& options, const fs::path& artifacts) {
  const auto or_default = [&](const fs::path& given, const char* name) {
    return given.empty() ? artifacts / name : given;
  };
  return {or_default(options.junit, "junit.xml"), or_default(options.report_html, "report.html"),
          or_default(options.report_json, "report.json")};
}

// What report.json says about the run itself: the JUnit suite's timestamp and host, the compose
// tool, dubctl's version and the checkout's commit, where everything went, the verdict.
report::RunMeta run_meta(const SuiteInfo& suite, const fs::path& root, const fs::path& artifacts,
                         const report::ReportFiles& files, const Verdict& verdict) {
  report::RunMeta meta;
  meta.dubctl_version = DUB_VERSION;
  meta.source_commit = report::source_commit(root);
  meta.hostname = suite.hostname;
  meta.timestamp = suite.timestamp;
  for (const auto& [name, value] : suite.properties) {
    if (name == "compose") meta.compose = value;  // compose_description(), as JUnit records it
  }
  meta.artifacts = artifacts;
  meta.files = files;
  meta.verdict = verdict;
  meta.interrupted = interrupt_signal() != 0;
  return meta;
}

// --isolate: the run's own compose projects (DUBCTL_RUN_ID, made up when unset) and host ports
// (isolation.hpp), printed so that the user finds them.
RunOptions isolated(RunOptions options) {
  if (!options.isolate) return options;
  if (run_id().empty()) ::setenv("DUBCTL_RUN_ID", new_run_id().c_str(), 1);  // before any thread starts
  options.env = with_own_ports(std::move(options.env), free_port);
  std::vector<std::string> ports;
  for (const auto& p : port_variables()) {  // given in the environment: kept there, not copied into --env
    const auto it = options.env.find(p.variable);
    const auto value = it != options.env.end() ? it->second : dub::env::get(p.variable).value_or("");
    ports.push_back(fmt::format("{}={}", p.variable, value));
  }
  fmt::print(stderr, "isolated run {}: projects {} and {}, host ports {}\n", run_id(), project_name("dubmedia"),
             project_name("dubsts"), fmt::join(ports, " "));
  return options;
}

// --shard I/N: the scenarios of this shard (shard.hpp), with a line saying which and how long they took
// when last recorded.
std::vector<Scenario> this_shard(std::vector<Scenario> scenarios, const RunOptions& options) {
  if (options.shard.empty()) return scenarios;
  const auto spec = parse_shard(options.shard);
  std::map<std::string, double> durations;  // the longest of each scenario's recorded times
  for (const auto& file : options.durations) {
    for (const auto& [name, seconds] : recorded_durations(file)) durations[name] = std::max(durations[name], seconds);
  }
  std::vector<std::string> names;
  names.reserve(scenarios.size());
  for (const auto& s : scenarios) names.push_back(s.name);
  const auto weights = shard_weights(names, durations);
  std::vector<Scenario> mine;
  double mine_s = 0;
  for (const auto i : shard_members(names, durations, spec)) {
    mine.push_back(scenarios[i]);
    mine_s += weights[i];
  }
  const double all_s = std::accumulate(weights.begin(), weights.end(), 0.0);
  fmt::print(stderr, "shard {}/{}: {} of {} scenarios{}\n", spec.index, spec.count, mine.size(), scenarios.size(),
             durations.empty() ? std::string(" (no --durations: each weighs the same)")
                               : fmt::format(", {:.0f} s of {:.0f} s as recorded ({} report(s))", mine_s, all_s,
                                             options.durations.size()));
  return mine;
}

}  // namespace

int run_scenarios(const RunOptions& requested) {
  const auto options = isolated(requested);
  // Parse everything first: a malformed scenario stops the run before any container starts.
  auto all = load_scenarios(scenario_files(options.scenario_args));  // every problem of every file
  if (all.empty()) throw dub::Error("no scenarios found in the given paths");
  const auto scenarios = this_shard(std::move(all), options);

  const auto root = project_root();
  std::vector<std::string> missing;  // per scenario: its missing fixtures; it is skipped (spec edge case 8)
  missing.reserve(scenarios.size());
  for (const auto& s : scenarios) missing.push_back(missing_fixtures_reason(s, root));
  const fs::path artifacts = options.artifacts.empty() ? root / "out" / timestamp_dir() : options.artifacts;
  const auto files = report_files(options, artifacts);
  fs::create_directories(artifacts);

  interrupt_signal() = 0;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  // The secrets' values, masked in every line and file the run writes (redact.hpp).
  // --var values are looked at too: a secret given as a scenario variable is masked like one in --env.
  EnvMap given = options.env;
  given.insert(options.vars.begin(), options.vars.end());
  terminal_redactor() = run_redactor(scenarios, given, options.secrets, process_environment());
  Session session(root, options.env, terminal_redactor());
  std::vector<TestCase> cases;
  std::vector<report::ScenarioReport> reports;  // report.html
  const auto run_start = std::chrono::steady_clock::now();
  // Which compose tool runs the stacks: printed (on stderr, in order with the progress lines) and
  // recorded in JUnit.
  const auto compose = compose_description();
  fmt::print(stderr, "compose: {}\n", compose);
  SuiteInfo suite{"dubctl",
                  fmt::format("{:%Y-%m-%dT%H:%M:%S}", fmt::localtime(std::time(nullptr))),
                  host_name(),
                  {{"compose", compose}}};
  if (!run_id().empty()) suite.properties.emplace_back("run_id", run_id());
  if (!options.shard.empty()) suite.properties.emplace_back("shard", options.shard);
  const auto started_at = fmt::format("{:%Y-%m-%d %H:%M:%S}", fmt::localtime(std::time(nullptr)));
  const auto since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };
  std::vector<report::Phase> phases{{"start", since(run_start)}};  // --timings
  run_all(scenarios, missing, session, root, options, artifacts, cases, reports);
  const auto verdict = judge_run(cases, options.min_pass_rate);
  const bool torn_down = should_tear_down(options.cleanup, verdict.failed == 0, interrupt_signal() != 0);
  const auto teardown_start = std::chrono::steady_clock::now();
  if (torn_down) session.down_all();
  phases.push_back({"teardown", since(teardown_start)});
  const auto reports_start = std::chrono::steady_clock::now();
  write_junit(files.junit, suite, cases, session.redactor());
  const report::RunReport run{"dubctl run", started_at,
                              std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count(),
                              files.junit.string(), std::move(reports)};
  report::write_json(files.json, run, run_meta(suite, root, artifacts, files, verdict), session.redactor());
  // report.html (+ report.png), the summary table, the pass rate, failed and skipped runs, the report paths.
  finish_run(artifacts, files, run, verdict_text(verdict, options.repeat > 1 || options.min_pass_rate < 1.0),
             session.redactor());
  if (options.timings) {
    phases.push_back({"reports", since(reports_start)});
    fmt::print(stderr, "{}", report::timings_table(run.scenarios, phases, since(run_start)));
  }
  if (!torn_down && session.any_running()) fmt::print(stderr, "{}", kept_stacks_hint(run_id()));
  fmt::print("{}\n", verdict.closing_line());  // the plain closing line CI reads
  return verdict.exit_code(interrupt_signal() != 0);
}

}  // namespace dubctl
