// A step's result as JSON, in one place: the document its `vars:` read (step_vars.hpp), and the
// typed data of the kinds that have more than a detail and measurements.
#include "steps/step.hpp"

namespace dubctl {

namespace {

// `text` as a JSON value when it parses as one of the kinds `keep` allows, else as a string.
nlohmann::json parsed_or_text(const std::string& text, bool (*keep)(const nlohmann::json&)) {
  auto value = nlohmann::json::parse(text, nullptr, false);
  return !value.is_discarded() && keep(value) ? value : nlohmann::json(text);
}

bool is_number(const nlohmann::json& v) {
  return v.is_number();
}

bool is_structured(const nlohmann::json& v) {
  return v.is_object() || v.is_array();
}

}  // namespace

nlohmann::json result_json(const StepResult& result) {
  nlohmann::json doc = result.data.is_object() ? result.data : nlohmann::json::object();
  doc["detail"] = result.detail;
  auto& measured = doc["measurements"] = nlohmann::json::object();
  for (const auto& [name, value] : result.measurements) measured[name] = parsed_or_text(value, is_number);
  return doc;
}

nlohmann::json http_answer_json(int status, const std::string& body) {
  return {{"status", status}, {"body", parsed_or_text(body, is_structured)}};
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
