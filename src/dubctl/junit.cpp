#include "junit.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <fstream>

#include "dub/util/error.hpp"
#include "redact.hpp"

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

std::string failure_message(const std::string& failure) {
  constexpr std::size_t kMax = 1000;
  std::string out;
  std::size_t problems = 0;
  std::size_t pos = 0;
  while (pos <= failure.size()) {
    const auto end = std::min(failure.find('\n', pos), failure.size());
    const auto line = failure.substr(pos, end - pos);
    pos = end + 1;
    if (out.empty()) {
      out = line;
      continue;
    }
    const auto dash = line.find_first_not_of(' ');
    if (dash == std::string::npos || line.compare(dash, 2, "- ") != 0) break;  // only the problem list
    out += (problems++ == 0 ? (out.ends_with(':') ? " " : ": ") : "; ") + line.substr(dash + 2);
  }
  if (out.size() > kMax) out = out.substr(0, kMax - 3) + "...";
  return out;
}

std::string host_name() {
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) != 0) return {};
  return name.data();
}

namespace {

std::string suite_attributes(const SuiteInfo& suite) {
  std::string out;
  if (!suite.timestamp.empty()) out += fmt::format(" timestamp=\"{}\"", xml_escape(suite.timestamp));
  if (!suite.hostname.empty()) out += fmt::format(" hostname=\"{}\"", xml_escape(suite.hostname));
  return out;
}

// <properties> indented by `indent` spaces; nothing when there are none.
std::string properties_xml(const std::vector<std::pair<std::string, std::string>>& properties, int indent) {
  if (properties.empty()) return {};
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  std::string xml = pad + "<properties>\n";
  for (const auto& [key, value] : properties)
    xml += fmt::format("{}  <property name=\"{}\" value=\"{}\"/>\n", pad, xml_escape(key), xml_escape(value));
  return xml + pad + "</properties>\n";
}

std::string testcase_xml(const TestCase& c) {
  std::string xml = fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3f}\">\n", xml_escape(c.name),
                                xml_escape(c.classname), c.time_s);
  xml += properties_xml(c.properties, 6);
  if (c.skipped) xml += fmt::format("      <skipped message=\"{}\"/>\n", xml_escape(c.skip_reason));
  if (!c.failure.empty()) {
    xml += fmt::format("      <failure message=\"{}\">{}</failure>\n", xml_escape(failure_message(c.failure)),
                       xml_escape(c.failure));
  }
  if (!c.system_out.empty()) xml += fmt::format("      <system-out>{}</system-out>\n", xml_escape(c.system_out));
  xml += "    </testcase>\n";
  return xml;
}

}  // namespace

std::string junit_xml(const SuiteInfo& suite, const std::vector<TestCase>& cases) {
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
      "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{:.3f}\"{}>\n",
      xml_escape(suite.name), cases.size(), failures, skipped, total, suite_attributes(suite));
  xml += properties_xml(suite.properties, 4);
  for (const auto& c : cases) xml += testcase_xml(c);
  xml += "  </testsuite>\n</testsuites>\n";
  return xml;
}

void write_junit(const std::filesystem::path& file, const SuiteInfo& suite, const std::vector<TestCase>& cases,
                 const Redactor& redactor) {
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file);
  if (!out) throw dub::Error(fmt::format("cannot write JUnit report {}", file.string()));
  out << redactor.apply(junit_xml(suite, cases));  // the whole file: every field, raw and escaped forms
}

}  // namespace dubctl
