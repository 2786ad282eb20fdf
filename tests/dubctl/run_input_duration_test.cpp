// `duration_s: input` end to end through the dubctl binary, without Docker: a publish step writes
// the 6 s fixture into a file (as it would to MediaMTX), whole or cut after 3 s, and the verify step
// holds a media file to what that publish sent: the copy passes, and after a cut publish the whole
// fixture fails with both figures, so the cut lowered the expectation.
#include <gtest/gtest.h>

#include <string>

#include "run_fixture.hpp"

namespace {

class RunInputDuration : public ::testing::Test {
 protected:
  void SetUp() override { project_.copy_fixture("6s-hello-world.mp4"); }

  void scenario(const std::string& steps) const {
    project_.write("scenarios/input.yaml", "name: input\ndescription: held to what was published\nsteps:\n" + steps);
  }

  // `dubctl run scenarios/input.yaml` in the temporary project; `out` holds its standard output and error.
  [[nodiscard]] dub::test::DubctlRun run() const {
    return project_.run("scenarios/input.yaml", dub::test::Streams::merged);
  }

  dub::test::TempProject project_{"run-input"};
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
