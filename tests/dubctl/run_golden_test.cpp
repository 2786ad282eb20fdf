// `golden:` end to end through the dubctl binary, without Docker: `dubctl probe --write-golden`
// writes a descriptor of the 6 s fixture, a scenario of one `verify: {media: ..., golden: ...}` step
// passes against it, fails naming each field a wrong golden has (expected, got, tolerance), and
// `dubctl run --update-golden` rewrites the file keeping its tolerances, after which it passes again.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "run_fixture.hpp"

namespace {

namespace fs = std::filesystem;
using dub::test::DubctlRun;
using dub::test::Streams;

class RunGolden : public ::testing::Test {
 protected:
  void SetUp() override {
    project_.copy_fixture("6s-hello-world.mp4");
    project_.write(
        "scenarios/golden.yaml",
        "name: golden\ndescription: the fixture against its golden descriptor\n"
        "steps:\n  - verify: {media: fixtures/test_streams/6s-hello-world.mp4, golden: golden/hello.yaml}\n");
  }

  [[nodiscard]] std::string golden() const { return project_.read("golden/hello.yaml"); }
  void replace(const std::string& from, const std::string& to) const {
    auto text = golden();
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from << " not in\n" << text;
    project_.write("golden/hello.yaml", text.replace(at, from.size(), to));
  }

  // `dubctl <args>` in the temporary project; `out` holds its standard output and error.
  [[nodiscard]] DubctlRun dubctl(const std::string& args) const { return project_.dubctl(args, Streams::merged); }
  [[nodiscard]] DubctlRun run(const std::string& extra = "") const {
    return project_.run("scenarios/golden.yaml " + extra, Streams::merged);
  }

  dub::test::TempProject project_{"run-golden"};
  const fs::path root_ = project_.root();
};

TEST_F(RunGolden, WrittenGoldenPassesAWrongOneFailsNamingEachField) {
  auto r = dubctl("probe fixtures/test_streams/6s-hello-world.mp4 --write-golden golden/hello.yaml");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(golden().find("    packets: {value: 150, tolerance: 13}\n"), std::string::npos) << golden();
  r = run();
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("matches golden golden/hello.yaml"), std::string::npos) << r.out;

  replace("height: 240", "height: 480");
  replace("sample_rate: 48000", "sample_rate: 44100");
  replace("packets: {value: 283, tolerance: 24}", "packets: {value: 320, tolerance: 24}");
  r = run();
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("6s-hello-world.mp4 does not match (golden golden/hello.yaml)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("golden streams[0].height (video): expected 480, got 240 (exact)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("golden streams[1].sample_rate (audio): expected 44100, got 48000 (exact)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("golden streams[1].packets (audio): expected 320 ± 24, got 283, off by -37"), std::string::npos)
      << r.out;
}

TEST_F(RunGolden, UpdateGoldenRewritesKeepingTolerances) {
  ASSERT_EQ(dubctl("probe fixtures/test_streams/6s-hello-world.mp4 --write-golden golden/hello.yaml").status, 0);
  replace("packets: {value: 150, tolerance: 13}", "packets: {value: 140, tolerance: 3}");
  auto r = run("--update-golden");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("golden golden/hello.yaml rewritten: streams[0].packets (video): 140 -> 150"), std::string::npos)
      << r.out;
  EXPECT_NE(golden().find("    packets: {value: 150, tolerance: 3}\n"), std::string::npos) << golden();
  r = run();
  EXPECT_EQ(r.status, 0) << r.out;
}

// A recording that fails the step's other checks must not become the reference.
TEST_F(RunGolden, UpdateGoldenLeavesTheFileWhenOtherChecksFail) {
  ASSERT_EQ(dubctl("probe fixtures/test_streams/6s-hello-world.mp4 --write-golden golden/hello.yaml").status, 0);
  replace("packets: {value: 150, tolerance: 13}", "packets: {value: 140, tolerance: 3}");
  const auto before = golden();
  std::ofstream(root_ / "scenarios/golden.yaml")
      << "name: golden\ndescription: a wrong codec and a golden\n"
         "steps:\n  - verify: {media: fixtures/test_streams/6s-hello-world.mp4, golden: golden/hello.yaml,\n"
         "              expect: {audio_codec: mp3}}\n";
  const auto r = run("--update-golden");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("audio codec: expected mp3, found aac"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("golden golden/hello.yaml not updated (--update-golden): the media failed the checks above"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(golden(), before);
}

// Packet counts of a live stream never end: a golden on a URL is refused before anything is read.
TEST_F(RunGolden, GoldenOnALiveUrlIsRefused) {
  std::ofstream(root_ / "scenarios/golden.yaml")
      << "name: golden\ndescription: a golden on a live stream\n"
         "steps:\n  - verify: {media: rtsp://127.0.0.1:1/live/x, golden: golden/hello.yaml}\n";
  const auto r = run();
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("golden: rtsp://127.0.0.1:1/live/x is a live stream"), std::string::npos) << r.out;
}

TEST_F(RunGolden, MissingGoldenFailsSayingHowToWriteIt) {
  const auto r = run();
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("golden file " + (root_ / "golden/hello.yaml").string() + " not found"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("--update-golden"), std::string::npos) << r.out;
}

TEST_F(RunGolden, ProbeWritesTheGoldenToStandardOutput) {
  const auto r = dubctl("probe fixtures/test_streams/6s-hello-world.mp4 --write-golden -");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("container: mov,mp4,m4a,3gp,3g2,mj2\nduration: {value: 6, tolerance: 0.5}\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  - type: audio\n    codec: aac\n    profile: LC\n"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(root_ / "-"));
}

}  // namespace
