#include "report_json.hpp"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <optional>

#include "command.hpp"
#include "dub/util/error.hpp"
#include "redact.hpp"

namespace dubctl::report {

using nlohmann::json;

namespace {

// A figure: JSON has no infinity or NaN (the loudness of silence is -inf LUFS), so those are null.
json figure(double value) {
  return std::isfinite(value) ? json(value) : json(nullptr);
}

void put(json& object, const char* key, const std::optional<double>& value) {
  if (value) object[key] = figure(*value);
}

void put(json& object, const char* key, const std::string& value) {
  if (!value.empty()) object[key] = value;
}

json series(const std::vector<Point>& points, const char* y_name) {
  json out = json::array();
  for (const auto& p : points) out.push_back({{"t_s", figure(p.x)}, {y_name, figure(p.y)}});
  return out;
}

json measurements(const std::vector<std::pair<std::string, std::string>>& pairs, const Redactor& redactor) {
  json out = json::object();
  for (const auto& [name, value] : pairs) out[name] = measurement_value(redactor.apply(value));
  return out;
}

json step_json(std::size_t index, const StepRow& row, const Redactor& redactor) {
  return {{"index", index},
          {"kind", row.kind},
          {"line", row.line},
          {"description", row.description},
          {"status", row.status},
          {"duration_s", figure(row.duration_s)},
          {"attempts", row.attempts},
          {"message", row.message},
          {"measurements", measurements(row.measurements, redactor)}};
}

json fragment_json(const FragmentRow& f) {
  json out = {{"sequence_number", f.sequence_number}, {"start_s", figure(f.start_s)}, {"end_s", figure(f.end_s)}};
  put(out, "fragment_id", f.fragment_id);
  put(out, "transcript", f.transcript);
  put(out, "translated_text", f.translated_text);
  put(out, "asr_ms", f.asr_ms);
  put(out, "translation_ms", f.mt_ms);
  put(out, "tts_ms", f.tts_ms);
  put(out, "queue_ms", f.queue_ms);
  put(out, "processing_ms", f.processing_ms);
  put(out, "round_trip_ms", f.roundtrip_ms);
  put(out, "sts_status", f.status);
  put(out, "state", f.state);
  put(out, "outcome", outcome_of(f));
  put(out, "error", f.error);
  return out;
}

json heard_json(const HeardRow& h) {
  return {{"index", h.index},
          {"start_s", figure(h.start_s)},
          {"end_s", figure(h.end_s)},
          {"language", h.language},
          {"probability", figure(h.probability)},
          {"expected_language", h.expected_language},
          {"passthrough", h.passthrough},
          {"text", h.text},
          {"expected_text", h.expected_text},
          {"verdict", h.verdict}};
}

json loudness_json(const ScenarioReport& s) {
  json rows = json::array();
  for (const auto& l : s.loudness) {
    rows.push_back({{"window", l.index < 0 ? json(nullptr) : json(l.index)},
                    {"start_s", figure(l.start_s)},
                    {"end_s", figure(l.end_s)},
                    {"dubbed_lufs", figure(l.dubbed_lufs)},
                    {"original_lufs", figure(l.original_lufs)},
                    {"true_peak_dbtp", figure(l.true_peak_dbtp)},
                    {"clipped_samples", l.clipped_samples},
                    {"problem", l.problem}});
  }
  return {{"bounds", s.loudness_bounds}, {"rows", rows}};
}

// The typed figures report.html plots, each present only when it was measured.
json figures_json(const ScenarioReport& s) {
  json out = json::object();
  if (s.max_drift_ms || !s.drift_ms.empty()) {
    out["av_drift"] = {{"limit_ms", figure(s.drift_limit_ms)}, {"series", series(s.drift_ms, "drift_ms")}};
    put(out["av_drift"], "max_ms", s.max_drift_ms);
  }
  if (s.similarity || !s.similarity_series.empty()) {
    out["similarity"] = {{"max", figure(s.max_similarity)}, {"series", series(s.similarity_series, "similarity")}};
    put(out["similarity"], "whole_file", s.similarity);
  }
  put(out, "input_duration_s", s.input_duration_s);
  put(out, "output_duration_s", s.output_duration_s);
  put(out, "alignment", s.alignment);
  return out;
}

const char* status_of(const ScenarioReport& s) {
  if (s.skipped) return "skipped";
  return s.passed ? "passed" : "failed";
}

json scenario_json(const ScenarioReport& s, const Redactor& redactor) {
  // ScenarioReport says "skipped: <reason>" for a skip (report.html's wording); the document keeps the reason.
  constexpr std::string_view kSkipped = "skipped: ";
  const auto message = s.skipped && s.failure.starts_with(kSkipped) ? s.failure.substr(kSkipped.size()) : s.failure;
  json out = {{"name", s.name},         {"description", s.description}, {"file", s.file},
              {"status", status_of(s)}, {"message", message},           {"duration_s", figure(s.time_s)},
              {"steps", json::array()}, {"figures", figures_json(s)},   {"fragments", json::array()},
              {"heard", json::array()}, {"artifacts", json::array()},   {"notes", s.notes}};
  for (std::size_t i = 0; i < s.steps.size(); ++i) out["steps"].push_back(step_json(i, s.steps[i], redactor));
  for (const auto& f : s.fragments) out["fragments"].push_back(fragment_json(f));
  for (const auto& h : s.heard) out["heard"].push_back(heard_json(h));
  if (!s.loudness.empty()) out["loudness"] = loudness_json(s);
  for (const auto& [label, path] : s.artifacts) out["artifacts"].push_back({{"label", label}, {"path", path}});
  return out;
}

json run_json(const RunReport& run, const RunMeta& meta) {
  json out = {
      {"tool", "dubctl"},
      {"dubctl_version", meta.dubctl_version},
      {"hostname", meta.hostname},
      {"timestamp", meta.timestamp},
      {"wall_time_s", figure(run.wall_time_s)},
      {"compose", meta.compose},
      {"artifacts", meta.artifacts.string()},
      {"reports",
       {{"junit", meta.files.junit.string()}, {"html", meta.files.html.string()}, {"json", meta.files.json.string()}}}};
  put(out, "source_commit", meta.source_commit);
  return out;
}

json summary_json(const Verdict& v, bool interrupted) {
  return {{"tests", v.passed + v.failed + v.skipped},
          {"passed", v.passed},
          {"failed", v.failed},
          {"skipped", v.skipped},
          {"pass_rate", figure(v.pass_rate)},
          {"min_pass_rate", figure(v.min_pass_rate)},
          {"below_minimum", v.below_minimum},
          {"interrupted", interrupted},
          {"exit_code", v.exit_code(interrupted)},
          {"closing_line", v.closing_line()}};
}

// Every key and string of `j` through `redactor`.
json redacted(const json& j, const Redactor& redactor) {
  if (j.is_string()) return redactor.apply(j.get<std::string>());
  if (j.is_array()) {
    json out = json::array();
    for (const auto& item : j) out.push_back(redacted(item, redactor));
    return out;
  }
  if (j.is_object()) {
    json out = json::object();
    for (const auto& [key, value] : j.items()) out[redactor.apply(key)] = redacted(value, redactor);
    return out;
  }
  return j;
}

}  // namespace

json measurement_value(const std::string& text) {
  const std::string_view digits = text.starts_with('+') ? std::string_view(text).substr(1) : std::string_view(text);
  if (digits.empty() || digits.starts_with('+')) return text;
  const auto* const end = digits.data() + digits.size();
  // An integer stays one (812, not 812.0): a var a step takes from it reads as it was written.
  std::int64_t whole = 0;
  if (const auto [ptr, ec] = std::from_chars(digits.data(), end, whole); ec == std::errc() && ptr == end) return whole;
  double value = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), end, value, std::chars_format::fixed);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) return text;
  return value;
}

