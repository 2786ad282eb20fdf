// A step's result as JSON, in one place: the document its `vars:` read (step_vars.hpp), and the
// typed data of the kinds that have more than a detail and measurements.
#include "report_json.hpp"
#include "steps/step.hpp"

namespace dubctl {

namespace {

// `text` as a JSON value when it parses as an object or array, else as a string.
nlohmann::json structured_or_text(const std::string& text) {
  auto value = nlohmann::json::parse(text, nullptr, false);
  return !value.is_discarded() && (value.is_object() || value.is_array()) ? value : nlohmann::json(text);
}

}  // namespace

nlohmann::json result_json(const StepResult& result) {
  nlohmann::json doc = result.data.is_object() ? result.data : nlohmann::json::object();
  doc["detail"] = result.detail;
  auto& measured = doc["measurements"] = nlohmann::json::object();
  // As report.json reads them: a figure is the same number in a step's vars and in the report.
  for (const auto& [name, value] : result.measurements) measured[name] = report::measurement_value(value);
  return doc;
}

nlohmann::json http_answer_json(int status, const std::string& body) {
  return {{"status", status}, {"body", structured_or_text(body)}};
}

nlohmann::json log_line_json(const std::string& line) {
  nlohmann::json doc = {{"line", line}};
  // A JSON log line; compose logs may put a prefix before it.
  if (const auto brace = line.find('{'); brace != std::string::npos) {
    auto fields = nlohmann::json::parse(line.substr(brace), nullptr, false);
    if (!fields.is_discarded() && fields.is_object()) doc["fields"] = std::move(fields);
  }
  return doc;
}

}  // namespace dubctl
