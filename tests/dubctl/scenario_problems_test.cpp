// `dubctl validate` reports every problem of a scenario file at once, each as file:line: key:
// problem, and suggests the nearest known name for a misspelt step kind, key or stack.
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "scenario.hpp"
#include "suggest.hpp"

namespace {

namespace fs = std::filesystem;
using dubctl::parse_scenario;
using dubctl::ScenarioError;

// The problems parse_scenario finds in `yaml` (none: it parsed).
std::vector<std::string> problems_of(const std::string& yaml) {
  try {
    parse_scenario(yaml, "scenarios/x.yaml");
  } catch (const ScenarioError& e) {
    return e.problems();
  }
  return {};
}

TEST(NearestName, SuggestsWithinTwoEdits) {
  const std::vector<std::string> verbs = {"up", "down", "publish", "record", "wait", "verify", "sts", "fault"};
  EXPECT_EQ(dubctl::nearest_name("publsh", verbs), "publish");  // a letter missing
  EXPECT_EQ(dubctl::nearest_name("verfiy", verbs), "verify");   // two neighbours swapped: one edit
  EXPECT_EQ(dubctl::nearest_name("recrod", verbs), "record");
  EXPECT_EQ(dubctl::nearest_name("timout", {"timeout", "stacks"}), "timeout");
  EXPECT_EQ(dubctl::nearest_name("publishh", verbs), "publish");
  EXPECT_EQ(dubctl::nearest_name("stream", verbs), std::nullopt);     // nothing near
  EXPECT_EQ(dubctl::nearest_name("publish", verbs), std::nullopt);    // known: nothing to suggest
  EXPECT_EQ(dubctl::nearest_name("at", {"to", "up"}), std::nullopt);  // 2 edits in 2 letters is not a typo
}

TEST(EditDistance, CountsInsertDeleteSubstituteAndSwap) {
  EXPECT_EQ(dubctl::edit_distance("", "abc"), 3U);
  EXPECT_EQ(dubctl::edit_distance("timeout", "timeout"), 0U);
  EXPECT_EQ(dubctl::edit_distance("timout", "timeout"), 1U);
  EXPECT_EQ(dubctl::edit_distance("tiemout", "timeout"), 1U);
  EXPECT_EQ(dubctl::edit_distance("kitten", "sitting"), 3U);
}

TEST(ScenarioProblems, ThreeMisspellingsGiveThreeProblemsWithLinesAndSuggestions) {
  const auto problems = problems_of(R"(name: typos
description: three misspellings in one file
stacks: {media: {}}
steps:
  - up: media
  - publsh: {fixture: 30s-english-speech.mp4}
  - wait: {http: "${media.api}/health", timout: 30s}
  - verify:
      media: out.mp4
      expect: {streams: 2, audio_codc: aac}
)");
  ASSERT_EQ(problems.size(), 3U) << ::testing::PrintToString(problems);
  EXPECT_EQ(problems[0].rfind("scenarios/x.yaml:6: steps[1]: unknown step 'publsh'; did you mean publish?", 0), 0U)
      << problems[0];
  EXPECT_EQ(problems[1].rfind("scenarios/x.yaml:7: steps[2].wait.timout: unknown key; did you mean timeout?", 0), 0U)
      << problems[1];
  EXPECT_EQ(problems[2].rfind(
                "scenarios/x.yaml:10: steps[3].verify.expect.audio_codc: unknown key; did you mean audio_codec?", 0),
            0U)
      << problems[2];
}

TEST(ScenarioProblems, GoesOnAfterABadValueInTheSameStep) {
  const auto problems = problems_of(R"(name: values
description: d
stacks: {media: {}}
steps:
  - wait: {http: "http://x", status: lots, timeout: soon, body_contain: ok}
)");
  ASSERT_EQ(problems.size(), 3U) << ::testing::PrintToString(problems);
  EXPECT_NE(problems[0].find("steps[0].wait.status: 'lots' is not a whole number"), std::string::npos) << problems[0];
  EXPECT_NE(problems[1].find("steps[0].wait.timeout: 'soon' is not a duration"), std::string::npos) << problems[1];
  EXPECT_NE(problems[2].find("steps[0].wait.body_contain: unknown key; did you mean body_contains?"), std::string::npos)
      << problems[2];
  for (const auto& p : problems) EXPECT_EQ(p.rfind("scenarios/x.yaml:5: ", 0), 0U) << p;
}

TEST(ScenarioProblems, AStepThatCannotBeReadDoesNotHideTheNextOnes) {
  const auto problems = problems_of(R"(name: BadName
description: d
timeout: 10 minutes
stacks: {media: {}, meida: {}}
steps:
  - wait: [not, a, mapping]
  - down: {stacks: media, timout: 1m}
  - fault: {stack: media, service: media-servce, action: kil}
)");
  ASSERT_EQ(problems.size(), 7U) << ::testing::PrintToString(problems);
  EXPECT_NE(problems[0].find("x.yaml:1: name: use lower-case letters"), std::string::npos) << problems[0];
  EXPECT_NE(problems[1].find("x.yaml:3: timeout: '10 minutes' is not a duration"), std::string::npos) << problems[1];
  EXPECT_NE(problems[2].find("x.yaml:4: stacks.meida: unknown stack; did you mean media?"), std::string::npos)
      << problems[2];
  EXPECT_NE(problems[3].find("x.yaml:6: steps[0].wait: must be a mapping"), std::string::npos) << problems[3];
  EXPECT_NE(problems[4].find("x.yaml:7: steps[1].down.timout: unknown key"), std::string::npos) << problems[4];
  EXPECT_NE(problems[5].find("x.yaml:8: steps[2].fault.service: the media stack has no service 'media-servce'; "
                             "did you mean media-service?"),
            std::string::npos)
      << problems[5];
  EXPECT_NE(problems[6].find("x.yaml:8: steps[2].fault.action: unknown action 'kil'; did you mean kill?"),
            std::string::npos)
      << problems[6];
}

TEST(ScenarioProblems, AMisspeltRequiredKeyIsOneProblem) {
  const auto problems = problems_of(R"(name: a
description: d
stacks: {media: {}}
steps:
  - publish: {fixtrue: 30s-english-speech.mp4}
)");
  ASSERT_EQ(problems.size(), 1U) << ::testing::PrintToString(problems);
  EXPECT_NE(problems[0].find("x.yaml:5: steps[0].publish.fixtrue: unknown key; did you mean fixture? "
                             "(fixture is required)"),
            std::string::npos)
      << problems[0];
}

TEST(ScenarioProblems, AMissingRequiredKeyIsReportedOnce) {
  const auto problems = problems_of(R"(name: a
description: d
stacks: {media: {}}
steps:
  - fault: {service: mediamtx, action: kill}
)");
  ASSERT_EQ(problems.size(), 1U) << ::testing::PrintToString(problems);
  EXPECT_NE(problems[0].find("x.yaml:5: steps[0].fault.stack: is required"), std::string::npos) << problems[0];
}

TEST(ScenarioProblems, AMisspeltKindOfWaitIsNamed) {
  const auto problems = problems_of(R"(name: a
description: d
steps:
  - wait: {htp: "http://x"}
)");
  ASSERT_EQ(problems.size(), 1U) << ::testing::PrintToString(problems);
  EXPECT_NE(problems[0].find("x.yaml:4: steps[0].wait.htp: unknown key; did you mean http?"), std::string::npos)
      << problems[0];
}

TEST(ScenarioProblems, OneProblemReadsAsBefore) {
  try {
    parse_scenario("name: a\ndescription: d\nstacks: {media: {}}\nsteps:\n  - down: {stacks: media, timout: 1m}\n",
                   "scenarios/x.yaml");
    FAIL() << "accepted";
  } catch (const ScenarioError& e) {
    ASSERT_EQ(e.problems().size(), 1U);
    EXPECT_EQ(std::string(e.what()), e.problems().front());
    EXPECT_EQ(e.problems().front().rfind("scenarios/x.yaml:5: steps[0].down.timout: unknown key", 0), 0U) << e.what();
  }
}

TEST(ScenarioProblems, LoadScenariosListsTheProblemsOfEveryFile) {
  const auto dir = fs::temp_directory_path() / ("dub-problems-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto write = [&dir](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return dir / name;
  };
  const auto a = write("a.yaml", "name: a\ndescription: d\nsteps:\n  - publsh: {fixture: x.mp4}\n");
  const auto ok = write("ok.yaml", "name: ok\ndescription: d\nstacks: {media: {}}\nsteps:\n  - up: media\n");
  const auto b = write("b.yaml", "name: b\ndescripton: d\nsteps:\n  - up: media\n");
  try {
    dubctl::load_scenarios({a, ok, b});
    FAIL() << "accepted";
  } catch (const ScenarioError& e) {
    const auto& problems = e.problems();
    ASSERT_EQ(problems.size(), 3U) << e.what();
    EXPECT_EQ(problems[0].rfind(a.string() + ":4: steps[0]: unknown step 'publsh'", 0), 0U) << problems[0];
    EXPECT_EQ(problems[1].rfind(b.string() + ":2: descripton: unknown key; did you mean description?", 0), 0U)
        << problems[1];
    EXPECT_EQ(problems[2].rfind(b.string() + ":4: steps[0].up: names stack 'media', which is not declared", 0), 0U)
        << problems[2];
  }
  EXPECT_EQ(dubctl::load_scenarios({ok}).size(), 1U);
  fs::remove_all(dir);
}

}  // namespace
