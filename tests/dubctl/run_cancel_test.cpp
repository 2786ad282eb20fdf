// The scenario deadline and Ctrl-C end the step in progress, through run_scenarios, without Docker:
// a wait far longer than the scenario's timeout fails at the deadline with a message starting
// "deadline", and SIGINT during the wait fails its case as interrupted within 2 s, with exit code 130.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <regex>
#include <string>
#include <thread>

#include "eventually.hpp"
#include "listening_socket.hpp"
#include "run_fixture.hpp"
#include "runner.hpp"

namespace {

using namespace std::chrono_literals;

// The wait polls a port that answers no HTTP (by default 9, where nothing listens: every attempt is
// refused at once), so it goes on polling.
const char* const kScenario =
    "name: long-wait\n"
    "description: a wait far longer than the scenario's timeout\n"
    "timeout: {}\n"
    "steps:\n"
    "  - wait: {http: \"http://127.0.0.1:{}/never\", status: 200, timeout: 60s}\n";

// A listener on a free loopback port that closes every connection unanswered: `first_connection`
// tells when the wait step has started polling it.
class SilentListener {
 public:
  [[nodiscard]] int port() const { return socket_.port(); }
  // Waits up to `limit` for a connection and closes it; false when none came.
  [[nodiscard]] bool first_connection(std::chrono::milliseconds limit) const {
    pollfd p{socket_.fd(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(limit.count())) != 1) return false;
    const int conn = ::accept(socket_.fd(), nullptr, nullptr);
    if (conn >= 0) ::close(conn);
    return conn >= 0;
  }

 private:
  dub::test::ListeningSocket socket_;
};

class RunCancel : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* old = std::getenv("DUBCTL_ROOT")) old_root_ = old;
    ::setenv("DUBCTL_ROOT", project_.root().c_str(), 1);
  }
  void TearDown() override {
    dubctl::interrupt_signal() = 0;
    if (old_root_.empty()) {
      ::unsetenv("DUBCTL_ROOT");
    } else {
      ::setenv("DUBCTL_ROOT", old_root_.c_str(), 1);
    }
  }

  // Runs the scenario with `timeout`, its wait polling `port`; returns the exit code.
  int run(const std::string& timeout, int port = 9) {
    auto text = std::string(kScenario);
    text.replace(text.find("{}"), 2, timeout);
    text.replace(text.find("{}"), 2, std::to_string(port));
    project_.write("scenarios/long_wait.yaml", text);
    dubctl::RunOptions options;
    options.scenario_args = {(project_.root() / "scenarios/long_wait.yaml").string()};
    options.artifacts = project_.out();
    options.cleanup = dubctl::Cleanup::Never;
    return dubctl::run_scenarios(options);
  }
  [[nodiscard]] std::string junit() const { return project_.read("out/junit.xml"); }
  // The case's time="..." in seconds.
  [[nodiscard]] double case_time() const {
    std::smatch m;
    const auto text = junit();
    if (!std::regex_search(text, m, std::regex(R"(<testcase [^>]*time="([0-9.]+)\")"))) return -1;
    return std::stod(m[1].str());
  }

 private:
  dub::test::TempProject project_{"run-cancel", {"compose", "scenarios"}};
  std::string old_root_;
};

TEST_F(RunCancel, AWaitPastTheScenarioTimeoutFailsAtTheDeadline) {
  EXPECT_EQ(run("1s"), 1);
  const auto text = junit();
  EXPECT_NE(text.find("deadline: scenario timeout 1s reached during step at line 5 (wait"), std::string::npos) << text;
  EXPECT_GE(case_time(), 1.0);
  EXPECT_LT(case_time(), 3.0) << "the step ran on past the deadline";
}

TEST_F(RunCancel, SigintCancelsTheStepInProgressWithin2s) {
  // Ctrl-C once the wait is polling (not after a fixed time: on a busy machine the run may not
  // have reached its step yet, and the signal then ends the run before the scenario).
  const SilentListener listener;
  std::thread ctrl_c([&listener] {
    if (listener.first_connection(30s)) ::kill(::getpid(), SIGINT);  // run_scenarios' handler takes it
  });
  const int code = run("3m", listener.port());
  ctrl_c.join();
  EXPECT_EQ(code, 130);
  const auto text = junit();
  EXPECT_NE(text.find("interrupted by signal 2 during step at line 5 (wait"), std::string::npos) << text;
  EXPECT_LT(case_time(), 2.5);
}

}  // namespace
