#include "runner.hpp"

#include <fmt/chrono.h>
#include <fmt/color.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <map>
#include <memory>
#include <thread>

#include "dub/media/probe.hpp"
#include "dub/media/publish.hpp"
#include "dub/util/error.hpp"
#include "dub/util/log.hpp"
#include "http_wait.hpp"
#include "progress.hpp"
#include "stacks.hpp"
#include "sts_monitor.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

std::atomic<int> g_signal{0};

extern "C" void on_signal(int sig) {
  g_signal = sig;
}

// A failed step: the message is what the JUnit case and the terminal show.
class StepFailure : public dub::Error {
 public:
  using dub::Error::Error;
};

void check_interrupted() {
  if (const int sig = g_signal.load(); sig != 0) throw dub::Error(fmt::format("interrupted by signal {}", sig));
}

std::string timestamp_dir() {
  return fmt::format("{:%Y%m%d-%H%M%S}",
                     fmt::localtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
}

// The stacks of the whole run: started once, shared by every scenario, torn down at the end.
class Session {
 public:
  Session(fs::path root, EnvMap global_env) : root_(std::move(root)), global_env_(std::move(global_env)) {}

  void up(const std::string& name, const StackUse& use, Duration timeout) {
    EnvMap env = global_env_;
    for (const auto& [k, v] : use.env) env[k] = v;
    const auto stack = stacks_for(name, root_).front();
    if (const auto it = running_.find(name); it != running_.end()) {
      if (it->second.env == env && it->second.services == use.services) return;  // already up as asked
      stack_down(stack, it->second.env);                                         // different settings: restart
      running_.erase(it);
    }
    running_[name] = Running{env, use.services};
    stack_up(stack, env, std::chrono::duration_cast<std::chrono::seconds>(timeout), use.services);
  }

  void down(const std::string& name) {
    const auto it = running_.find(name);
    if (it == running_.end()) return;
    stack_down(stacks_for(name, root_).front(), it->second.env);
    running_.erase(it);
  }

  void down_all() {
    while (!running_.empty()) {
      const auto name = running_.begin()->first;
      try {
        down(name);
      } catch (const dub::Error& e) {
        fmt::print(stderr, "dubctl: warning: {}\n", e.what());
        running_.erase(name);
      }
    }
  }

  // Saves `compose logs` of every running stack under `dir`; returns the tail for JUnit.
  std::string save_logs(const fs::path& dir) const {
    std::string tail;
    fs::create_directories(dir);
    for (const auto& [name, running] : running_) {
      const auto stack = stacks_for(name, root_).front();
      auto argv = compose_command();
      argv.insert(argv.end(),
                  {"-p", stack.project, "-f", stack.compose_file.string(), "logs", "--no-color", "--timestamps"});
      try {
        const auto logs = run_command(argv, running.env);
        std::ofstream(dir / (name + ".log")) << logs.output;
        const auto& out = logs.output;
        tail += fmt::format("--- {} stack (last lines; full log in {}) ---\n{}\n", name,
                            (dir / (name + ".log")).string(), out.size() > 6000 ? out.substr(out.size() - 6000) : out);
      } catch (const dub::Error& e) {
        tail += fmt::format("--- {} stack: logs unavailable: {}\n", name, e.what());
      }
    }
    return tail;
  }

 private:
  struct Running {
    EnvMap env;
    std::vector<std::string> services;
  };
  fs::path root_;
  EnvMap global_env_;
  std::map<std::string, Running> running_;
};

// A fixture playing into the pipeline on its own thread while the scenario goes on.
class Publisher {
 public:
  Publisher(std::string input, std::string url, dub::media::PublishOptions options)
      : input_(std::move(input)), url_(std::move(url)) {
    options.cancel = &cancel_;
    options.on_started = [this] { started_ = true; };
    thread_ = std::thread([this, options] {
      try {
        result_ = dub::media::publish(input_, url_, options);
      } catch (const dub::Error& e) {
        error_ = e.what();
      }
      finished_ = true;
    });
  }
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;
  ~Publisher() { stop(); }

  void stop() {
    cancel_ = true;
    if (thread_.joinable()) thread_.join();
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  [[nodiscard]] bool finished() const { return finished_; }
  [[nodiscard]] bool started() const { return started_; }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] const dub::media::PublishResult& result() const { return result_; }
  [[nodiscard]] const std::string& url() const { return url_; }

 private:
  std::string input_;
  std::string url_;
  std::atomic<bool> cancel_{false};
  std::atomic<bool> finished_{false};
  std::atomic<bool> started_{false};
  std::string error_;
  dub::media::PublishResult result_;
  std::thread thread_;
};

fs::path resolve_fixture(const std::string& fixture, const fs::path& root) {
  fs::path p(fixture);
  if (p.is_absolute()) return p;
  if (!p.has_parent_path()) return root / "fixtures" / "test_streams" / p;
  return root / p;
}

std::string publish_step(const PublishStep& step, const fs::path& root, const EnvMap& vars,
                         std::vector<std::unique_ptr<Publisher>>& publishers) {
  const auto input = resolve_fixture(expand(step.fixture, vars), root);
  if (!fs::exists(input)) {
    throw StepFailure(
        fmt::format("fixture not found: {} (bundled fixtures are in fixtures/test_streams/; "
                    "regenerate them with scripts/make-fixtures)",
                    input.string()));
  }
  const auto url = expand(step.to, vars);
  dub::media::PublishOptions options;
  options.realtime = step.realtime;
  options.stop_after_s = std::chrono::duration<double>(step.stop_after).count();
  auto publisher = std::make_unique<Publisher>(input.string(), url, options);
  if (!step.background) {
    publisher->join();
    if (!publisher->error().empty()) throw StepFailure(publisher->error());
    return fmt::format("{:.1f}s of media sent to {}", publisher->result().media_s, url);
  }
  // Go on once the server has accepted the stream; a refused connection fails this step.
  while (!publisher->started() && !publisher->finished()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (!publisher->error().empty()) throw StepFailure(publisher->error());
  publishers.push_back(std::move(publisher));
  return fmt::format("publishing {} to {} in the background", input.filename().string(), url);
}

std::string wait_publishers(const WaitPublishStep& step, std::vector<std::unique_ptr<Publisher>>& publishers) {
  Progress progress("waiting for the fixture to finish playing", step.timeout);
  while (true) {
    const bool all_done =
        std::all_of(publishers.begin(), publishers.end(), [](const auto& p) { return p->finished(); });
    if (all_done) break;
    if (progress.expired()) throw StepFailure("the fixture did not finish playing in time");
    check_interrupted();
    progress.tick();
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  std::string detail;
  for (const auto& p : publishers) {
    p->join();
    if (!p->error().empty()) throw StepFailure(p->error());
    detail += fmt::format("{:.1f}s sent to {} ", p->result().media_s, p->url());
  }
  progress.done("done");
  return detail;
}

StsMonitor& need_monitor(const std::unique_ptr<StsMonitor>& monitor) {
  if (!monitor)
    throw StepFailure("this step needs a `monitor:` step earlier in the scenario (it watches STS /monitor)");
  return *monitor;
}

std::string wait_fragments(const WaitFragmentsStep& step, StsMonitor& monitor, const EnvMap& vars) {
  const auto stream = expand(step.stream, vars);
  Progress progress(fmt::format("waiting for STS to process {} fragment(s) of {}", step.count, stream), step.timeout);
  std::size_t have = 0;
  while (true) {
    have = monitor.wait_for(stream, static_cast<std::size_t>(step.count), std::chrono::milliseconds(500));
    if (have >= static_cast<std::size_t>(step.count)) break;
    check_interrupted();
    if (progress.expired()) {
      throw StepFailure(fmt::format("STS processed {} of {} fragments of {} within {:.0f}s", have, step.count, stream,
                                    std::chrono::duration<double>(step.timeout).count()));
    }
    progress.tick(fmt::format("{} so far", have));
  }
  progress.done(fmt::format("{} fragments", have));
  return fmt::format("{} fragments processed", have);
}

std::string verify_media(const VerifyMediaStep& step, const fs::path& root, const EnvMap& vars,
                         std::vector<std::pair<std::string, std::string>>& properties) {
  auto source = expand(step.source, vars);
  if (source.find("://") == std::string::npos && fs::path(source).is_relative()) source = (root / source).string();
  if (source.find("://") == std::string::npos && !fs::exists(source)) {
    throw StepFailure(
        fmt::format("media file not found: {} (fixtures live in fixtures/test_streams/; "
                    "regenerate with scripts/make-fixtures)",
                    source));
  }
  const auto info = dub::media::probe(source);
  const auto& x = step.expect;
  std::vector<std::string> problems;
  const auto* video = info.first(dub::media::StreamType::Video);
  const auto* audio = info.first(dub::media::StreamType::Audio);
  if (x.streams && static_cast<int>(info.streams.size()) != *x.streams) {
    problems.push_back(fmt::format("streams: expected {}, found {}", *x.streams, info.streams.size()));
  }
  if (x.video_codec && (video == nullptr || video->codec != *x.video_codec)) {
    problems.push_back(
        fmt::format("video codec: expected {}, found {}", *x.video_codec, video ? video->codec : "none"));
  }
  if (x.audio_codec && (audio == nullptr || audio->codec != *x.audio_codec)) {
    problems.push_back(
        fmt::format("audio codec: expected {}, found {}", *x.audio_codec, audio ? audio->codec : "none"));
  }
  if (x.has_audio && (*x.has_audio != (audio != nullptr))) {
    problems.push_back(
        fmt::format("audio track: expected {}, found {}", *x.has_audio ? "one" : "none", audio ? "one" : "none"));
  }
  if (x.sample_rate && (audio == nullptr || audio->sample_rate != *x.sample_rate)) {
    problems.push_back(
        fmt::format("sample rate: expected {}, found {}", *x.sample_rate, audio ? audio->sample_rate : 0));
  }
  if (x.audio_language && (audio == nullptr || audio->language != *x.audio_language)) {
    problems.push_back(
        fmt::format("audio language: expected '{}', found '{}'", *x.audio_language, audio ? audio->language : ""));
  }
  if (x.duration_s) {
    properties.emplace_back("duration_s", fmt::format("{:.3f}", info.duration_s));
    if (std::abs(info.duration_s - *x.duration_s) > x.duration_tolerance_s) {
      problems.push_back(fmt::format("duration: expected {:.3f} s ± {:.3f}, found {:.3f} s", *x.duration_s,
                                     x.duration_tolerance_s, info.duration_s));
    }
  }
  if (!problems.empty()) {
    throw StepFailure(fmt::format("{} does not match:\n  - {}", source, fmt::join(problems, "\n  - ")));
  }
  return fmt::format("{}: {} stream(s), {:.3f} s", fs::path(source).filename().string(), info.streams.size(),
                     info.duration_s);
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
        if constexpr (std::is_same_v<T, PublishStep>) return fmt::format("publish {}", a.fixture);
        if constexpr (std::is_same_v<T, WaitPublishStep>) return "wait for the fixture to finish playing";
        if constexpr (std::is_same_v<T, MonitorStep>) return fmt::format("monitor STS at {}", x(a.sts_url));
        if constexpr (std::is_same_v<T, WaitFragmentsStep>) {
          return fmt::format("wait for {} STS fragment(s) of {}", a.count, x(a.stream));
        }
        if constexpr (std::is_same_v<T, VerifyFragmentsStep>)
          return fmt::format("verify STS results for {}", x(a.stream));
      },
      step.action);
}

TestCase run_one(const Scenario& s, int iteration, Session& session, const fs::path& root, const RunOptions& options,
                 const fs::path& artifacts) {
  TestCase tc;
  tc.classname = "dubctl.scenarios";
  tc.name = options.repeat > 1 ? fmt::format("{}#{}", s.name, iteration) : s.name;
  const auto start = std::chrono::steady_clock::now();
  const bool tty = stderr_is_tty();
  fmt::print(stderr, "\n{} {} — {}\n", tty ? fmt::format(fmt::emphasis::bold, "▶") : ">", s.name, s.description);

  EnvMap vars = options.env;
  vars["stream"] = fmt::format("{}-{}-{}", s.name, ::getpid(), iteration);  // unique per run (FR-031a)
  vars["scenario"] = s.name;
  for (const auto& [name, use] : s.stacks) {
    for (const auto& [k, v] : use.env) vars.try_emplace(k, v);
  }
  std::string log;
  std::vector<std::unique_ptr<Publisher>> publishers;
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
      try {
        std::visit(
            [&](const auto& a) {
              using T = std::decay_t<decltype(a)>;
              if constexpr (std::is_same_v<T, UpStep>) {
                for (const auto& name : a.stacks) session.up(name, s.stacks.at(name), a.timeout);
              } else if constexpr (std::is_same_v<T, DownStep>) {
                for (const auto& name : a.stacks) session.down(name);
              } else if constexpr (std::is_same_v<T, WaitHttpStep>) {
                detail = wait_http(expand(a.url, vars), a.status, a.body_contains, a.timeout);
              } else if constexpr (std::is_same_v<T, VerifyMediaStep>) {
                detail = verify_media(a, root, vars, tc.properties);
              } else if constexpr (std::is_same_v<T, PublishStep>) {
                detail = publish_step(a, root, vars, publishers);
              } else if constexpr (std::is_same_v<T, WaitPublishStep>) {
                detail = wait_publishers(a, publishers);
              } else if constexpr (std::is_same_v<T, MonitorStep>) {
                monitor = std::make_unique<StsMonitor>(expand(a.sts_url, vars));
                detail = "connected to /monitor";
              } else if constexpr (std::is_same_v<T, WaitFragmentsStep>) {
                detail = wait_fragments(a, need_monitor(monitor), vars);
              } else if constexpr (std::is_same_v<T, VerifyFragmentsStep>) {
                detail =
                    verify_fragments(a, need_monitor(monitor).summaries(expand(a.stream, vars)), root, tc.properties);
              }
            },
            step.action);
      } catch (const StepFailure&) {
        throw;
      } catch (const dub::Error& e) {
        throw StepFailure(e.what());
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
  for (auto& p : publishers) p->stop();  // a fixture still playing ends with its scenario
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
  const fs::path artifacts = options.artifacts.empty() ? root / "out" / timestamp_dir() : options.artifacts;
  const fs::path junit = options.junit.empty() ? artifacts / "junit.xml" : options.junit;
  fs::create_directories(artifacts);

  g_signal = 0;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  Session session(root, options.env);
  std::vector<TestCase> cases;
  for (int i = 1; i <= options.repeat && g_signal == 0; ++i) {
    for (const auto& s : scenarios) {
      if (g_signal != 0) break;
      cases.push_back(run_one(s, i, session, root, options, artifacts));
    }
  }
  if (!options.keep_up || g_signal != 0) session.down_all();
  write_junit(junit, "dubctl", cases);

  const auto passed = std::count_if(cases.begin(), cases.end(), [](const TestCase& c) { return c.failure.empty(); });
  const auto failed = static_cast<long>(cases.size()) - passed;
  fmt::print(stderr, "\n{:<40} {:>8} {:>9}\n", "scenario", "result", "time");
  for (const auto& c : cases) {
    fmt::print(stderr, "{:<40} {:>8} {:>8.1f}s\n", c.name, c.failure.empty() ? "passed" : "FAILED", c.time_s);
  }
  if (options.repeat > 1) {
    fmt::print(stderr, "pass rate: {}/{} ({:.0f}%)\n", passed, cases.size(),
               100.0 * static_cast<double>(passed) / static_cast<double>(cases.size()));
  }
  fmt::print(stderr, "JUnit: {}\nartifacts: {}\n", junit.string(), artifacts.string());
  // The plain closing line CI reads.
  fmt::print("{} passed, {} failed\n", passed, failed);
  if (g_signal != 0) return 130;
  return failed == 0 ? 0 : 1;
}

}  // namespace dubctl
