#include "runner.hpp"

#include <fmt/chrono.h>
#include <fmt/color.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <thread>

#include "background_task.hpp"
#include "dub/http/client.hpp"
#include "dub/media/drift.hpp"
#include "dub/media/fingerprint.hpp"
#include "dub/media/probe.hpp"
#include "dub/media/publish.hpp"
#include "dub/util/error.hpp"
#include "dub/util/log.hpp"
#include "eventually.hpp"
#include "evidence.hpp"
#include "expect_error.hpp"
#include "fault.hpp"
#include "fixture_check.hpp"
#include "heard.hpp"
#include "http_wait.hpp"
#include "log_wait.hpp"
#include "progress.hpp"
#include "session.hpp"
#include "stacks.hpp"
#include "sts_drive.hpp"
#include "sts_monitor.hpp"
#include "verify_media.hpp"
#include "worker_check.hpp"

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

fs::path resolve_fixture(const std::string& fixture, const fs::path& root) {
  fs::path p(fixture);
  if (p.is_absolute()) return p;
  if (!p.has_parent_path()) return root / "fixtures" / "test_streams" / p;
  return root / p;
}

// "rtsp://host:port/live/x/in?q" -> "live/x/in" (a MediaMTX path name).
std::string url_path(const std::string& url) {
  const auto scheme = url.find("://");
  const auto slash = scheme == std::string::npos ? std::string::npos : url.find('/', scheme + 3);
  if (slash == std::string::npos) throw StepFailure(fmt::format("wait_reader: '{}' names no stream path", url));
  auto path = url.substr(slash + 1);
  if (const auto q = path.find('?'); q != std::string::npos) path.resize(q);
  return path;
}

std::string publish_step(const PublishStep& step, const fs::path& root, const EnvMap& vars, Tasks& tasks) {
  const auto input = resolve_fixture(expand(step.fixture, vars), root);
  if (!fs::exists(input)) {
    throw StepFailure(missing_fixture_message(input, root));
  }
  const auto url = expand(step.to, vars);
  dub::media::PublishOptions options;
  options.realtime = step.realtime;
  options.stop_after_s = std::chrono::duration<double>(step.stop_after).count();
  std::string reader_path;  // the published path, e.g. live/<stream>/in
  if (step.wait_reader.count() > 0) reader_path = url_path(url);
  const auto api = expand(step.mediamtx_api, vars);
  const auto wait_reader_for = step.wait_reader;
  auto task = std::make_unique<BackgroundTask>(
      "publish", [input, url, options, reader_path, api, wait_reader_for](const std::atomic<bool>& cancel,
                                                                          const std::function<void()>& started) {
        auto o = options;
        o.cancel = &cancel;
        o.on_started = [&] {
          if (!reader_path.empty()) wait_reader(api, reader_path, wait_reader_for);
          started();
        };
        const auto r = dub::media::publish(input.string(), url, o);
        return fmt::format("{:.1f}s of media sent to {}", r.media_s, url);
      });
  if (!step.background) {
    task->join();
    if (!task->error().empty()) throw StepFailure(task->error());
    return task->summary();
  }
  task->wait_started();  // the server accepted the stream; a refused connection fails this step
  tasks.push_back(std::move(task));
  return fmt::format("publishing {} to {} in the background", input.filename().string(), url);
}

std::string record_step(const RecordStep& step, const fs::path& scenario_dir, const EnvMap& vars, Tasks& tasks) {
  const auto url = expand(step.from, vars);
  const auto file = scenario_dir / expand(step.to, vars);
  fs::create_directories(file.parent_path());
  dub::media::RecordOptions options;
  options.idle_timeout_s = std::chrono::duration<double>(step.idle_timeout).count();
  const double appear_s = std::chrono::duration<double>(step.timeout).count();
  tasks.push_back(std::make_unique<BackgroundTask>(
      "record", [url, file, options, appear_s](const std::atomic<bool>& cancel, const std::function<void()>& started) {
        auto o = options;
        o.cancel = &cancel;
        started();
        // The output exists only once the pipeline publishes it: retry until it appears.
        std::string summary;
        std::string last;
        try {
          const auto done = eventually(
              {{},
               std::chrono::duration_cast<Duration>(std::chrono::duration<double>(appear_s)),
               std::chrono::milliseconds(50),
               &cancel},
              [&](std::string& error) -> std::optional<std::string> {
                try {
                  const auto r = dub::media::record(url, file.string(), o);
                  return summary = fmt::format("{:.1f}s recorded into {} (joined {:.2f}s before a keyframe)", r.media_s,
                                               file.string(), r.skipped_s);
                } catch (const dub::Error& e) {
                  error = e.what();
                  return std::nullopt;
                }
              },
              last);
          if (done) return summary;
        } catch (const Cancelled&) {
        }
        throw dub::Error(fmt::format("recording {} failed: {}", url, last));
      }));
  return fmt::format("recording {} into {}", url, file.string());
}

