// End to end through the dubctl binary, without Docker (PATH holds no docker): a scenario whose
// fixture is missing and one whose host port is taken end as skipped JUnit cases with the reason,
// the other scenarios still run, junit.xml and report.html are written, --strict turns the skips
// into failures, and --repeat with --min-pass-rate names the failed runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "listening_socket.hpp"
#include "run_fixture.hpp"

namespace {

namespace fs = std::filesystem;

class RunSkips : public ::testing::Test {
 protected:
  void SetUp() override {
    write("scenarios/missing.yaml",
          "name: missing\ndescription: publishes a fixture that is not there\n"
          "steps:\n  - publish: {fixture: not-there.mp4}\n");
  }

  void write(const std::string& rel, const std::string& text) const { project_.write(rel, text); }

  // Runs `dubctl run <args>` in the temporary project (run_fixture.hpp); report.html is always written.
  [[nodiscard]] dub::test::DubctlRun run(const std::string& args) const {
    auto r = project_.run(args);
    EXPECT_TRUE(fs::exists(project_.out() / "report.html")) << r.err;
    return r;
  }

  dub::test::TempProject project_{"run-skip"};
  const fs::path root_ = project_.root();
};

TEST_F(RunSkips, MissingFixtureIsASkippedCaseAndJunitIsWritten) {
  const auto r = run("scenarios/missing.yaml");
  EXPECT_EQ(r.status, 0) << r.out << r.err;  // a skip alone does not fail the run
  EXPECT_TRUE(r.out.ends_with("0 passed, 0 failed, 1 skipped\n")) << r.out;
  EXPECT_NE(r.junit.find(R"(tests="1" failures="0" errors="0" skipped="1")"), std::string::npos) << r.junit;
  const auto skipped = r.junit.find("<skipped message=\"");
  ASSERT_NE(skipped, std::string::npos) << r.junit;
  const auto message = r.junit.substr(skipped, r.junit.find("/>", skipped) - skipped);
  EXPECT_NE(message.find("missing.yaml:4: steps[0].publish.fixture: fixture not found: "), std::string::npos)
      << message;  // which fixture
  EXPECT_NE(message.find((root_ / "fixtures/test_streams/not-there.mp4").string()), std::string::npos)
      << message;                                                                  // where it was looked for
  EXPECT_NE(message.find("scripts/make-fixtures"), std::string::npos) << message;  // how to regenerate
  EXPECT_NE(r.err.find("skipped runs (--strict fails them):\n  missing: "), std::string::npos) << r.err;
}

TEST_F(RunSkips, StrictTurnsTheSkipIntoAFailure) {
  const auto r = run("scenarios/missing.yaml --strict");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_TRUE(r.out.ends_with("0 passed, 1 failed, 0 skipped\n")) << r.out;
  EXPECT_NE(r.junit.find("<failure message=\"skipped, and --strict counts a skip as a failure: "), std::string::npos)
      << r.junit;
  EXPECT_EQ(r.junit.find("<skipped"), std::string::npos) << r.junit;
}

// The other scenarios still run; below --min-pass-rate the run fails and names every failed run.
TEST_F(RunSkips, OthersStillRunAndFailedRunsAreNamed) {
  write("scenarios/refused.yaml",
        "name: refused\ndescription: a wait that cannot succeed\n"
        "steps:\n  - wait: {http: \"http://127.0.0.1:9/\", status: 200, timeout: 1s}\n");
  auto r = run("scenarios/ --repeat 2 --min-pass-rate 0.5");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_TRUE(r.out.ends_with("0 passed, 2 failed, 2 skipped\n")) << r.out;
  EXPECT_NE(r.junit.find(R"(tests="4" failures="2" errors="0" skipped="2")"), std::string::npos) << r.junit;
  EXPECT_NE(r.err.find("pass rate: 0/2 (0%), minimum 50%: BELOW, the run fails"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("failed runs:\n  refused#1: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\n  refused#2: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("skipped runs (--strict fails them):\n  missing#1: "), std::string::npos) << r.err;
  r = run("scenarios/ --repeat 2 --min-pass-rate 0");  // 0: the rate is reported, never fails the run
  EXPECT_EQ(r.status, 0) << r.out << r.err;
}

// `skip: REASON` on a step: not run (this one would fail), shown with its reason; the case passes.
TEST_F(RunSkips, SkippedStepIsNotRunAndItsReasonShown) {
  write("scenarios/stepskip.yaml",
        "name: stepskip\ndescription: a step that would fail, skipped\n"
        "steps:\n  - wait: {http: \"http://127.0.0.1:9/\", status: 200, timeout: 1s}\n    skip: issue 42\n");
  const auto r = run("scenarios/stepskip.yaml");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(r.out.ends_with("1 passed, 0 failed, 0 skipped\n")) << r.out;
  EXPECT_NE(r.err.find("SKIPPED wait for HTTP 200 from http://127.0.0.1:9/"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(line 4): issue 42"), std::string::npos) << r.err;
  const auto out = r.junit.find("<system-out>");
  ASSERT_NE(out, std::string::npos) << r.junit;
  EXPECT_NE(r.junit.find("(line 4): issue 42", out), std::string::npos) << r.junit;
}

// `retry: N` / `delay: D`: the failing step is run N more times; its failure names the attempts.
TEST_F(RunSkips, RetriedStepNamesItsAttempts) {
  write("scenarios/retried.yaml",
        "name: retried\ndescription: a wait that cannot succeed, retried\n"
        "steps:\n  - wait: {http: \"http://127.0.0.1:9/\", status: 200, timeout: 1s}\n"
        "    retry: 1\n    delay: 100ms\n");
  const auto r = run("scenarios/retried.yaml");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.junit.find("failed 2 attempts (retry: 1, delay: 100ms); the last: "), std::string::npos) << r.junit;
}

// --var: a value for ${KEY} in the scenario (compose never sees it).
TEST_F(RunSkips, VarIsExpandedInScenarios) {
  write("scenarios/var.yaml",
        "name: var\ndescription: a wait on a port given with --var\n"
        "steps:\n  - wait: {http: \"http://127.0.0.1:${DEAD_PORT}/\", status: 200, timeout: 1s}\n");
  auto r = run("scenarios/var.yaml --var DEAD_PORT=9");
  EXPECT_NE(r.junit.find("http://127.0.0.1:9/"), std::string::npos) << r.junit;
  r = run("scenarios/var.yaml");  // unset: the failure names it
  EXPECT_NE(r.junit.find("DEAD_PORT"), std::string::npos) << r.junit;
}

// --fail-fast: after the first failed scenario the others are skipped cases naming it, not run.
TEST_F(RunSkips, FailFastLeavesTheRestNotRun) {
  write("scenarios/a_refused.yaml",
        "name: a_refused\ndescription: a wait that cannot succeed\n"
        "steps:\n  - wait: {http: \"http://127.0.0.1:9/\", status: 200, timeout: 1s}\n");
  write("scenarios/b_fine.yaml",
        "name: b_fine\ndescription: passes\nsteps:\n  - wait: {http: \"http://127.0.0.1:9/\"}\n    skip: x\n");
  auto r = run("scenarios/ --fail-fast");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_TRUE(r.out.ends_with("0 passed, 1 failed, 2 skipped\n")) << r.out;
  EXPECT_NE(r.junit.find("<skipped message=\"not run: --fail-fast after a_refused failed\""), std::string::npos)
      << r.junit;
  EXPECT_NE(r.err.find("\n  b_fine: not run: --fail-fast after a_refused failed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\n  missing: not run: --fail-fast after a_refused failed"), std::string::npos) << r.err;
  r = run("scenarios/");  // without it, b_fine runs (and passes)
  EXPECT_TRUE(r.out.ends_with("1 passed, 1 failed, 1 skipped\n")) << r.out;
}

TEST_F(RunSkips, TakenHostPortIsASkippedCaseNamingThePort) {
  dub::test::ListeningSocket holder(dub::test::ListeningSocket::On::kAnyAddress, 1);
  const auto port = std::to_string(holder.port());
  write("compose/media/docker-compose.e2e.yml",
        "services:\n  mediamtx:\n    image: none\n    ports: [\"${DUB_TEST_RTSP_PORT:-" + port + "}:8554\"]\n");
  write("scenarios/port.yaml",
        "name: port\ndescription: a stack whose host port is taken\nstacks: {media: {}}\nsteps:\n  - up: media\n");
  const auto r = run("scenarios/port.yaml");
  holder.close();
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(r.out.ends_with("0 passed, 0 failed, 1 skipped\n")) << r.out;
  EXPECT_NE(r.junit.find("<skipped message=\"the &#39;media&#39; stack cannot start: host port " + port +
                         " (DUB_TEST_RTSP_PORT, mediamtx&#39;s port 8554) is already in use"),
            std::string::npos)
      << r.junit;
}

}  // namespace
