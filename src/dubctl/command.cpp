#include "command.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <array>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <cerrno>
#include <csignal>
#include <optional>
#include <thread>

#include "dub/util/error.hpp"
#include "eventually.hpp"

namespace bp = boost::process;

namespace dubctl {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kPollMs = 50;  // how often the child is looked at: cancelling takes at most this plus the grace

// Reads what is there within kPollMs; false at the end of the output.
bool read_some(int fd, std::string& out) {
  pollfd p{fd, POLLIN, 0};
  const int n = ::poll(&p, 1, kPollMs);
  if (n < 0) return errno == EINTR;  // a signal (Ctrl-C): look at the flags, then read on
  if (n == 0) return true;
  std::array<char, 4096> buf{};
  const auto got = ::read(fd, buf.data(), buf.size());
  if (got > 0) {
    out.append(buf.data(), static_cast<std::size_t>(got));
    return true;
  }
  return got < 0 && (errno == EINTR || errno == EAGAIN);
}

// SIGTERM to the child's process group, SIGKILL to it after `grace`; reaps the child.
void stop_group(bp::child& child, std::chrono::milliseconds grace) {
  const pid_t group = child.id();
  ::kill(-group, SIGTERM);
  const auto until = Clock::now() + grace;
  std::error_code ec;
  while (child.running(ec) && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ::kill(-group, SIGKILL);  // whatever it started and left behind, too
  child.wait(ec);
}

// Why the child must stop now, if it must: throws after stopping it.
void stop_if_due(bp::child& child, const CommandOptions& options, Clock::time_point started, const std::string& name) {
  std::optional<std::string> limit_passed;
  if (options.limit.count() > 0 && Clock::now() - started >= options.limit) {
    limit_passed = fmt::format("'{}' did not finish within {}s: stopped", name,
                               std::chrono::duration<double>(options.limit).count());
  }
  try {
    if (options.cancellable && ScenarioDeadline::current() != nullptr) check_cancelled();
  } catch (const Cancelled&) {
    stop_group(child, options.grace);
    throw;
  }
  if (limit_passed) {
    stop_group(child, options.grace);
    throw dub::Error(*limit_passed);
  }
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                          const CommandOptions& options) {
  if (argv.empty()) throw dub::Error("run_command: empty command");
  const auto exe = bp::search_path(argv.front());
  if (exe.empty()) throw dub::Error(fmt::format("'{}' not found on PATH (run scripts/bootstrap)", argv.front()));
  bp::environment child_env = boost::this_process::environment();
  for (const auto& [key, value] : env) child_env[key] = value;
  bp::pipe out;
  const std::vector<std::string> args(argv.begin() + 1, argv.end());
  const auto started = Clock::now();
  bp::child child(exe, bp::args(args), child_env, (bp::std_out & bp::std_err) > out, bp::std_in < bp::null,
                  bp::extend::on_exec_setup([](auto& /*exec*/) {
                    ::setpgid(0, 0);                     // its own group: stopped with whatever it starts
                    ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // and not left running should dubctl die
                  }));
  CommandResult result;
  while (read_some(out.native_source(), result.output)) stop_if_due(child, options, started, argv.front());
  std::error_code ec;
  child.wait(ec);
  if (ec) throw dub::Error(fmt::format("'{}': cannot wait for it: {}", argv.front(), ec.message()));
  result.exit_code = child.exit_code();
  return result;
}

}  // namespace dubctl
