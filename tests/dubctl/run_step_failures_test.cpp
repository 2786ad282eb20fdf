// End to end through the dubctl binary, without Docker (a stand-in docker-compose, the only compose
// tool on PATH, prints the log lines): `vars:` on `wait: {log}` read the whole matching line, not the shortened line
// the terminal shows; a secret a step captures is masked even when a later var of the same step fails quoting it; and
// what a step or a capture throws that is not dub's own error (here the JSON library on invalid UTF-8) fails that step,
// named, while the run goes on and writes its reports.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <utility>

#include "run_fixture.hpp"

namespace {

namespace fs = std::filesystem;

class RunStepFailures : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(project_.root() / "bin");
    // docker-compose v1 as dubctl calls it: `logs` prints logs.txt, each line stamped now.
    const auto compose = project_.root() / "bin" / "docker-compose";
    project_.write("bin/docker-compose",
                   "#!/bin/sh\ncase \" $* \" in\n  *\" logs \"*)\n    now=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)\n"
                   "    while IFS= read -r l; do printf 'media-service-1  | %s %s\\n' \"$now\" \"$l\"; done < " +
                       (project_.root() / "logs.txt").string() + " ;;\n  *\" version \"*) echo 1.29.2 ;;\nesac\n");
    fs::permissions(compose, fs::perms::owner_all);
    fs::create_symlink("/usr/bin/date", project_.root() / "bin" / "date");  // its one other command
  }

  // Writes scenarios/<name>.yaml (the media stack declared) with `steps`.
  void scenario(const std::string& name, const std::string& steps) {
    project_.write("scenarios/" + name + ".yaml",
                   "name: " + name + "\ndescription: step failures\nstacks:\n  media: {}\nsteps:\n" + steps);
  }

  // Runs every scenario with `logs` as the media service's log.
  dub::test::DubctlRun run(const std::string& logs) {
    project_.write("logs.txt", logs);
    return project_.run("scenarios", dub::test::Streams::separate,
                        "PATH=" + (project_.root() / "bin").string() + " DUBCTL_COMPOSE=v1");
  }

  dub::test::TempProject project_{"run-step-failures"};
};

// The terminal shows a log line cut at 300 characters; `vars:` read it whole.
TEST_F(RunStepFailures, VarsOfALogWaitReadTheWholeLine) {
  scenario("long_line",
           "  - wait: {log: loaded, stack: media, service: media-service, timeout: 5s}\n"
           "    vars:\n"
           "      model: {from: $.line, regex: '\"model\":\"([^\"]+)\"'}\n"
           "      field: $.fields.model\n"
           "  - wait: {log: {fields: {msg: loaded}}, stack: media, service: media-service, timeout: 5s}\n"
           "    vars: {first: $.fields.model}\n");
  const auto r = run(R"({"msg":"loaded","pad":")" + std::string(400, 'x') + R"(","model":"base-v2"})" + "\n");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("vars: model=base-v2, field=base-v2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("vars: first=base-v2"), std::string::npos) << r.err;
}

// `api_token` is taken, then `level` fails quoting the line that holds it: masked all the same.
TEST_F(RunStepFailures, ASecretTakenBeforeAFailingVarIsMasked) {
  scenario("leak",
           "  - wait: {log: auth, stack: media, service: media-service, timeout: 5s}\n"
           "    vars:\n"
           "      api_token: {from: $.line, regex: 'token=(\\S+)'}\n"
           "      level: {from: $.line, regex: 'level=(\\d+)'}\n");
  const auto r = run("auth ok token=tok-9f8e7d6c5b4a level=info\n");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.junit.find("cannot capture ${level}: /level=(\\d+)/ does not match $.line: &#39;auth ok token=*** "
                         "level=info&#39;"),
            std::string::npos)
      << r.junit;
  const std::pair<const char*, const std::string*> written[] = {
      {"stderr", &r.err}, {"junit.xml", &r.junit}, {"report.json", &r.json}};
  for (const auto& [what, text] : written) {
    EXPECT_FALSE(text->empty()) << what;
    EXPECT_EQ(text->find("tok-9f8e7d6c5b4a"), std::string::npos) << what << ": " << *text;
  }
}

// The JSON library cannot write invalid UTF-8: a capture of it (a_bytes) and a step whose options
// hold it (b_field: describe() writes its fields) each fail their scenario, named; the run goes on
// (c_after passes) and writes its reports.
TEST_F(RunStepFailures, WhatALibraryThrowsFailsTheStepAndTheRunGoesOn) {
  const std::string wait = "  - wait: {log: bytes, stack: media, service: media-service, timeout: 5s}\n";
  scenario("a_bytes", wait + "    vars: {all: $}\n");
  scenario("b_field", wait +
                          "    vars: {raw: {from: $.line, regex: 'bytes (\\S+)'}}\n"
                          "  - wait: {log: {fields: {msg: '${raw}'}}, stack: media, timeout: 5s}\n");
  scenario("c_after", "  - wait: {log: good, stack: media, service: media-service, timeout: 5s}\n");
  const auto r = run("bytes \xff\xfe here\nall good\n");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.junit.find("scenarios/a_bytes.yaml:7: steps[0].vars.all: cannot capture ${all}: "), std::string::npos)
      << r.junit;
  EXPECT_NE(r.junit.find("invalid UTF-8"), std::string::npos) << r.junit;
  EXPECT_NE(r.junit.find("scenarios/b_field.yaml:8: step `wait for a log line with fields {&quot;msg&quot;:&quot;${"
                         "raw}&quot;} from media` failed unexpectedly: "),
            std::string::npos)
      << r.junit;
  EXPECT_NE(r.junit.find("tests=\"3\" failures=\"2\""), std::string::npos) << r.junit;  // c_after ran and passed
  EXPECT_NE(r.json.find("\"c_after\""), std::string::npos);
}

}  // namespace
