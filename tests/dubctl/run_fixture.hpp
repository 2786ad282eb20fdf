#pragma once
// Shared by the tests that run dubctl end to end without Docker (run_*_test.cpp): a temporary project
// per test (its root is what DUBCTL_ROOT names), the dubctl binary run in it with an environment
// holding nothing but a PATH without docker (nothing can start a container) and without Chromium
// (no screenshot: fast), and what the run wrote read back.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>

namespace dub::test {

// The whole of `file`; "" when it cannot be read.
inline std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// What a run of the dubctl binary left: its exit status, its output, and the reports `dubctl run`
// wrote into the project's out/ ("" when not written).
struct DubctlRun {
  int status = -1;
  std::string out;  // standard output (and standard error, for Streams::merged)
  std::string err;  // standard error (Streams::separate)
  std::string junit;
  std::string html;
  std::string json;
};

enum class Streams { separate, merged };

// The folders a project gets unless told otherwise.
inline constexpr std::initializer_list<const char*> kProjectDirs = {"compose/media", "scenarios",
                                                                    "fixtures/test_streams"};

// A project under the temporary folder, named after `tag`, the process and the running test, with
// `dirs`; removed when it goes.
class TempProject {
 public:
  explicit TempProject(const std::string& tag, std::initializer_list<const char*> dirs = kProjectDirs)
      : root_(std::filesystem::temp_directory_path() /
              ("dub-" + tag + "-" + std::to_string(::getpid()) + "-" + test_name())) {
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
    for (const char* dir : dirs) std::filesystem::create_directories(root_ / dir);
  }
  ~TempProject() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  TempProject(const TempProject&) = delete;
  TempProject& operator=(const TempProject&) = delete;
  TempProject(TempProject&&) = delete;
  TempProject& operator=(TempProject&&) = delete;

  [[nodiscard]] const std::filesystem::path& root() const { return root_; }
  [[nodiscard]] std::filesystem::path out() const { return root_ / "out"; }  // --artifacts of run()

  void write(const std::string& relative, const std::string& text) const { std::ofstream(root_ / relative) << text; }
  [[nodiscard]] std::string read(const std::string& relative) const { return read_file(root_ / relative); }

  // Copies the project's fixtures/test_streams/`name` into this one.
  void copy_fixture(const std::string& name) const {
    const auto rel = std::filesystem::path("fixtures/test_streams") / name;
    std::filesystem::copy_file(std::filesystem::path(DUB_SOURCE_DIR) / rel, root_ / rel);
  }

  // `dubctl <args>` in the project with `env` ("NAME=value ...") beside PATH and DUBCTL_ROOT.
  [[nodiscard]] DubctlRun dubctl(const std::string& args, Streams streams = Streams::separate,
                                 const std::string& env = "") const {
    const auto err_file = root_ / "stderr.txt";
    const auto command =
        "cd " + root_.string() + " && /usr/bin/env -i PATH=/nonexistent DUBCTL_ROOT=" + root_.string() + " " + env +
        " " + DUBCTL_BINARY + " " + args + (streams == Streams::merged ? " 2>&1" : " 2>" + err_file.string());
    DubctlRun r;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return r;
    std::array<char, 4096> buffer{};
    while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) r.out += buffer.data();
    const int raw = ::pclose(pipe);
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    if (streams == Streams::separate) r.err = read_file(err_file);
    return r;
  }

  // `dubctl run <args> --artifacts out --cleanup never` (out/ emptied first), with its reports.
  [[nodiscard]] DubctlRun run(const std::string& args, Streams streams = Streams::separate,
                              const std::string& env = "") const {
    std::filesystem::remove_all(out());
    auto r = dubctl("run " + args + " --artifacts " + out().string() + " --cleanup never", streams, env);
    r.junit = read_file(out() / "junit.xml");
    r.html = read_file(out() / "report.html");
    r.json = read_file(out() / "report.json");
    return r;
  }

 private:
  static std::string test_name() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    return info != nullptr ? info->name() : "none";
  }

  std::filesystem::path root_;
};

}  // namespace dub::test
