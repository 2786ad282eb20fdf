#include "jobs.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <chrono>
#include <csignal>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "cleanup.hpp"
#include "dub/util/error.hpp"
#include "eventually.hpp"
#include "isolation.hpp"
#include "merge.hpp"
#include "stacks.hpp"

namespace bp = boost::process;
namespace fs = std::filesystem;

namespace dubctl {

namespace {

extern "C" void on_jobs_signal(int sig) {
  interrupt_signal() = sig;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The last non-empty line of `text`.
std::string last_line(const std::string& text) {
  auto end = text.find_last_not_of('\n');
  if (end == std::string::npos) return {};
  const auto start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1,
                     end + 1 - (start == std::string::npos ? 0 : start + 1));
}

struct Job {
  int index = 0;
  fs::path dir;
  std::unique_ptr<bp::child> child;
  std::string run;    // its run id (DUBCTL_RUN_ID)
  std::string shown;  // the scenario last printed
  bool done = false;
  int exit_code = 0;
};

std::string artifacts_dir(const RunOptions& options) {
  if (!options.artifacts.empty()) return options.artifacts.string();
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  return (project_root() / "out" / fmt::format("{:%Y%m%d-%H%M%S}", fmt::localtime(now))).string();
}

void start(Job& job, const RunOptions& options, int count, const std::string& run_base) {
  fs::create_directories(job.dir);
  bp::environment env = boost::this_process::environment();
  job.run = fmt::format("{}-j{}", run_base, job.index);
  env["DUBCTL_RUN_ID"] = job.run;  // each job its own projects
  const auto log = (job.dir / "output.log").string();
  job.child = std::make_unique<bp::child>(
      "/proc/self/exe", bp::args(job_arguments(options, job.index, count, job.dir)), env,
      (bp::std_out & bp::std_err) > log, bp::std_in < bp::null,
      bp::extend::on_exec_setup([](auto& /*exec*/) { ::prctl(PR_SET_PDEATHSIG, SIGTERM); }));
}

// One line when the job starts a scenario or ends.
void report_progress(Job& job, int count) {
  const auto output = read_text(job.dir / "output.log");
  if (job.done) {
    fmt::print(stderr, "job {}/{}: ended (exit {}): {}\n", job.index, count, job.exit_code, last_line(output));
    if (output.find("are still up to inspect") != std::string::npos) {  // kept_stacks_hint (--cleanup)
      fmt::print(stderr,
                 "job {}/{}: its stacks are still up (--cleanup); `DUBCTL_RUN_ID={} dubctl down all` when done\n",
                 job.index, count, job.run);
    }
    return;
  }
  const auto scenario = current_scenario(output);
  if (scenario.empty() || scenario == job.shown) return;
  job.shown = scenario;
  fmt::print(stderr, "job {}/{}: {}\n", job.index, count, scenario);
}

void wait_all(std::vector<Job>& jobs, int count) {
  bool forwarded = false;
  for (std::size_t running = jobs.size(); running > 0;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    if (interrupt_signal() != 0 && !forwarded) {  // each job tears its stacks down and ends
      for (auto& job : jobs) {
        if (!job.done) ::kill(job.child->id(), SIGINT);
      }
      forwarded = true;
    }
    for (auto& job : jobs) {
      if (job.done) continue;
      if (!job.child->running()) {
        job.child->wait();
        job.done = true;
        job.exit_code = job.child->exit_code();
        --running;
      }
      report_progress(job, count);
    }
  }
}

}  // namespace

std::vector<std::string> job_arguments(const RunOptions& options, int index, int count, const fs::path& dir) {
  std::vector<std::string> args = {"run"};
  args.insert(args.end(), options.scenario_args.begin(), options.scenario_args.end());
  args.insert(args.end(), {"--repeat", std::to_string(options.repeat), "--min-pass-rate",
                           fmt::format("{}", options.min_pass_rate), "--cleanup", to_string(options.cleanup)});
  if (options.strict) args.emplace_back("--strict");
  if (options.fail_fast) args.emplace_back("--fail-fast");
  if (options.update_golden) args.emplace_back("--update-golden");
  if (options.timings) args.emplace_back("--timings");
  for (const auto& [k, v] : options.env) args.insert(args.end(), {"--env", fmt::format("{}={}", k, v)});
  for (const auto& [k, v] : options.vars) args.insert(args.end(), {"--var", fmt::format("{}={}", k, v)});
  for (const auto& name : options.secrets) args.insert(args.end(), {"--secret", name});
  for (const auto& file : options.durations) args.insert(args.end(), {"--durations", file.string()});
  args.insert(args.end(), {"--isolate", "--shard", fmt::format("{}/{}", index, count), "--artifacts", dir.string()});
  return args;
}

std::string current_scenario(const std::string& output) {
  const auto at = output.rfind("\n> ");
  if (at == std::string::npos) return {};
  const auto start = at + 3;
  const auto end = output.find_first_of(" \n", start);
  return output.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

int run_jobs(const RunOptions& options) {
  if (!options.shard.empty()) throw dub::Error("--jobs with --shard: a job is a shard already; use one or the other");
  const int count = options.jobs;
  const fs::path artifacts = artifacts_dir(options);
  const auto base = run_id().empty() ? new_run_id() : run_id();
  if (base.size() > 28) {
    throw dub::Error(
        fmt::format("--jobs: DUBCTL_RUN_ID '{}' leaves no room for the jobs' -j<I>: use at most 28 characters", base));
  }
  interrupt_signal() = 0;
  std::signal(SIGINT, on_jobs_signal);
  std::signal(SIGTERM, on_jobs_signal);
  const auto started = std::chrono::steady_clock::now();
  std::vector<Job> jobs(static_cast<std::size_t>(count));
  for (int i = 1; i <= count; ++i) {
    auto& job = jobs[static_cast<std::size_t>(i - 1)];
    job.index = i;
    job.dir = artifacts / fmt::format("job-{}", i);
    start(job, options, count, base);
  }
  fmt::print(stderr, "{} jobs (runs {}-j1..{}), each its own stacks; their output in {}/job-<i>/output.log\n", count,
             base, count, artifacts.string());
  wait_all(jobs, count);
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::vector<fs::path> dirs;
  for (const auto& job : jobs) {
    if (!fs::exists(job.dir / "report.json")) {
      throw dub::Error(fmt::format("job {}/{} left no reports (exit {}): see {}", job.index, count, job.exit_code,
                                   (job.dir / "output.log").string()));
    }
    dirs.push_back(job.dir);
  }
  const auto merged = merge_runs(dirs, artifacts);
  // --report-junit/-html/-json: the merged reports there too (the page's links stay the artifacts folder's).
  for (const auto& [wanted, file] :
       {std::pair{options.junit, artifacts / "junit.xml"}, std::pair{options.report_html, artifacts / "report.html"},
        std::pair{options.report_json, artifacts / "report.json"}}) {
    if (wanted.empty()) continue;
    if (wanted.has_parent_path()) fs::create_directories(wanted.parent_path());
    fs::copy_file(file, wanted, fs::copy_options::overwrite_existing);
  }
  fmt::print(stderr, "{} jobs: {:.0f} s wall for {:.0f} s of scenarios: {:.2f}x; reports in {}\n", count, wall_s,
             merged.scenario_time_s, wall_s > 0 ? merged.scenario_time_s / wall_s : 0.0, artifacts.string());
  fmt::print("{}\n", merged.closing_line());
  return interrupt_signal() != 0 ? 130 : merged.exit_code;
}

}  // namespace dubctl