std::string wait_tasks(const std::string& kind, Duration timeout, Tasks& tasks) {
  const std::string what = kind == "publish" ? "the fixture to finish playing"
                           : kind == "fault" ? "the delayed fault to act"
                                             : "the recording to end";
  auto mine = [&kind](const auto& t) { return t->kind() == kind; };
  if (std::none_of(tasks.begin(), tasks.end(), mine)) {
    throw StepFailure(fmt::format("nothing to wait for: no background {} step before this one", kind));
  }
  std::string last;
  const auto ended = eventually(
      {"waiting for " + what, timeout, std::chrono::milliseconds(250)},
      [&](std::string&) -> std::optional<std::string> {
        const bool all =
            std::all_of(tasks.begin(), tasks.end(), [&](const auto& t) { return !mine(t) || t->finished(); });
        return all ? std::optional<std::string>("done") : std::nullopt;
      },
      last);
  if (!ended) throw StepFailure(fmt::format("{} did not happen in time", what));
  // The tasks waited for are done with: a later wait of the same kind (a second publish after a
  // fault) only waits for the tasks started after this one.
  std::string detail;
  std::string error;
  for (const auto& t : tasks) {
    if (!mine(t)) continue;
    t->join();
    if (error.empty()) error = t->error();
    detail += t->summary() + " ";
  }
  std::erase_if(tasks, mine);
  if (!error.empty()) throw StepFailure(error);
  return detail;
}

StsMonitor& need_monitor(const std::unique_ptr<StsMonitor>& monitor) {
  if (!monitor)
    throw StepFailure("this step needs a `monitor:` step earlier in the scenario (it watches STS /monitor)");
  return *monitor;
}

std::string wait_fragments(const WaitFragmentsStep& step, StsMonitor& monitor, const EnvMap& vars) {
  const auto stream = expand(step.stream, vars);
  std::size_t have = 0;
  std::string last;
  const auto count = static_cast<std::size_t>(step.count);
  const auto done = eventually(
      {fmt::format("waiting for STS to process {} fragment(s) of {}", step.count, stream), step.timeout, Duration{0}},
      [&](std::string& seen) -> std::optional<std::string> {
        have = monitor.wait_for(stream, count, std::chrono::milliseconds(500));
        seen = fmt::format("{} so far", have);
        return have >= count ? std::optional<std::string>(fmt::format("{} fragments", have)) : std::nullopt;
      },
      last);
  if (!done) {
    throw StepFailure(fmt::format("STS processed {} of {} fragments of {} within {:.0f}s", have, step.count, stream,
                                  std::chrono::duration<double>(step.timeout).count()));
  }
  return fmt::format("{} fragments processed", have);
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

std::string describe(const Step& step, const EnvMap& vars) {
  const auto x = [&vars](const std::string& text) {
    try {
      return expand(text, vars);
    } catch (const dub::Error&) {
      return text;
    }
  };
  return std::visit(
      [&](const auto& a) -> std::string {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, UpStep>) return fmt::format("up {}", fmt::join(a.stacks, ", "));
        if constexpr (std::is_same_v<T, DownStep>) return fmt::format("down {}", fmt::join(a.stacks, ", "));
        if constexpr (std::is_same_v<T, WaitHttpStep>)
          return fmt::format("wait for HTTP {} from {}", a.status, x(a.url));
        if constexpr (std::is_same_v<T, VerifyMediaStep>) return fmt::format("verify {}", x(a.source));
        if constexpr (std::is_same_v<T, VerifyHeardStep>)
          return fmt::format("listen to {} (judge: Whisper {})", x(a.media), a.model);
        if constexpr (std::is_same_v<T, PublishStep>) return fmt::format("publish {}", a.fixture);
        if constexpr (std::is_same_v<T, WaitPublishStep>) return fmt::format("wait for {} to finish", a.what);
        if constexpr (std::is_same_v<T, RecordStep>) return fmt::format("record {}", x(a.from));
        if constexpr (std::is_same_v<T, MonitorStep>) return fmt::format("monitor STS at {}", x(a.sts_url));
        if constexpr (std::is_same_v<T, WaitFragmentsStep>) {
          return fmt::format("wait for {} STS fragment(s) of {}", a.count, x(a.stream));
        }
        if constexpr (std::is_same_v<T, VerifyFragmentsStep>)
          return fmt::format("verify STS results for {}", x(a.stream));
        if constexpr (std::is_same_v<T, WaitLogStep>) {
          return fmt::format("wait for a log line {} from {}",
                             a.fields ? "with fields " + x(a.fields->fields.dump()) : x(a.pattern),
                             a.service.empty() ? a.stack : a.service);
        }
        if constexpr (std::is_same_v<T, StsDriveStep>) {
          return fmt::format("drive STS at {} with {} ({:g}s fragments{})", x(a.url), x(a.fixture),
                             std::chrono::duration<double>(a.fragment).count(), a.concurrent ? ", all at once" : "");
        }
        if constexpr (std::is_same_v<T, FaultStep>) {
          return fmt::format("fault: {} {} ({} stack){}", a.action, a.service, a.stack,
                             a.after.count() > 0 ? fmt::format(" after {:g}s", a.after.count() / 1000.0) : "");
        }
        if constexpr (std::is_same_v<T, VerifyWorkerStep>) return fmt::format("verify the worker of {}", x(a.stream));
      },
      step.action);
}

