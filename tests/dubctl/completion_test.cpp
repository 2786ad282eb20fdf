// `dubctl completion bash|zsh`: the scripts are generated from the command line dubctl really
// parses (register_commands), bash accepts the bash one, and completing in a real bash gives the
// subcommands, their options, stack names and scenario files. Also: every command's --help ends
// with examples, and `dubctl validate` prints every problem and the count.
#include <gtest/gtest.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "commands.hpp"
#include "completion.hpp"
#include "dub/util/error.hpp"

namespace {

namespace fs = std::filesystem;

class Completion : public ::testing::Test {
 protected:
  void SetUp() override {
    dubctl::register_commands(app_);
    dir_ = fs::temp_directory_path() / ("dub-completion-" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "suite");
    for (const char* name : {"one.yaml", "two.yml", "notes.txt"}) std::ofstream(dir_ / name) << "x\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }

  // Runs `command`, returns its stdout; `status` gets its exit status.
  static std::string run(const std::string& command, int& status) {
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return out;
    std::array<char, 4096> buffer{};
    while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) out += buffer.data();
    status = ::pclose(pipe);
    return out;
  }

  CLI::App app_{"dubctl under test", "dubctl"};
  fs::path dir_;
};

TEST_F(Completion, BashAcceptsTheBashScript) {
  const auto script = write("dubctl.bash", dubctl::completion_script(app_, "bash"));
  int status = -1;
  const auto out = run("bash -n " + script.string() + " 2>&1", status);
  EXPECT_EQ(status, 0) << out;
}

TEST_F(Completion, BashCompletesCommandsOptionsStacksAndScenarioFiles) {
  const auto script = write("dubctl.bash", dubctl::completion_script(app_, "bash"));
  // Each line: what _dubctl offers for the words given (the last one is being completed), sorted.
  const auto driver = write("driver.sh", R"(set -u
source ./dubctl.bash
offer() {
  COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
  _dubctl
  printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd ' ' -
}
offer dubctl va
offer dubctl up ''
offer dubctl run --ju
offer dubctl validate ''
offer dubctl run --junit x.xml --keep-up s
offer dubctl completion ''
offer dubctl run --repeat ''
complete -p dubctl
)");
  int status = -1;
  const auto out = run("cd " + dir_.string() + " && bash " + driver.string() + " 2>&1", status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(out,
            "validate\n"
            "all media sts\n"
            "--junit\n"
            "one.yaml suite two.yml\n"
            "suite\n"
            "bash zsh\n"
            "\n"
            "complete -o filenames -F _dubctl dubctl\n")
      << "for script:\n"
      << dubctl::completion_script(app_, "bash");
}

TEST_F(Completion, ZshScriptDescribesEveryCommandAndItsOptions) {
  const auto script = dubctl::completion_script(app_, "zsh");
  EXPECT_EQ(script.rfind("#compdef dubctl\n", 0), 0U);
  for (const auto* sub : app_.get_subcommands([](const CLI::App*) { return true; })) {
    EXPECT_NE(script.find("    '" + sub->get_name() + ":"), std::string::npos) << sub->get_name();
    EXPECT_NE(script.find("        " + sub->get_name() + ")\n"), std::string::npos) << sub->get_name();
  }
  EXPECT_NE(script.find("'*--env=[KEY=VALUE for every stack"), std::string::npos);  // repeatable, takes a value
  // --report-junit and its old name --junit: either, not both.
  EXPECT_NE(script.find("'(--report-junit --junit)--junit=[JUnit XML file (default\\: <artifacts>/junit.xml)]"
                        ":value:_files'"),
            std::string::npos);
  EXPECT_NE(script.find("'1:stack:(media sts all)'"), std::string::npos);
  EXPECT_NE(script.find("'*:scenarios:_files -g \"*.(yaml|yml)\"'"), std::string::npos);
  EXPECT_NE(script.find("'(--keep-up)--keep-up[Leave the stacks running"), std::string::npos);  // a flag
  EXPECT_NE(script.find("compdef _dubctl dubctl"), std::string::npos);
}

TEST_F(Completion, OnlyBashAndZsh) {
  EXPECT_THROW(dubctl::completion_script(app_, "fish"), dub::Error);
}

TEST_F(Completion, EveryCommandsHelpEndsWithExamples) {
  for (const auto* sub : app_.get_subcommands([](const CLI::App*) { return true; })) {
    const auto help = sub->help();
    const auto examples = help.find("Examples:\n  ");
    ASSERT_NE(examples, std::string::npos) << sub->get_name() << ":\n" << help;
    EXPECT_NE(help.find("dubctl " + sub->get_name(), examples), std::string::npos) << sub->get_name() << ":\n" << help;
  }
}

TEST_F(Completion, ValidatePrintsEveryProblemThenTheCount) {
  const auto bad = write("bad.yaml", R"(name: bad
description: two misspellings
stacks: {media: {}}
steps:
  - up: media
  - publsh: {fixture: 30s-english-speech.mp4}
  - down: {stacks: media, timout: 1m}
)");
  const auto good = write("good.yaml", "name: good\ndescription: d\nstacks: {media: {}}\nsteps:\n  - up: media\n");
  ::setenv("DUBCTL_ROOT", DUB_SOURCE_DIR, 1);
  app_.parse("validate " + bad.string() + " " + good.string(), false);
  ::testing::internal::CaptureStdout();
  const int status = dubctl::run_selected(app_);
  const auto out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(status, 2);
  EXPECT_EQ(out, "invalid " + bad.string() + " (2 problems)\n" + bad.string() +
                     ":6: steps[1]: unknown step 'publsh'; did you mean publish? (known: up, down, publish, record, "
                     "monitor, wait, verify, sts, fault)\n" +
                     bad.string() + ":7: steps[2].down.timout: unknown key (known here: stacks)\n" + "ok      " +
                     good.string() + " (1 step)\n" + "2 problems in 1 of 2 scenario files\n");
}

}  // namespace
