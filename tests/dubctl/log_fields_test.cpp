// The JSON form of a log wait (log_fields.hpp): parsing with types, matching by field, `each`.
#include "log_fields.hpp"

#include <gtest/gtest.h>

#include "log_wait.hpp"
#include "scenario.hpp"
#include "scenario_reject.hpp"
#include "steps/step.hpp"

namespace {

using dubctl::LogFieldsMatcher;
using nlohmann::json;

dubctl::WaitLogStep parse_wait(const std::string& log_yaml) {
  const auto s =
      dubctl::parse_scenario("name: x\ndescription: d\nstacks: {media: {}}\nsteps:\n  - wait:\n      log: " + log_yaml +
                                 "\n      stack: media\n",
                             "scenarios/x.yaml");
  return dubctl::step_as<dubctl::WaitLogStep>(s.steps.at(0));
}

LogFieldsMatcher matcher(const std::string& log_yaml, const dubctl::EnvMap& vars = {{"stream", "s-1"}}) {
  const auto w = parse_wait(log_yaml);
  if (!w.fields) throw std::runtime_error("not the mapping form");
  return LogFieldsMatcher(*w.fields, [&vars](const std::string& t) { return dubctl::expand(t, vars); });
}

TEST(LogFields, PlainValuesAreTypedQuotedOnesAreStrings) {
  const auto w = parse_wait(
      R"({fields: {sequence_number: 0, n: -3, big: 18446744073709551615, ratio: 0.5, ok: true, none: null, msg: fragment processed, zero: "0", yes_word: "true"}})");
  ASSERT_TRUE(w.fields.has_value());
  EXPECT_TRUE(w.pattern.empty());
  const auto& f = w.fields->fields;
  EXPECT_TRUE(f["sequence_number"].is_number_integer());
  EXPECT_EQ(f["sequence_number"], 0);
  EXPECT_EQ(f["n"], -3);
  EXPECT_EQ(f["big"].get<std::uint64_t>(), 18446744073709551615ULL);
  EXPECT_TRUE(f["ratio"].is_number_float());
  EXPECT_TRUE(f["ok"].is_boolean());
  EXPECT_TRUE(f["none"].is_null());
  EXPECT_EQ(f["msg"], "fragment processed");
  EXPECT_EQ(f["zero"], "0");
  EXPECT_EQ(f["yes_word"], "true");
  // The text form is unchanged.
  const auto text = parse_wait("\"fragment timed out\"");
  EXPECT_FALSE(text.fields.has_value());
  EXPECT_EQ(text.pattern, "fragment timed out");
}

TEST(LogFields, TypedEquality) {
  EXPECT_TRUE(dubctl::typed_equal(json(0), json(0)));
  EXPECT_TRUE(dubctl::typed_equal(json(0.0), json(0)));
  EXPECT_TRUE(dubctl::typed_equal(json(3U), json(3)));
  EXPECT_FALSE(dubctl::typed_equal(json(-1), json(18446744073709551615ULL)));
  EXPECT_FALSE(dubctl::typed_equal(json("0"), json(0)));
  EXPECT_FALSE(dubctl::typed_equal(json(0), json("0")));
  EXPECT_FALSE(dubctl::typed_equal(json(true), json(1)));
  EXPECT_FALSE(dubctl::typed_equal(json(1), json(true)));
  EXPECT_TRUE(dubctl::typed_equal(json(nullptr), json(nullptr)));
  EXPECT_FALSE(dubctl::typed_equal(json(""), json(nullptr)));
  EXPECT_TRUE(dubctl::typed_equal(json("a"), json("a")));
}

TEST(LogFields, SelectsByFieldThenChecksTheText) {
  const auto m = matcher(
      R"({fields: {msg: fragment processed, stream: "${stream}", sequence_number: 1}, contains: {transcript: TWO}, nonempty: [translated_text]})");
  const auto good = json::parse(
      R"({"level":"info","msg":"fragment processed","stream":"s-1","sequence_number":1,"transcript":"one two","translated_text":"uno dos"})");
  EXPECT_TRUE(m.selects(good));
  EXPECT_EQ(m.shortfall(good), "");
  auto other_stream = good;
  other_stream["stream"] = "s-2";
  EXPECT_FALSE(m.selects(other_stream));
  auto string_fragment = good;
  string_fragment["sequence_number"] = "1";
  EXPECT_FALSE(m.selects(string_fragment));
  auto no_word = good;
  no_word["transcript"] = "three";
  EXPECT_NE(m.shortfall(no_word).find("does not contain 'TWO'"), std::string::npos) << m.shortfall(no_word);
  auto empty = good;
  empty["translated_text"] = "  ";
  EXPECT_EQ(m.shortfall(empty), "'translated_text' is empty");
  auto missing = good;
  missing.erase("translated_text");
  EXPECT_EQ(m.shortfall(missing), "no 'translated_text'");
  auto number = good;
  number["translated_text"] = 5;
  EXPECT_EQ(m.shortfall(number), "'translated_text' is 5, not text");
  EXPECT_FALSE(m.selects(json::array()));
  EXPECT_NE(m.describe().find(R"("stream":"s-1")"), std::string::npos) << m.describe();
}

TEST(LogFields, SearchFindsTheFirstMatchAndSaysWhatFellShort) {
  const auto m = matcher(R"({fields: {msg: fragment processed}, nonempty: [transcript]})");
  const std::vector<std::string> lines = {
      "not json",
      R"({"msg":"fragment processed","transcript":""})",
      R"({"msg":"other","transcript":"x"})",
  };
  auto s = dubctl::search_log_fields(lines, m);
  EXPECT_FALSE(s.satisfied);
  EXPECT_EQ(s.considered, 2U);
  EXPECT_EQ(s.selected, 1U);
  EXPECT_NE(s.nearest.find("'transcript' is empty"), std::string::npos) << s.nearest;
  auto more = lines;
  more.emplace_back(R"({"msg":"fragment processed","transcript":"hello"})");
  s = dubctl::search_log_fields(more, m);
  EXPECT_TRUE(s.satisfied);
  ASSERT_EQ(s.matched.size(), 1U);
  EXPECT_NE(s.matched[0].find("hello"), std::string::npos);
}

TEST(LogFields, EachValueNeedsItsOwnLine) {
  const auto m =
      matcher(R"({fields: {msg: fragment processed}, nonempty: [transcript], each: {sequence_number: [0, 1, 2]}})");
  std::vector<std::string> lines = {
      R"({"msg":"fragment processed","sequence_number":0,"transcript":"one"})",
      R"({"msg":"fragment processed","sequence_number":"1","transcript":"two"})",  // a string: not fragment 1
      R"({"msg":"fragment processed","sequence_number":2,"transcript":"three"})",
      R"({"msg":"fragment processed","sequence_number":1,"transcript":""})",  // fragment 1, but empty
  };
  auto s = dubctl::search_log_fields(lines, m);
  EXPECT_FALSE(s.satisfied);
  ASSERT_EQ(s.missing_each.size(), 1U);
  EXPECT_EQ(s.missing_each[0], 1);
  lines.emplace_back(R"({"msg":"fragment processed","sequence_number":1,"transcript":"two"})");
  s = dubctl::search_log_fields(lines, m);
  EXPECT_TRUE(s.satisfied);
  EXPECT_EQ(s.matched.size(), 3U);
  EXPECT_TRUE(s.missing_each.empty());
}

TEST(LogFields, ComposeLogTextsSinceTheScenarioStarted) {
  const auto since = *dubctl::parse_rfc3339("2025-11-25T11:25:01Z");
  const std::string output =
      "svc_1  | 2025-11-25T11:25:00.9Z {\"msg\":\"old\"}\n"
      "svc_1  | 2025-11-25T11:25:01.1Z {\"msg\":\"new\"}\n"
      "Attaching to svc_1\n";
  const auto texts = dubctl::compose_log_texts(output, since);
  ASSERT_EQ(texts.size(), 1U);
  EXPECT_EQ(texts[0], "{\"msg\":\"new\"}");
}

std::string wait_scenario(const std::string& log_block) {
  return "name: x\ndescription: d\nstacks: {media: {}}\nsteps:\n  - wait:\n      log:\n" + log_block +
         "      stack: media\n";
}

TEST(LogFields, MalformedMappingsAreRejectedAtFileLineKey) {
  expect_rejected(wait_scenario("        nonempty: [transcript]\n"), 7, "steps[0].wait.log: the mapping form needs");
  expect_rejected(wait_scenario("        fields: {}\n"), 7, "steps[0].wait.log.fields: must be a non-empty mapping");
  expect_rejected(wait_scenario("        fields:\n          msg: [a, b]\n"), 8,
                  "steps[0].wait.log.fields.msg: must be a single value");
  expect_rejected(wait_scenario("        fields: {msg: x}\n        contains: {transcript: \"\"}\n"), 8,
                  "steps[0].wait.log.contains.transcript: give the text");
  expect_rejected(wait_scenario("        fields: {msg: x}\n        each: {sequence_number: [0], stream: [a]}\n"), 8,
                  "steps[0].wait.log.each: must name one field");
  expect_rejected(
      wait_scenario("        fields: {msg: x, sequence_number: 0}\n        each:\n          sequence_number: [0, 1]\n"),
      9, "steps[0].wait.log.each.sequence_number: is also under `fields:`");
  expect_rejected(wait_scenario("        fields: {msg: x}\n        each:\n          sequence_number: []\n"), 9,
                  "steps[0].wait.log.each.sequence_number: must be a non-empty list");
  expect_rejected(wait_scenario("        fields: {msg: x}\n        transcript_contains: one\n"), 8,
                  "steps[0].wait.log.transcript_contains: unknown key");
}

}  // namespace
