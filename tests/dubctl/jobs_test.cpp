#include "jobs.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "run_fixture.hpp"

namespace {

bool has_pair(const std::vector<std::string>& args, const std::string& option, const std::string& value) {
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == option && args[i + 1] == value) return true;
  }
  return false;
}

// A job runs the same scenarios with the run's options, isolated, as its own shard and folder.
TEST(Jobs, AJobIsAnIsolatedShardOfTheSameRun) {
  dubctl::RunOptions o;
  o.scenario_args = {"scenarios/"};
  o.repeat = 2;
  o.strict = true;
  o.cleanup = dubctl::Cleanup::Always;
  o.env = {{"ASR_MODEL", "tiny.en"}};
  o.vars = {{"LANG", "es"}};
  o.secrets = {"API_KEY"};
  o.durations = {"last/report.json"};
  const auto args = dubctl::job_arguments(o, 2, 3, "out/job-2");
  EXPECT_EQ(args[0], "run");
  EXPECT_EQ(args[1], "scenarios/");
  EXPECT_TRUE(has_pair(args, "--repeat", "2"));
  EXPECT_TRUE(has_pair(args, "--cleanup", "always"));
  EXPECT_TRUE(has_pair(args, "--env", "ASR_MODEL=tiny.en"));
  EXPECT_TRUE(has_pair(args, "--var", "LANG=es"));
  EXPECT_TRUE(has_pair(args, "--secret", "API_KEY"));
  EXPECT_TRUE(has_pair(args, "--durations", "last/report.json"));
  EXPECT_TRUE(has_pair(args, "--shard", "2/3"));
  EXPECT_TRUE(has_pair(args, "--artifacts", "out/job-2"));
  EXPECT_NE(std::find(args.begin(), args.end(), "--strict"), args.end());
  EXPECT_NE(std::find(args.begin(), args.end(), "--isolate"), args.end());
  EXPECT_EQ(std::find(args.begin(), args.end(), "--jobs"), args.end());  // a job does not fork again
}

TEST(Jobs, TheScenarioAJobRunsIsTheLastStarted) {
  EXPECT_EQ(dubctl::current_scenario("compose: x\n"), "");
  EXPECT_EQ(dubctl::current_scenario("compose: x\n\n> a — first\n  ok up\n\n> b-2 — second\n  ok up\n"), "b-2");
}

// End to end through the binary (no Docker: the scenarios are skipped for a missing fixture or fail
// without a stack): two jobs, each a part, the reports merged into the artifacts folder.
TEST(Jobs, TheBinaryRunsTwoJobsAndMergesTheirReports) {
  dub::test::TempProject project("jobs-run");
  for (const char* name : {"a", "b", "c", "d"}) {
    project.write(fmt::format("scenarios/{}.yaml", name),
                  fmt::format("name: {}\ndescription: d\nsteps:\n  - publish: {{fixture: not-there.mp4}}\n", name));
  }
  const auto r = project.run("scenarios/ --jobs 2");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(r.out.ends_with("0 passed, 0 failed, 4 skipped\n")) << r.out;
  EXPECT_NE(r.err.find("job 1/2: ended (exit 0)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("job 2/2: ended (exit 0)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("2 jobs: "), std::string::npos) << r.err;
  EXPECT_NE(r.junit.find(R"(<testsuites tests="4" failures="0" skipped="4")"), std::string::npos) << r.junit;
  EXPECT_NE(r.junit.find(R"(<property name="shard" value="2/2"/>)"), std::string::npos) << r.junit;
  EXPECT_NE(r.html.find("dubctl merge"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(project.out() / "job-1" / "output.log"));
}

}  // namespace

namespace {

// --isolate through the binary: a port the environment sets is kept (and not turned into an empty
// --env value), the others are free ones, and junit.xml names the run.
TEST(Isolate, APortTheEnvironmentSetsIsKeptTheOthersAreFree) {
  dub::test::TempProject project("isolate-run");
  project.write("scenarios/a.yaml", "name: a\ndescription: d\nsteps:\n  - publish: {fixture: not-there.mp4}\n");
  const auto r =
      project.run("scenarios/ --isolate", dub::test::Streams::separate, "MEDIA_SERVICE_PORT=18080 DUBCTL_RUN_ID=t-1");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("isolated run t-1: projects dubmedia-t-1 and dubsts-t-1, host ports MEDIA_SERVICE_PORT=18080 "),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("=,"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("= "), std::string::npos) << r.err;  // no port left empty
  EXPECT_NE(r.junit.find(R"(<property name="run_id" value="t-1"/>)"), std::string::npos) << r.junit;
}

}  // namespace
