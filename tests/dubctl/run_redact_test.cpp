// End to end through the dubctl binary, without Docker: a failing scenario whose URL holds two
// secrets (one named under `secrets:`, one by --secret) shows *** for them in the terminal,
// junit.xml and report.html, and neither value anywhere.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(RunRedact, SecretsNeverReachTerminalJunitOrReport) {
  const auto root = fs::temp_directory_path() / ("dub-run-redact-" + std::to_string(::getpid()));
  fs::remove_all(root);
  for (const char* dir : {"compose/media", "scenarios", "fixtures/test_streams"}) fs::create_directories(root / dir);
  std::ofstream(root / "scenarios/leak.yaml")
      << "name: leak\ndescription: a wait whose URL holds secrets\nsecrets: [API_KEY]\n"
         "steps:\n  - wait: {http: \"http://127.0.0.1:9/k/${API_KEY}/o/${OTHER}/t/${SOME_TOKEN}/v/${VAR_PASSWORD}\", "
         "status: 200, timeout: 1s}\n";
  const auto out = root / "out";
  const auto command = "cd " + root.string() + " && /usr/bin/env -i PATH=/nonexistent DUBCTL_ROOT=" + root.string() +
                       " SOME_TOKEN=tok-from-environment " + DUBCTL_BINARY +
                       " run scenarios/leak.yaml --env API_KEY=key-0123456789 --env OTHER=other-98765 --secret OTHER "
                       "--var VAR_PASSWORD=pw-from-var-4242"
                       " --artifacts " +
                       out.string() + " --cleanup never >/dev/null 2>" + (root / "stderr.txt").string();
  const int raw = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(raw));
  EXPECT_EQ(WEXITSTATUS(raw), 1);
  const auto err = read(root / "stderr.txt");
  const auto junit = read(out / "junit.xml");
  const auto html = read(out / "report.html");
  EXPECT_NE(err.find("/k/***/o/***/t/***/v/***"), std::string::npos) << err;  // the failure line, masked
  EXPECT_NE(junit.find("/k/***/o/***/t/***/v/***"), std::string::npos) << junit;
  EXPECT_NE(html.find("/k/***/o/***/t/***/v/***"), std::string::npos);
  for (const std::string value : {"key-0123456789", "other-98765", "tok-from-environment", "pw-from-var-4242"}) {
    EXPECT_EQ(err.find(value), std::string::npos) << err;
    EXPECT_EQ(junit.find(value), std::string::npos) << junit;
    EXPECT_EQ(html.find(value), std::string::npos) << value;
  }
  fs::remove_all(root);
}

}  // namespace