json report_json(const RunReport& run, const RunMeta& meta, const Redactor& redactor) {
  json doc = {{"$schema", kJsonSchemaUri},
              {"schema_version", kJsonSchemaVersion},
              {"run", run_json(run, meta)},
              {"summary", summary_json(meta.verdict, meta.interrupted)},
              {"scenarios", json::array()}};
  for (const auto& s : run.scenarios) doc["scenarios"].push_back(scenario_json(s, redactor));
  return redacted(doc, redactor);
}

std::string source_commit(const std::filesystem::path& root) {
  try {
    CommandOptions options;
    options.limit = std::chrono::seconds(5);
    options.cancellable = false;  // after the scenarios: an interrupted run still says which checkout it was
    const auto r = run_command({"git", "-C", root.string(), "rev-parse", "--verify", "HEAD"}, {}, options);
    const auto hash = r.output.substr(0, r.output.find_first_of(" \r\n"));
    const bool is_hash = hash.size() == 40 && hash.find_first_not_of("0123456789abcdef") == std::string::npos;
    return r.exit_code == 0 && is_hash ? hash : std::string();
  } catch (const std::exception&) {
    return {};  // no git on PATH
  }
}

void write_json(const std::filesystem::path& file, const RunReport& run, const RunMeta& meta,
                const Redactor& redactor) {
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  std::ofstream out(file);
  if (!out) throw dub::Error(fmt::format("cannot write JSON report {}", file.string()));
  // Text the run captured (a transcript, a log line) may not be valid UTF-8: such bytes become U+FFFD.
  out << report_json(run, meta, redactor).dump(2, ' ', false, json::error_handler_t::replace) << '\n';
  if (!out.flush()) throw dub::Error(fmt::format("cannot write JSON report {}", file.string()));
}

}  // namespace dubctl::report