TestCase run_one(const Scenario& s, int iteration, Session& session, const fs::path& root, const RunOptions& options,
                 const fs::path& artifacts, ScenarioEvidence& evidence) {
  TestCase tc;
  tc.classname = "dubctl.scenarios";
  tc.name = options.repeat > 1 ? fmt::format("{}#{}", s.name, iteration) : s.name;
  const auto start = std::chrono::steady_clock::now();
  const auto started_at = WallClock::now();  // log waits only look at lines logged from here on
  const bool tty = stderr_is_tty();
  fmt::print(stderr, "\n{} {} — {}\n", tty ? fmt::format(fmt::emphasis::bold, "▶") : ">", s.name, s.description);

  EnvMap vars = options.env;
  vars["stream"] = fmt::format("{}-{}-{}", s.name, ::getpid(), iteration);  // unique per run (FR-031a)
  vars["scenario"] = s.name;
  evidence.stream = vars["stream"];
  vars["artifacts"] = (artifacts / s.name).string();
  for (const auto& [name, use] : s.stacks) {
    for (const auto& [k, v] : use.env) vars.try_emplace(k, v);
  }
  std::string log;
  Tasks tasks;
  std::unique_ptr<StsMonitor> monitor;
  try {
    for (const auto& step : s.steps) {
      check_interrupted();
      if (std::chrono::steady_clock::now() - start > s.timeout) {
        throw StepFailure(fmt::format("scenario timeout ({}s) reached before step at line {}",
                                      std::chrono::duration_cast<std::chrono::seconds>(s.timeout).count(), step.line));
      }
      const auto t0 = std::chrono::steady_clock::now();
      std::string detail;
      std::optional<std::string> error;  // the step's failure, kept when it is marked `expect_error`
      try {
        std::visit(
            [&](const auto& a) {
              using T = std::decay_t<decltype(a)>;
              if constexpr (std::is_same_v<T, UpStep>) {
                for (const auto& name : a.stacks) session.up(name, s.stacks.at(name), a.timeout);
              } else if constexpr (std::is_same_v<T, DownStep>) {
                for (const auto& name : a.stacks) session.down(name);
              } else if constexpr (std::is_same_v<T, WaitHttpStep>) {
                detail = wait_http(expand(a.url, vars), a.status, expand(a.body_contains, vars), a.timeout,
                                   [&session](const std::string& url) { return session.not_running_behind(url); });
              } else if constexpr (std::is_same_v<T, VerifyMediaStep>) {
                detail = verify_media(a, root, vars, tc.properties, evidence);
              } else if constexpr (std::is_same_v<T, VerifyHeardStep>) {
                detail = verify_heard(a, root, artifacts / s.name, vars, tc.properties, evidence.heard.emplace());
              } else if constexpr (std::is_same_v<T, PublishStep>) {
                evidence.fixture = resolve_fixture(expand(a.fixture, vars), root);
                evidence.publish_stop_after_s = std::chrono::duration<double>(a.stop_after).count();
                detail = publish_step(a, root, vars, tasks);
              } else if constexpr (std::is_same_v<T, WaitPublishStep>) {
                detail = wait_tasks(a.what, a.timeout, tasks);
              } else if constexpr (std::is_same_v<T, RecordStep>) {
                detail = record_step(a, artifacts / s.name, vars, tasks);
              } else if constexpr (std::is_same_v<T, MonitorStep>) {
                monitor = std::make_unique<StsMonitor>(expand(a.sts_url, vars));
                evidence.monitored = true;
                detail = "connected to /monitor";
              } else if constexpr (std::is_same_v<T, WaitFragmentsStep>) {
                detail = wait_fragments(a, need_monitor(monitor), vars);
              } else if constexpr (std::is_same_v<T, WaitLogStep>) {
                EnvMap compose_env = options.env;
                if (const auto use = s.stacks.find(a.stack); use != s.stacks.end()) {
                  for (const auto& [k, v] : use->second.env) compose_env[k] = v;
                }
                detail = wait_log(a, stacks_for(a.stack, root).front(), compose_env, vars, started_at);
              } else if constexpr (std::is_same_v<T, VerifyFragmentsStep>) {
                detail =
                    verify_fragments(a, need_monitor(monitor).summaries(expand(a.stream, vars)), root, tc.properties);
              } else if constexpr (std::is_same_v<T, StsDriveStep>) {
                detail = drive_sts(a, resolve_fixture(expand(a.fixture, vars), root), root, vars, tc.properties,
                                   check_interrupted);
              } else if constexpr (std::is_same_v<T, FaultStep>) {
                detail = fault_step(a, session, tasks);
              } else if constexpr (std::is_same_v<T, VerifyWorkerStep>) {
                detail = verify_worker(a, vars, tc.properties,
                                       [&session](const std::string& url) { return session.not_running_behind(url); });
              }
            },
            step.action);
      } catch (const dub::Error& e) {
        const auto message = naming_dead_services(e.what(), session, artifacts / s.name / "logs");
        if (!step.expect_error) throw StepFailure(message);
        error = message;
      }
      if (step.expect_error) {
        const auto verdict = judge_expected_error(*step.expect_error, error);
        if (!verdict.passed) throw StepFailure(verdict.message);
        detail = verdict.message;
      }
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const auto line = fmt::format("  {} {} ({:.1f}s){}", tty ? "✔" : "ok", describe(step, vars), secs,
                                    detail.empty() ? "" : ": " + detail);
      fmt::print(stderr, "{}\n", line);
      log += line + "\n";
    }
  } catch (const StepFailure& e) {
    tc.failure = e.what();
    const auto line = fmt::format("  {} {}", tty ? "✘" : "FAILED", e.what());
    fmt::print(stderr, "{}\n", tty ? fmt::format(fmt::fg(fmt::terminal_color::red), "{}", line) : line);
    log += line + "\n";
    log += session.save_logs(artifacts / s.name / "logs");
  }
  for (auto& t : tasks) t->stop();  // a fixture still playing or a recording ends with its scenario
  // For report.html: what STS and the media service recorded about this scenario's stream.
  if (monitor) evidence.summaries = monitor->summaries(vars["stream"]);
  evidence.fetch_worker(s, vars);
  tc.time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  tc.properties.emplace_back("scenario_file", s.file.string());
  tc.properties.emplace_back("wall_time_s", fmt::format("{:.1f}", tc.time_s));
  tc.system_out = log;
  return tc;
}

}  // namespace

