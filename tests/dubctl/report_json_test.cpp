// report.json (report_json.hpp): the document built from a run's report data, its secrets masked,
// and the written file valid against docs/report.schema.json by a validator that is not ours
// (jsonschema in the tools venv).
#include "report_json.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "../support/sio_test_server.hpp"  // tools_python()
#include "dub/util/error.hpp"
#include "json_path.hpp"
#include "redact.hpp"
#include "steps/step.hpp"

namespace {

namespace fs = std::filesystem;
using dubctl::report::measurement_value;
using dubctl::report::report_json;
using nlohmann::json;

dubctl::report::StepRow step(std::string kind, int line, std::string status, std::string message,
                             std::vector<std::pair<std::string, std::string>> measured = {}) {
  dubctl::report::StepRow row;
  row.description = kind + " at line " + std::to_string(line);
  row.kind = std::move(kind);
  row.line = line;
  row.status = std::move(status);
  row.duration_s = 1.25;
  row.attempts = row.status == "not_run" ? 0 : 1;
  row.message = std::move(message);
  row.measurements = std::move(measured);
  return row;
}

// A run of three scenarios: one that measured everything report.html shows, one failed, one skipped.
dubctl::report::RunReport sample_run() {
  dubctl::report::ScenarioReport full;
  full.name = "full_pipeline";
  full.description = "English in, Spanish out";
  full.file = "scenarios/full_pipeline.yaml";
  full.passed = true;
  full.time_s = 42.5;
  full.steps = {step("publish", 9, "passed", "30 s sent"),
                step("verify", 12, "passed", "dubbed.mp4: 2 stream(s)",
                     {{"duration_s", "30.016"}, {"max_av_drift_ms", "21.3"}, {"worker_fragments", "dubbed: 5"}})};
  full.max_drift_ms = 21.3;
  full.drift_ms = {{1.0, 12.0}, {2.0, -21.3}};
  full.similarity = 0.41;
  full.similarity_series = {{1.5, 0.4}};
  full.input_duration_s = 30.0;
  full.output_duration_s = 30.016;
  full.alignment = "Aligned on identical video packets";
  dubctl::report::FragmentRow f;
  f.sequence_number = 0;
  f.fragment_id = "frag-0";
  f.end_s = 6;
  f.transcript = "hello";
  f.asr_ms = 800;
  f.roundtrip_ms = 1900;
  f.status = "success";
  f.state = "dubbed";
  full.fragments = {f};
  full.heard = {{0, 0, 10, "es", 0.97, "es", false, "hola", "hello", "ok"}};
  full.loudness = {{-1, 0, 30, -23.1, -22.8, -1.5, 0, ""},
                   {0, 0, 10, -std::numeric_limits<double>::infinity(), -30, -60, 0, "silent"}};
  full.loudness_bounds = "within 3 LU";
  full.artifacts = {{"dubbed.mp4", "full_pipeline/dubbed.mp4"}};

  dubctl::report::ScenarioReport failed;
  failed.name = "sts_down";
  failed.file = "scenarios/sts_down.yaml";
  failed.failure = "wait for HTTP 200 failed:\n  - connection refused";
  failed.steps = {step("wait", 4, "failed", failed.failure), step("verify", 5, "not_run", "")};

  dubctl::report::ScenarioReport skipped;
  skipped.name = "missing";
  skipped.skipped = true;
  skipped.failure = "skipped: fixture not found: x.mp4";
  skipped.steps = {step("publish", 4, "not_run", "")};

  dubctl::report::RunReport run;
  run.wall_time_s = 50;
  run.scenarios = {full, failed, skipped};
  return run;
}

dubctl::report::RunMeta sample_meta() {
  dubctl::report::RunMeta meta;
  meta.dubctl_version = "0.1.0";
  meta.hostname = "ci-host";
  meta.timestamp = "2026-12-01T05:12:57";
  meta.compose = "docker compose 2.26.1 (v2)";
  meta.artifacts = "out/suite";
  meta.files = {"out/junit.xml", "out/suite/report.html", "out/report.json"};
  dubctl::TestCase passed;
  passed.name = "full_pipeline";
  dubctl::TestCase failed;
  failed.name = "sts_down";
  failed.failure = "connection refused";
  dubctl::TestCase skipped;
  skipped.name = "missing";
  skipped.skipped = true;
  meta.verdict = dubctl::judge_run({passed, failed, skipped}, 1.0);
  return meta;
}

TEST(ReportJsonMeasurement, WholeDecimalNumbersBecomeNumbers) {
  EXPECT_EQ(measurement_value("21.3"), json(21.3));
  EXPECT_EQ(measurement_value("-3"), json(-3.0));
  EXPECT_EQ(measurement_value("+1.5"), json(1.5));  // loudness_difference_lu is written with its sign
  EXPECT_EQ(measurement_value("0"), json(0.0));
  for (const char* text : {"", "+", "++1", "dubbed: 5", "-20.1 -19.8", "1e5", "0x10", "-inf", "nan", "12 ms", " 1"}) {
    EXPECT_EQ(measurement_value(text), json(text)) << text;
  }
}

// One rule: a step's result document (what its `vars:` read) holds each figure as report.json does, and
// a var taken from a whole number reads as the number was written.
TEST(ReportJsonMeasurement, StepVarsReadEveryFigureAsReportJsonDoes) {
  dubctl::StepResult r;
  for (const char* text : {"812", "+1.5", "0.25", "-3", "012", "1e5", "0x10", "5 dubbed", "nan"}) {
    r.measurements.emplace_back(text, text);
  }
  const auto doc = dubctl::result_json(r);
  for (const auto& [name, text] : r.measurements) {
    EXPECT_EQ(doc["measurements"][name], measurement_value(text)) << text;
  }
  EXPECT_EQ(doc["measurements"]["+1.5"], json(1.5));
  EXPECT_EQ(doc["measurements"]["1e5"], json("1e5"));
  EXPECT_EQ(dubctl::json_text(doc["measurements"]["812"]), "812");
  EXPECT_EQ(dubctl::json_text(doc["measurements"]["-3"]), "-3");
  EXPECT_EQ(measurement_value("812").dump(), "812");
}

TEST(ReportJson, CarriesTheRunTheVerdictAndEveryStep) {
  const auto doc = report_json(sample_run(), sample_meta(), dubctl::Redactor());
  EXPECT_EQ(doc["$schema"], std::string(dubctl::report::kJsonSchemaUri));
  EXPECT_EQ(doc["schema_version"], dubctl::report::kJsonSchemaVersion);
  const auto& run = doc["run"];
  EXPECT_EQ(run["tool"], "dubctl");
  EXPECT_EQ(run["hostname"], "ci-host");
  EXPECT_EQ(run["timestamp"], "2026-12-01T05:12:57");
  EXPECT_EQ(run["compose"], "docker compose 2.26.1 (v2)");
  EXPECT_EQ(run["reports"]["json"], "out/report.json");
  EXPECT_FALSE(run.contains("source_commit"));  // unknown: left out, not ""
  const auto& summary = doc["summary"];
  EXPECT_EQ(summary["tests"], 3);
  EXPECT_EQ(summary["failed"], 1);
  EXPECT_EQ(summary["exit_code"], 1);
  EXPECT_EQ(summary["closing_line"], "1 passed, 1 failed, 1 skipped");

  const auto& scenarios = doc["scenarios"];
  ASSERT_EQ(scenarios.size(), 3U);
  EXPECT_EQ(scenarios[0]["status"], "passed");
  EXPECT_EQ(scenarios[0]["message"], "");
  const auto& verify = scenarios[0]["steps"][1];
  EXPECT_EQ(verify["index"], 1);
  EXPECT_EQ(verify["kind"], "verify");
  EXPECT_EQ(verify["line"], 12);
  EXPECT_EQ(verify["status"], "passed");
  EXPECT_DOUBLE_EQ(verify["duration_s"].get<double>(), 1.25);
  EXPECT_EQ(verify["measurements"]["max_av_drift_ms"], json(21.3));  // typed
  EXPECT_EQ(verify["measurements"]["worker_fragments"], "dubbed: 5");
  EXPECT_EQ(scenarios[1]["status"], "failed");
  EXPECT_EQ(scenarios[1]["message"], "wait for HTTP 200 failed:\n  - connection refused");  // verbatim
  EXPECT_EQ(scenarios[1]["steps"][1]["status"], "not_run");
  EXPECT_EQ(scenarios[2]["status"], "skipped");
  EXPECT_EQ(scenarios[2]["message"], "fixture not found: x.mp4");  // the reason, without report.html's prefix
}

TEST(ReportJson, CarriesTheFiguresReportHtmlPlots) {
  const auto doc = report_json(sample_run(), sample_meta(), dubctl::Redactor());
  const auto& s = doc["scenarios"][0];
  const auto& figures = s["figures"];
  EXPECT_DOUBLE_EQ(figures["av_drift"]["max_ms"].get<double>(), 21.3);
  EXPECT_DOUBLE_EQ(figures["av_drift"]["limit_ms"].get<double>(), 120.0);
  EXPECT_EQ(figures["av_drift"]["series"][1], json({{"t_s", 2.0}, {"drift_ms", -21.3}}));
  EXPECT_DOUBLE_EQ(figures["similarity"]["whole_file"].get<double>(), 0.41);
  EXPECT_DOUBLE_EQ(figures["output_duration_s"].get<double>(), 30.016);
  const auto& fragment = s["fragments"][0];
  EXPECT_DOUBLE_EQ(fragment["round_trip_ms"].get<double>(), 1900);
  EXPECT_DOUBLE_EQ(fragment["asr_ms"].get<double>(), 800);
  EXPECT_FALSE(fragment.contains("tts_ms"));  // not reported by the STS: left out
  EXPECT_EQ(fragment["outcome"], "dubbed");
  EXPECT_EQ(s["heard"][0]["text"], "hola");
  EXPECT_TRUE(s["loudness"]["rows"][0]["window"].is_null());       // the whole file
  EXPECT_TRUE(s["loudness"]["rows"][1]["dubbed_lufs"].is_null());  // -inf LUFS (silence): JSON has no infinity
  EXPECT_EQ(s["artifacts"][0]["path"], "full_pipeline/dubbed.mp4");
  EXPECT_TRUE(doc["scenarios"][1]["figures"].empty());  // nothing measured: no figure at all
}

TEST(ReportJson, MasksSecretsEverywhereAsJunitDoes) {
  auto run = sample_run();
  auto& s = run.scenarios[1];
  s.failure = "GET http://h/?token=s3cr3t-value failed";
  s.steps[0].message = s.failure;
  s.steps[0].description = "wait for http://h/?token=s3cr3t-value";
  s.steps[0].measurements = {{"token_seen", "s3cr3t-value"}, {"pin", "987654"}, {"s3cr3t-value", "1"}};
  run.scenarios[0].fragments[0].transcript = "said s3cr3t-value aloud";
  dubctl::Redactor redactor;
  redactor.add_value("s3cr3t-value");
  redactor.add_value("987654");  // a numeric secret stays text: *** rather than a number
  const auto doc = report_json(run, sample_meta(), redactor);
  const auto text = doc.dump();
  EXPECT_EQ(text.find("s3cr3t"), std::string::npos) << text;
  EXPECT_EQ(text.find("987654"), std::string::npos) << text;
  const auto& step = doc["scenarios"][1]["steps"][0];
  EXPECT_EQ(step["message"], "GET http://h/?token=*** failed");
  EXPECT_EQ(step["measurements"]["pin"], "***");
  EXPECT_TRUE(step["measurements"].contains("***"));
  EXPECT_EQ(doc["scenarios"][1]["message"], "GET http://h/?token=*** failed");
  EXPECT_EQ(doc["scenarios"][0]["fragments"][0]["transcript"], "said *** aloud");
}

class ReportJsonFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dub-report-json-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ReportJsonFile, WritesParsableJsonEvenFromInvalidUtf8) {
  auto run = sample_run();
  run.scenarios[0].fragments[0].transcript = "caf\xe9";  // Latin-1 bytes from a captured log
  const auto file = dir_ / "nested" / "report.json";
  dubctl::report::write_json(file, run, sample_meta(), dubctl::Redactor());
  std::ifstream in(file);
  const auto doc = json::parse(in);
  EXPECT_EQ(doc["scenarios"][0]["fragments"][0]["transcript"], "caf\xef\xbf\xbd");  // U+FFFD
}

