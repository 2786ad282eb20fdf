// End to end through the dubctl binary, without Docker: a failing scenario whose URL holds two
// secrets (one named under `secrets:`, one by --secret) shows *** for them in the terminal,
// junit.xml and report.html, and neither value anywhere.
#include <gtest/gtest.h>

#include <string>

#include "run_fixture.hpp"

namespace {

TEST(RunRedact, SecretsNeverReachTerminalJunitOrReport) {
  const dub::test::TempProject project("run-redact");
  project.write(
      "scenarios/leak.yaml",
      "name: leak\ndescription: a wait whose URL holds secrets\nsecrets: [API_KEY]\n"
      "steps:\n  - wait: {http: \"http://127.0.0.1:9/k/${API_KEY}/o/${OTHER}/t/${SOME_TOKEN}/v/${VAR_PASSWORD}\", "
      "status: 200, timeout: 1s}\n");
  const auto r = project.run(
      "scenarios/leak.yaml --env API_KEY=key-0123456789 --env OTHER=other-98765 --secret OTHER "
      "--var VAR_PASSWORD=pw-from-var-4242",
      dub::test::Streams::separate, "SOME_TOKEN=tok-from-environment");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("/k/***/o/***/t/***/v/***"), std::string::npos) << r.err;  // the failure line, masked
  EXPECT_NE(r.junit.find("/k/***/o/***/t/***/v/***"), std::string::npos) << r.junit;
  EXPECT_NE(r.html.find("/k/***/o/***/t/***/v/***"), std::string::npos);
  for (const std::string value : {"key-0123456789", "other-98765", "tok-from-environment", "pw-from-var-4242"}) {
    EXPECT_EQ(r.err.find(value), std::string::npos) << r.err;
    EXPECT_EQ(r.junit.find(value), std::string::npos) << r.junit;
    EXPECT_EQ(r.html.find(value), std::string::npos) << value;
  }
}

}  // namespace
