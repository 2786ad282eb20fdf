// report.html: the table of what the independent judge heard in each window of the dubbed output.
#include <fmt/format.h>

#include "report.hpp"

namespace dubctl::report {

std::string heard_table(const std::string& id, const std::vector<HeardRow>& rows) {
  if (rows.empty()) return {};
  std::string out = fmt::format(
      "<table id=\"{}\" class=\"fragments heard\">\n<thead><tr><th class=\"num\">#</th><th>time</th>"
      "<th>heard</th><th class=\"num\">p</th><th>expected</th><th>the judge's transcript</th>"
      "<th>the original's words</th><th>verdict</th></tr></thead>\n<tbody>\n",
      html_escape(id));
  for (const auto& r : rows) {
    const bool ok = r.verdict == "ok";
    const bool judged = !r.expected_language.empty();
    out += fmt::format(
        "<tr class=\"{}\"><td class=\"num\">{}</td><td class=\"num nowrap\">{:.1f} – {:.1f} s</td><td>{}</td>"
        "<td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td><td><span class=\"status status-{}\">{}</span>"
        "</td></tr>\n",
        r.passthrough ? "passthrough" : "dubbed", r.index, r.start_s, r.end_s,
        r.language.empty() ? "<span class=\"na\">(silent)</span>" : html_escape(r.language),
        r.language.empty() ? "–" : fmt::format("{:.2f}", r.probability),
        judged ? html_escape(r.expected_language) + (r.passthrough ? " (passed through)" : "") : "–",
        r.text.empty() ? "<span class=\"na\">–</span>" : html_escape(r.text),
        r.expected_text.empty() ? "<span class=\"na\">–</span>" : html_escape(r.expected_text),
        ok ? "dubbed" : (judged ? "failed" : "passthrough"), html_escape(ok ? "ok" : r.verdict));
  }
  out += "</tbody>\n</table>\n";
  return out;
}

}  // namespace dubctl::report
