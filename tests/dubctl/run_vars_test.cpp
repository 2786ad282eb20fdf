// `dubctl run --var KEY=VALUE` / `--var-file FILE` (run_vars.hpp): scenario-only variables.
#include "run_vars.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "dub/util/error.hpp"
#include "run_fixture.hpp"

namespace {

namespace fs = std::filesystem;

class RunVars : public ::testing::Test {
 protected:
  void write(const std::string& text) const { project_.write("vars.yaml", text); }

  // The message run_vars() throws, or "" when it accepts.
  [[nodiscard]] std::string refusal(const std::vector<std::string>& pairs, const dubctl::EnvMap& env = {}) const {
    try {
      dubctl::run_vars(pairs, file_, env);
    } catch (const dub::Error& e) {
      return e.what();
    }
    return "";
  }
  dub::test::TempProject project_{"run-vars", {}};
  fs::path file_ = project_.root() / "vars.yaml";
};

TEST_F(RunVars, CommandLineWinsOverTheFile) {
  write("LANG: fr\nmedia.fixture: a.mp4\nCOUNT: 3\n");
  const auto vars = dubctl::run_vars({"LANG=de", "EMPTY=", "URL=http://x/?a=b"}, file_, {});
  EXPECT_EQ(vars.at("LANG"), "de");
  EXPECT_EQ(vars.at("media.fixture"), "a.mp4");
  EXPECT_EQ(vars.at("COUNT"), "3");
  EXPECT_EQ(vars.at("EMPTY"), "");
  EXPECT_EQ(vars.at("URL"), "http://x/?a=b");  // split at the first '='
  EXPECT_TRUE(dubctl::run_vars({}, {}, {}).empty());
}

TEST_F(RunVars, MalformedIsRefusedNamingIt) {
  write("");
  EXPECT_NE(refusal({"LANG"}).find("--var 'LANG' is not KEY=VALUE"), std::string::npos);
  EXPECT_NE(refusal({"=fr"}).find("--var '=fr' is not KEY=VALUE"), std::string::npos);
  EXPECT_NE(refusal({"1X=2"}).find("'1X' is not a variable name"), std::string::npos);
  write("- a\n- b\n");
  EXPECT_NE(refusal({}).find("must be a mapping of KEY: value"), std::string::npos) << refusal({});
  write("A: 1\nB: [1, 2]\n");
  EXPECT_NE(refusal({}).find(":2: B: must be a single value"), std::string::npos) << refusal({});
  write("A: [unclosed\n");
  EXPECT_NE(refusal({}).find("--var-file " + file_.string()), std::string::npos) << refusal({});
}

TEST_F(RunVars, ANameAlsoGivenWithEnvIsRefused) {
  write("PORT: 1\n");
  const auto msg = refusal({}, {{"PORT", "2"}});
  EXPECT_NE(msg.find("PORT is given both with --env"), std::string::npos) << msg;
  EXPECT_EQ(refusal({"OTHER=1"}, {{"X", "2"}}), "");
}

}  // namespace
