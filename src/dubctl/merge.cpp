#include "merge.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "dub/util/error.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  if (!in)
    throw dub::Error(fmt::format("merge: cannot read {}: is it the artifacts folder of a dubctl run?", file.string()));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const fs::path& file, const std::string& text) {
  std::ofstream out(file);
  if (!out || !(out << text)) throw dub::Error(fmt::format("merge: cannot write {}", file.string()));
}

// The text between the first `open` and the `close` after it (both excluded); "" when either is missing.
std::string between(const std::string& text, const std::string& open, const std::string& close) {
  const auto start = text.find(open);
  if (start == std::string::npos) return {};
  const auto end = text.find(close, start + open.size());
  return end == std::string::npos ? std::string() : text.substr(start + open.size(), end - start - open.size());
}

double attribute(const std::string& tag, const std::string& name) {
  const std::regex re(" " + name + "=\"([0-9.]+)\"");
  std::smatch m;
  return std::regex_search(tag, m, re) ? std::stod(m[1].str()) : 0.0;
}

// Every scenario section (<section class="scenario ...">...</section>) of a report page.
std::string scenario_sections(const std::string& html) {
  std::string out;
  std::size_t at = 0;
  while ((at = html.find("<section class=\"scenario ", at)) != std::string::npos) {
    const auto end = html.find("</section>\n", at);
    if (end == std::string::npos) break;
    out += html.substr(at, end + 11 - at);
    at = end + 11;
  }
  return out;
}

}  // namespace

std::string MergeResult::closing_line() const {
  return fmt::format("{} passed, {} failed, {} skipped", passed, failed, skipped);
}

std::string merge_junit(const std::vector<std::string>& junit_texts) {
  std::string suites;
  double tests = 0;
  double failures = 0;
  double skipped = 0;
  double time = 0;
  for (const auto& text : junit_texts) {
    const auto start = text.find("  <testsuite ");
    const auto end = text.rfind("  </testsuite>\n");
    if (start == std::string::npos || end == std::string::npos || end < start) {
      throw dub::Error("merge: a junit.xml holds no <testsuite> (not one dubctl wrote)");
    }
    for (std::size_t at = start; (at = text.find("  <testsuite ", at)) != std::string::npos && at < end; ++at) {
      const auto tag = text.substr(at, text.find('>', at) - at);
      tests += attribute(tag, "tests");
      failures += attribute(tag, "failures");
      skipped += attribute(tag, "skipped");
      time += attribute(tag, "time");
    }
    suites += text.substr(start, end + 15 - start);
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"{:.0f}\" failures=\"{:.0f}\" skipped=\"{:.0f}\" "
      "time=\"{:.3f}\">\n{}</testsuites>\n",
      tests, failures, skipped, time, suites);
}

std::string relink_html(const std::string& html, const std::string& prefix) {
  static const std::regex link(R"re(( (?:href|src)=")([^"#/][^":]*"))re");
  return std::regex_replace(html, link, "$1" + prefix + "$2");
}