TEST_F(ReportJsonFile, UnwritableFileIsAnErrorNamingIt) {
  fs::create_directories(dir_);
  const auto file = dir_ / "a-folder";
  fs::create_directories(file);
  try {
    dubctl::report::write_json(file, sample_run(), sample_meta(), dubctl::Redactor());
    FAIL() << "no error";
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
}

// The writer and docs/report.schema.json agree on every field, checked by jsonschema (draft 2020-12).
TEST_F(ReportJsonFile, FollowsTheSchemaByJsonschema) {
  auto meta = sample_meta();
  meta.source_commit = std::string(40, 'a');
  const auto file = dir_ / "report.json";
  dubctl::report::write_json(file, sample_run(), meta, dubctl::Redactor());
  const auto schema = fs::path(DUB_SOURCE_DIR) / "docs" / "report.schema.json";
  const std::string check =
      "import json, sys, jsonschema\n"
      "schema = json.load(open(sys.argv[1]))\n"
      "jsonschema.Draft202012Validator.check_schema(schema)\n"
      "jsonschema.Draft202012Validator(schema).validate(json.load(open(sys.argv[2])))\n";
  const auto command = dub::test::tools_python() + " -c '" + check + "' " + schema.string() + " " + file.string();
  EXPECT_EQ(std::system(command.c_str()), 0) << command;  // NOLINT(cert-env33-c): the tools venv's python
  // And a document that breaks it is refused by the same command (the check can fail).
  std::ofstream(file) << R"({"$schema": "x", "schema_version": 1})";
  const auto quiet = command + " 2>/dev/null";          // its traceback is expected
  EXPECT_NE(std::system(quiet.c_str()), 0) << command;  // NOLINT(cert-env33-c)
}

}  // namespace
