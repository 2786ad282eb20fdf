// report.html: the EBU R128 loudness of the dubbed output against the original (verify media).
#include <fmt/format.h>

#include "report.hpp"

namespace dubctl::report {

std::string loudness_table(const std::string& id, const std::vector<LoudnessRow>& rows, const std::string& bounds) {
  if (rows.empty()) return {};
  std::string out = fmt::format(
      "<p class=\"notes\">{}</p>\n<table id=\"{}\" class=\"fragments loudness\">\n<thead><tr><th>window</th>"
      "<th>time</th><th class=\"num\">dubbed LUFS</th><th class=\"num\">original LUFS</th>"
      "<th class=\"num\">difference LU</th><th class=\"num\">true peak dBTP</th><th class=\"num\">clipped</th>"
      "<th>verdict</th></tr></thead>\n<tbody>\n",
      html_escape(bounds), html_escape(id));
  for (const auto& r : rows) {
    const bool whole = r.index < 0;
    const bool ok = r.problem.empty();
    out += fmt::format(
        "<tr class=\"{}\"><td>{}</td><td class=\"num nowrap\">{:.1f} – {:.1f} s</td><td class=\"num\">{:.1f}</td>"
        "<td class=\"num\">{:.1f}</td><td class=\"num\">{:+.1f}</td><td class=\"num\">{:.1f}</td>"
        "<td class=\"num\">{}</td><td><span class=\"status status-{}\">{}</span></td></tr>\n",
        whole ? "whole" : "window", whole ? "whole file" : fmt::format("{}", r.index), r.start_s, r.end_s,
        r.dubbed_lufs, r.original_lufs, r.dubbed_lufs - r.original_lufs, r.true_peak_dbtp,
        whole ? fmt::format("{}", r.clipped_samples) : "–", ok ? "dubbed" : "failed",
        html_escape(ok ? "ok" : r.problem));
  }
  out += "</tbody>\n</table>\n";
  return out;
}

}  // namespace dubctl::report