namespace {

// The summary of docs/report.schema.json, recounted from the merged scenarios.
nlohmann::json summary_of(const MergeResult& r, double min_pass_rate, bool interrupted) {
  const long judged = r.passed + r.failed;
  const double rate = judged == 0 ? 1.0 : static_cast<double>(r.passed) / static_cast<double>(judged);
  constexpr double kEpsilon = 1e-9;  // whole cases, as verdict.cpp compares them
  const bool below = static_cast<double>(r.passed) + kEpsilon < min_pass_rate * static_cast<double>(judged);
  return {{"tests", r.passed + r.failed + r.skipped},
          {"passed", r.passed},
          {"failed", r.failed},
          {"skipped", r.skipped},
          {"pass_rate", rate},
          {"min_pass_rate", min_pass_rate},
          {"below_minimum", below},
          {"interrupted", interrupted},
          {"exit_code", interrupted ? 130 : (below ? 1 : 0)},
          {"closing_line", r.closing_line()}};
}

std::string page(const std::string& style, const std::string& head, const std::string& rows,
                 const std::string& sections, const MergeResult& r, const std::vector<fs::path>& runs) {
  std::vector<std::string> names;
  names.reserve(runs.size());
  for (const auto& run : runs) names.push_back(run.filename().string());
  const bool ok = r.failed == 0;
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>dubctl merge — {} passed, {} failed, {} skipped</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n"
      "<header>\n<h1>dubctl merge</h1>\n<p class=\"meta\">{} runs: {}</p>\n"
      "<p class=\"totals\" id=\"totals\"><span class=\"badge {}\">{}</span> <span class=\"n\">{}</span> passed, "
      "<span class=\"n\">{}</span> failed, <span class=\"n\">{}</span> skipped</p>\n</header>\n"
      "<table class=\"summary\" id=\"summary\">\n{}<tbody>\n{}</tbody>\n</table>\n{}"
      "<footer>Merged by dubctl from the reports of {}.</footer>\n</main>\n</body>\n</html>\n",
      r.passed, r.failed, r.skipped, style, runs.size(), fmt::join(names, ", "), ok ? "pass" : "fail",
      ok ? "PASSED" : "FAILED", r.passed, r.failed, r.skipped, head, rows, sections, fmt::join(names, ", "));
}

}  // namespace

MergeResult merge_runs(const std::vector<fs::path>& runs, const fs::path& out) {
  if (runs.empty()) throw dub::Error("merge: name the artifacts folders of the runs to merge");
  fs::create_directories(out);
  MergeResult r;
  std::vector<std::string> junits;
  nlohmann::json merged;
  auto scenarios = nlohmann::json::array();
  std::string style;
  std::string head;
  std::string rows;
  std::string sections;
  double wall = 0;
  bool interrupted = false;
  for (const auto& run : runs) {
    const auto prefix = fs::relative(fs::absolute(run), fs::absolute(out)).generic_string() + "/";
    junits.push_back(read_text(run / "junit.xml"));
    try {
      const auto doc = nlohmann::json::parse(read_text(run / "report.json"));
      if (merged.is_null()) merged = doc;
      wall = std::max(wall, doc.at("run").at("wall_time_s").get<double>());
      interrupted = interrupted || doc.at("summary").at("interrupted").get<bool>();
      for (auto s : doc.at("scenarios")) {
        for (auto& a : s.at("artifacts")) {
          if (!fs::path(a.at("path").get<std::string>()).is_absolute())
            a["path"] = prefix + a["path"].get<std::string>();
        }
        const auto status = s.at("status").get<std::string>();
        (status == "passed" ? r.passed : status == "skipped" ? r.skipped : r.failed) += 1;
        if (s.at("duration_s").is_number()) r.scenario_time_s += s["duration_s"].get<double>();
        scenarios.push_back(std::move(s));
      }
    } catch (const nlohmann::json::exception& e) {
      throw dub::Error(
          fmt::format("merge: {}: not a report.json of dubctl: {}", (run / "report.json").string(), e.what()));
    }
    const auto html = read_text(run / "report.html");
    if (style.empty()) style = between(html, "<style>", "</style>");
    if (head.empty()) head = between(html, "<table class=\"summary\" id=\"summary\">\n", "<tbody>\n");
    rows += relink_html(between(html, "<tbody>\n", "</tbody>"), prefix);
    sections += relink_html(scenario_sections(html), prefix);
  }
  merged["scenarios"] = std::move(scenarios);
  merged["run"]["wall_time_s"] = wall;
  merged["run"]["artifacts"] = out.string();
  merged["run"]["reports"] = {{"junit", (out / "junit.xml").string()},
                              {"json", (out / "report.json").string()},
                              {"html", (out / "report.html").string()}};
  merged["summary"] = summary_of(r, merged["summary"].value("min_pass_rate", 1.0), interrupted);
  r.exit_code = merged["summary"]["exit_code"].get<int>();
  write_text(out / "junit.xml", merge_junit(junits));
  write_text(out / "report.json", merged.dump(2) + "\n");
  write_text(out / "report.html", page(style, head, rows, sections, r, runs));
  return r;
}

}  // namespace dubctl
