#include "junit.hpp"

#include <fmt/format.h>

#include <fstream>

#include "dub/util/error.hpp"

namespace dubctl {

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";  // the numeric form, which HTML (report.html) reads too
        break;
      default:
        // XML 1.0 forbids most control characters even when escaped; drop them.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') break;
        out += c;
    }
  }
  return out;
}

std::string junit_xml(const std::string& suite, const std::vector<TestCase>& cases) {
  int failures = 0;
  int skipped = 0;
  double total = 0;
  for (const auto& c : cases) {
    failures += c.failure.empty() ? 0 : 1;
    skipped += c.skipped ? 1 : 0;
    total += c.time_s;
  }
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += fmt::format("<testsuites tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{:.3f}\">\n", cases.size(),
                     failures, skipped, total);
  xml += fmt::format(
      "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{:.3f}\">\n",
      xml_escape(suite), cases.size(), failures, skipped, total);
  for (const auto& c : cases) {
    xml += fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3f}\">\n", xml_escape(c.name),
                       xml_escape(c.classname), c.time_s);
    if (!c.properties.empty()) {
      xml += "      <properties>\n";
      for (const auto& [key, value] : c.properties) {
        xml += fmt::format("        <property name=\"{}\" value=\"{}\"/>\n", xml_escape(key), xml_escape(value));
      }
      xml += "      </properties>\n";
    }
    if (c.skipped) xml += fmt::format("      <skipped message=\"{}\"/>\n", xml_escape(c.skip_reason));
    if (!c.failure.empty()) {
      const auto first_line = c.failure.substr(0, c.failure.find('\n'));
      xml += fmt::format("      <failure message=\"{}\">{}</failure>\n", xml_escape(first_line), xml_escape(c.failure));
    }
    if (!c.system_out.empty()) xml += fmt::format("      <system-out>{}</system-out>\n", xml_escape(c.system_out));
    xml += "    </testcase>\n";
  }
  xml += "  </testsuite>\n</testsuites>\n";
  return xml;
}

void write_junit(const std::filesystem::path& file, const std::string& suite, const std::vector<TestCase>& cases) {
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file);
  if (!out) throw dub::Error(fmt::format("cannot write JUnit report {}", file.string()));
  out << junit_xml(suite, cases);
}

}  // namespace dubctl
