// Who the containers' processes run as: `docker top` read back (containers.hpp), the command a
// container's own health check runs as, and the
// `verify: {non_root: ...}` step as parsed.
#include <gtest/gtest.h>

#include "containers.hpp"
#include "dub/util/error.hpp"
#include "scenario.hpp"
#include "scenario_reject.hpp"
#include "steps/step.hpp"

namespace {

TEST(ContainerProcesses, ReadsPidUidAndCommandByColumn) {
  const auto procs = dubctl::parse_container_processes(
      "PID                 UID                 COMMAND\n"
      "4242                999                 media-service\n"
      "4300                0                   sh -c wget x\n"
      "\n");
  ASSERT_EQ(procs.size(), 2U);
  EXPECT_EQ(procs[0].pid, 4242);
  EXPECT_EQ(procs[0].uid, 999);
  EXPECT_EQ(procs[0].command, "media-service");
  EXPECT_EQ(procs[1].uid, 0);  // root is read as 0, not mistaken for a missing value
  EXPECT_EQ(procs[1].command, "sh -c wget x");
  // Columns in another order are read by their names.
  const auto swapped = dubctl::parse_container_processes("UID PID COMMAND\n65534 7 mediamtx\n");
  ASSERT_EQ(swapped.size(), 1U);
  EXPECT_EQ(swapped[0].uid, 65534);
  EXPECT_EQ(swapped[0].pid, 7);
}

TEST(ContainerProcesses, AnswerWithoutTheColumnsIsAnError) {
  EXPECT_THROW(dubctl::parse_container_processes("Error: No such container: x\n"), dub::Error);
  EXPECT_THROW(dubctl::parse_container_processes(""), dub::Error);
}

TEST(VerifyNonRoot, ParsesOneStackOrAList) {
  const auto s = dubctl::parse_scenario(R"(name: a
description: d
stacks: {media: {}, sts: {}}
steps:
  - verify: {non_root: [media, sts]}
  - verify: {non_root: sts}
)",
                                        "scenarios/x.yaml");
  ASSERT_EQ(s.steps.size(), 2U);
  EXPECT_EQ(dubctl::step_as<dubctl::VerifyNonRootStep>(s.steps[0]).stacks, (std::vector<std::string>{"media", "sts"}));
  EXPECT_EQ(dubctl::step_as<dubctl::VerifyNonRootStep>(s.steps[1]).stacks, (std::vector<std::string>{"sts"}));
  EXPECT_EQ(s.steps[0].action->describe(), "verify no process of the media, sts stack(s) runs as root");
}

TEST(VerifyNonRoot, RefusesAnUnknownStack) {
  expect_rejected(R"(name: a
description: d
stacks: {media: {}}
steps:
  - verify: {non_root: [media, stss]}
)",
                  5, "steps[0].verify.non_root: unknown stack 'stss' (use media or sts)");
}

}  // namespace

TEST(HealthCheck, RunsACmdTestAsItsArguments) {
  const auto argv = dubctl::health_check_exec_argv(
      "dubmedia-mediamtx-1", R"(["CMD","wget","-q","-O","-","http://localhost:9997/v3/paths/list"])");
  EXPECT_EQ(argv, (std::vector<std::string>{"docker", "exec", "dubmedia-mediamtx-1", "wget", "-q", "-O", "-",
                                            "http://localhost:9997/v3/paths/list"}));
}

TEST(HealthCheck, RunsACmdShellTestThroughTheShell) {
  const auto argv = dubctl::health_check_exec_argv("c1", R"(["CMD-SHELL","curl -f http://localhost/ || exit 1"])");
  EXPECT_EQ(argv,
            (std::vector<std::string>{"docker", "exec", "c1", "/bin/sh", "-c", "curl -f http://localhost/ || exit 1"}));
}

TEST(HealthCheck, NoTestMeansNothingToRun) {
  EXPECT_TRUE(dubctl::health_check_exec_argv("c1", "null").empty());
  EXPECT_TRUE(dubctl::health_check_exec_argv("c1", R"(["NONE"])").empty());
  EXPECT_TRUE(dubctl::health_check_exec_argv("c1", R"(["CMD"])").empty());
  EXPECT_TRUE(dubctl::health_check_exec_argv("c1", R"(["CMD", 3])").empty());
  EXPECT_TRUE(dubctl::health_check_exec_argv("c1", "not json").empty());
}
