#pragma once
// JUnit XML as CI systems read it: one <testsuite> per run (with its start time and host), one
// <testcase> per scenario run, measured figures as <properties>, the step log as <system-out> (with
// [[ATTACHMENT|path]] lines for the files saved on a failure). A failure's `message` attribute holds
// the reason itself: many CI views show only that attribute.
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dubctl {

class Redactor;  // redact.hpp

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

// What a <testsuite> says about the run itself (attributes left out when empty).
struct SuiteInfo {
  std::string name = "dubctl";
  std::string timestamp;  // ISO 8601 local time the run started, e.g. 2026-12-01T05:12:57
  std::string hostname;
  std::vector<std::pair<std::string, std::string>>
      properties;  // the run's own, e.g. {"compose", "docker compose 2.26.1 (v2)"}
};

// The one-line reason of a failure "<detail>:\n  - <problem>\n  - <problem>": "<detail>: <problem>;
// <problem>", at most 1000 characters.
std::string failure_message(const std::string& failure);

std::string junit_xml(const SuiteInfo& suite, const std::vector<TestCase>& cases);
// Writes junit_xml(suite, cases) to `file` with the run's secrets masked by `redactor` (redact.hpp).
void write_junit(const std::filesystem::path& file, const SuiteInfo& suite, const std::vector<TestCase>& cases,
                 const Redactor& redactor);
// The host's name (gethostname), "" when unknown.
std::string host_name();
// Escapes text for XML and HTML alike (& < > " ' as entities); drops control characters but tab and newlines.
std::string xml_escape(std::string_view text);

}  // namespace dubctl