int run_scenarios(const RunOptions& options) {
  // Parse everything first: a malformed scenario stops the run before any container starts.
  std::vector<Scenario> scenarios;
  for (const auto& file : scenario_files(options.scenario_args)) scenarios.push_back(load_scenario(file));
  if (scenarios.empty()) throw dub::Error("no scenarios found in the given paths");

  const auto root = project_root();
  for (const auto& s : scenarios) check_fixtures(s, root);  // a missing fixture stops the run before anything starts
  const fs::path artifacts = options.artifacts.empty() ? root / "out" / timestamp_dir() : options.artifacts;
  const fs::path junit = options.junit.empty() ? artifacts / "junit.xml" : options.junit;
  fs::create_directories(artifacts);

  interrupt_signal() = 0;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  Session session(root, options.env);
  std::vector<TestCase> cases;
  std::vector<report::ScenarioReport> reports;  // report.html
  const auto run_start = std::chrono::steady_clock::now();
  const auto started_at = fmt::format("{:%Y-%m-%d %H:%M:%S}", fmt::localtime(std::time(nullptr)));
  for (int i = 1; i <= options.repeat && interrupt_signal() == 0; ++i) {
    for (const auto& s : scenarios) {
      if (interrupt_signal() != 0) break;
      ScenarioEvidence evidence;
      cases.push_back(run_one(s, i, session, root, options, artifacts, evidence));
      reports.push_back(build_scenario_report(s, cases.back(), evidence, i, root, artifacts));
    }
  }
  if (!options.keep_up || interrupt_signal() != 0) session.down_all();
  write_junit(junit, "dubctl", cases);

  const auto passed = std::count_if(cases.begin(), cases.end(), [](const TestCase& c) { return c.failure.empty(); });
  const auto failed = static_cast<long>(cases.size()) - passed;
  std::string pass_rate;
  if (options.repeat > 1) {
    pass_rate = fmt::format("pass rate: {}/{} ({:.0f}%)\n", passed, cases.size(),
                            100.0 * static_cast<double>(passed) / static_cast<double>(cases.size()));
  }
  // report.html (+ report.png), the summary table and the artifact paths.
  finish_run(artifacts, junit, reports, started_at,
             std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count(), pass_rate);
  // The plain closing line CI reads.
  fmt::print("{} passed, {} failed\n", passed, failed);
  if (interrupt_signal() != 0) return 130;
  return failed == 0 ? 0 : 1;
}

}  // namespace dubctl
