// `duration_s: input` end to end through the dubctl binary, without Docker: a publish step writes
// the 6 s fixture into a file (as it would to MediaMTX), whole or cut after 3 s, and the verify step
// holds a media file to what that publish sent: the copy passes, and after a cut publish the whole
// fixture fails with both figures, so the cut lowered the expectation.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

struct Result {
  int status = -1;
  std::string out;  // standard output and error
  std::string junit;
};

class RunInputDuration : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("dub-run-input-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    for (const char* dir : {"compose/media", "scenarios", "fixtures/test_streams"}) fs::create_directories(root_ / dir);
    fs::copy_file(fs::path(DUB_SOURCE_DIR) / "fixtures/test_streams/6s-hello-world.mp4",
                  root_ / "fixtures/test_streams/6s-hello-world.mp4");
  }
  void TearDown() override { fs::remove_all(root_); }

  void scenario(const std::string& steps) const {
    std::ofstream(root_ / "scenarios/input.yaml") << "name: input\ndescription: held to what was published\nsteps:\n"
                                                  << steps;
  }

  // `dubctl run scenarios/input.yaml` in the temporary project, with no docker on the PATH.
  [[nodiscard]] Result run() const {
    const auto artifacts = root_ / "out";
    const auto command = "cd " + root_.string() +
                         " && /usr/bin/env -i PATH=/nonexistent DUBCTL_ROOT=" + root_.string() + " " + DUBCTL_BINARY +
                         " run scenarios/input.yaml --artifacts " + artifacts.string() + " --cleanup never 2>&1";
    Result r;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return r;
    std::array<char, 4096> buffer{};
    while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) r.out += buffer.data();
    const int raw = ::pclose(pipe);
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    std::ifstream in(artifacts / "junit.xml");
    std::stringstream ss;
    ss << in.rdbuf();
    r.junit = ss.str();
    return r;
  }

  fs::path root_;
};

TEST_F(RunInputDuration, TheCopyOfWhatWasPublishedHasTheInputsLength) {
  scenario(
      "  - publish: {fixture: 6s-hello-world.mp4, to: sent.mp4, realtime: false, background: false}\n"
      "  - verify: {media: sent.mp4, expect: {duration_s: input, duration_tolerance_s: 0.1}}\n");
  const auto r = run();
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.junit.find(R"(name="input_duration_s" value="6.)"), std::string::npos) << r.junit;
}

TEST_F(RunInputDuration, ACutPublishLowersTheExpectation) {
  scenario(
      "  - publish: {fixture: 6s-hello-world.mp4, to: cut.mp4, stop_after: 3s, realtime: false, background: false}\n"
      "  - verify: {media: cut.mp4, expect: {duration_s: input, duration_tolerance_s: 0.1}}\n"
      "  - verify: {media: fixtures/test_streams/6s-hello-world.mp4, expect: {duration_s: input}}\n");
  const auto r = run();
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("duration: expected the input's 3.0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" s ± 0.500 (6s-hello-world.mp4 as published, cut after 3 s), found 6.0"), std::string::npos)
      << r.out;
  // The first verify passed: the cut copy is as long as what was sent.
  EXPECT_EQ(r.junit.find("cut.mp4 does not match"), std::string::npos) << r.junit;
}

}  // namespace
