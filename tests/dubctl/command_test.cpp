// run_command's child processes: output and exit code captured; stopped (with what they started)
// within 2 s when the run is interrupted or the scenario's deadline passes inside a step, or at a
// limit; left to finish outside a step (teardown) or when not cancellable.
#include "command.hpp"

#include <fmt/format.h>

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "dub/util/error.hpp"
#include "eventually.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A process that exists and is not a zombie (a zombie is dead, only not yet reaped).
bool alive(pid_t pid) {
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string pid_field;
  std::string comm;
  char state = 'X';
  if (!(stat >> pid_field >> comm >> state)) return false;
  return state != 'Z' && state != 'X';
}

// The pid a child wrote into `file`, once it has.
pid_t pid_in(const std::filesystem::path& file) {
  for (int i = 0; i < 200; ++i) {
    std::ifstream in(file);
    pid_t pid = 0;
    if (in >> pid && pid > 0) return pid;
    std::this_thread::sleep_for(10ms);
  }
  return 0;
}

class RunCommand : public ::testing::Test {
 protected:
  void TearDown() override {
    dubctl::interrupt_signal() = 0;
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path file(const std::string& name) {
    std::filesystem::create_directories(dir_);
    return dir_ / name;
  }
  // Interrupts the run (as Ctrl-C would) after `after`.
  std::thread interrupt_after(std::chrono::milliseconds after) {
    return std::thread([after] {
      std::this_thread::sleep_for(after);
      dubctl::interrupt_signal() = 2;
    });
  }

 private:
  std::filesystem::path dir_ =
      std::filesystem::temp_directory_path() / fmt::format("dubctl-command-test-{}", ::getpid());
};

TEST_F(RunCommand, CapturesOutputAndExitCode) {
  const auto r = dubctl::run_command({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.output.find("out\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("err\n"), std::string::npos) << r.output;
}

TEST_F(RunCommand, AnInterruptInsideAStepStopsTheChildAndWhatItStartedWithin2s) {
  const auto pids = file("pids");
  const dubctl::ScenarioDeadline deadline(Clock::now() + 60s, 60s);
  auto signal = interrupt_after(300ms);
  const auto t0 = Clock::now();
  try {
    // The shell starts a grandchild (sleep) in the background and waits for it.
    dubctl::run_command({"sh", "-c", "sleep 30 & echo $$ $! > " + pids.string() + "; wait"});
    ADD_FAILURE() << "an interrupted child ran to its end";
  } catch (const dubctl::Cancelled& e) {
    EXPECT_EQ(std::string(e.what()), "interrupted by signal 2");
  }
  const auto took = Clock::now() - t0;
  signal.join();
  EXPECT_LT(took, 2s);
  std::ifstream in(pids);
  pid_t shell = 0;
  pid_t sleeper = 0;
  ASSERT_TRUE(in >> shell >> sleeper);
  EXPECT_FALSE(alive(shell));
  EXPECT_FALSE(alive(sleeper)) << "the child's own child was left running";
}

TEST_F(RunCommand, AChildThatIgnoresSigtermIsKilledAfterTheGrace) {
  const dubctl::ScenarioDeadline deadline(Clock::now() + 60s, 60s);
  auto signal = interrupt_after(200ms);
  const auto t0 = Clock::now();
  EXPECT_THROW(dubctl::run_command({"sh", "-c", "trap '' TERM; sleep 30"}), dubctl::Cancelled);
  const auto took = Clock::now() - t0;
  signal.join();
  EXPECT_GE(took, 1s);  // SIGTERM first, SIGKILL after the grace
  EXPECT_LT(took, 2s);
}

TEST_F(RunCommand, TheScenarioDeadlineStopsTheChild) {
  const auto pid = file("pid");
  const dubctl::ScenarioDeadline deadline(Clock::now() + 300ms, 180s);
  const auto t0 = Clock::now();
  try {
    dubctl::run_command({"sh", "-c", "echo $$ > " + pid.string() + "; exec sleep 30"});
    ADD_FAILURE() << "the child ran past the scenario's deadline";
  } catch (const dubctl::DeadlineReached& e) {
    EXPECT_EQ(std::string(e.what()), "deadline: scenario timeout 180s reached");
  }
  EXPECT_LT(Clock::now() - t0, 2s);
  EXPECT_FALSE(alive(pid_in(pid)));
}

TEST_F(RunCommand, OutsideAStepAnInterruptLetsTheChildFinish) {
  dubctl::interrupt_signal() = 2;  // teardown after Ctrl-C: `compose down` must run to its end
  const auto r = dubctl::run_command({"sh", "-c", "sleep 0.3; echo done"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, "done\n");
}

TEST_F(RunCommand, ANotCancellableCommandFinishesInsideAStep) {
  const dubctl::ScenarioDeadline deadline(Clock::now() - 1s, 1s);
  dubctl::interrupt_signal() = 2;
  const auto r = dubctl::run_command({"sh", "-c", "sleep 0.3; echo done"}, {}, {.cancellable = false});
  EXPECT_EQ(r.output, "done\n");
}

TEST_F(RunCommand, ALimitStopsTheChildAndSaysSo) {
  const auto t0 = Clock::now();
  try {
    dubctl::run_command({"sleep", "30"}, {}, {.limit = 300ms, .cancellable = false});
    ADD_FAILURE() << "the child ran past its limit";
  } catch (const dub::Error& e) {
    EXPECT_EQ(std::string(e.what()), "'sleep' did not finish within 0.3s: stopped");
  }
  EXPECT_LT(Clock::now() - t0, 2s);
}

TEST_F(RunCommand, TheEnvironmentGoesToTheChild) {
  const auto r = dubctl::run_command({"sh", "-c", "echo $DUBCTL_TEST_VALUE"}, {{"DUBCTL_TEST_VALUE", "x y"}});
  EXPECT_EQ(r.output, "x y\n");
}

}  // namespace
