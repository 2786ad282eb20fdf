#pragma once
// report.json: the whole run as one machine-readable document (docs/report.schema.json): the run's
// metadata and verdict, every scenario run with every step (kind, status, duration, message, what
// it measured) and the typed figures report.html shows (A/V drift, fingerprint similarity,
// durations, per-fragment round trips and stage timings, the judge's windows, loudness). It is built
// from the data the run already gathered (report.hpp): nothing is measured for it.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "report.hpp"
#include "verdict.hpp"

namespace dubctl {
class Redactor;  // redact.hpp
}  // namespace dubctl

namespace dubctl::report {

// The schema the document follows ("$schema"), and its version ("schema_version"): a change that
// removes or retypes a field raises the version.
inline constexpr std::string_view kJsonSchemaUri = "https://dubctl.invalid/report/v1/report.schema.json";
inline constexpr int kJsonSchemaVersion = 1;

// Where a run writes its three reports (dubctl run --report-junit, --report-html, --report-json).
struct ReportFiles {
  std::filesystem::path junit;
  std::filesystem::path html;
  std::filesystem::path json;
};

// What report.json says about the run itself (besides RunReport's scenarios).
struct RunMeta {
  std::string dubctl_version;
  std::string source_commit;  // the project checkout's git commit ("" when unknown)
  std::string hostname;
  std::string timestamp;  // ISO 8601 local time the run started, as JUnit's
  std::string compose;    // the compose tool that ran the stacks
  std::filesystem::path artifacts;
  ReportFiles files;
  Verdict verdict;
  bool interrupted = false;
};

// A measured value as a JSON value: a number when `text` is one whole finite decimal number (a leading
// '+' allowed; an integer when it has no fraction part), else the text. The one rule for it: report.json's
// step measurements and a step's result document (steps/result.cpp, what `vars:` read) both use it.
nlohmann::json measurement_value(const std::string& text);

// The document. Every string in it goes through `redactor` (a run's secrets become ***), measured
// values before they are read as numbers.
nlohmann::json report_json(const RunReport& run, const RunMeta& meta, const Redactor& redactor);

// The git commit checked out at `root` (git rev-parse HEAD), "" when git or the checkout is not there.
std::string source_commit(const std::filesystem::path& root);

// Writes report_json(...) to `file` (its folder made when missing); throws dub::Error naming the file.
void write_json(const std::filesystem::path& file, const RunReport& run, const RunMeta& meta, const Redactor& redactor);

}  // namespace dubctl::report
