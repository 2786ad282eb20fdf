#pragma once
// JUnit XML as CI systems read it: one <testsuite> per run, one <testcase> per scenario run,
// measured figures as <properties>, logs as <system-out>.
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dubctl {

struct TestCase {
  std::string name;
  std::string classname;
  double time_s = 0;
  bool skipped = false;
  std::string skip_reason;
  std::string failure;  // empty: passed
  std::vector<std::pair<std::string, std::string>> properties;
  std::string system_out;
};

std::string junit_xml(const std::string& suite, const std::vector<TestCase>& cases);
void write_junit(const std::filesystem::path& file, const std::string& suite, const std::vector<TestCase>& cases);
// Escapes text for XML and HTML alike (& < > " ' as entities); drops control characters but tab and newlines.
std::string xml_escape(std::string_view text);

}  // namespace dubctl
