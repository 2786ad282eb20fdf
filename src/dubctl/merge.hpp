#pragma once
// `dubctl merge`: the reports of several runs (the shards of one suite, `run --shard I/N`, or runs side
// by side) combined into one junit.xml, report.json and report.html, as if one run had run them all.
// Nothing is copied: the merged page's and report.json's links lead into each run's own folder.
#include <filesystem>
#include <string>
#include <vector>

namespace dubctl {

// One <testsuites> holding every run's <testsuite> as it wrote it (properties such as shard and
// compose kept), the totals summed. `junit_texts` are junit.xml files dubctl wrote. Throws dub::Error
// when one holds no <testsuite>.
std::string merge_junit(const std::vector<std::string>& junit_texts);

// `html` (a report.html dubctl wrote) with every relative link (href, src) led through `prefix`
// ("../shard-1/"): links to anchors, absolute paths and URLs are kept.
std::string relink_html(const std::string& html, const std::string& prefix);

struct MergeResult {
  long passed = 0;
  long failed = 0;
  long skipped = 0;
  double scenario_time_s = 0;  // the scenarios' own times, summed
  int exit_code = 0;           // as `dubctl run` would exit (verdict.hpp): 1 below the first run's --min-pass-rate
  [[nodiscard]] std::string closing_line() const;
};

// Merges the runs whose artifacts folders are `runs` (each with junit.xml, report.json, report.html)
// into `out`: junit.xml, report.json (docs/report.schema.json: the scenarios of every run in the order
// given, the summary recounted, the run's wall time the longest) and report.html (every run's summary
// rows and scenario sections on one page). Throws dub::Error naming the folder and file that is
// missing or not dubctl's.
MergeResult merge_runs(const std::vector<std::filesystem::path>& runs, const std::filesystem::path& out);

}  // namespace dubctl
