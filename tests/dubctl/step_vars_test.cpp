// A step's `vars:` (step_vars.hpp): parsed strictly, checked against the steps that use them before
// anything runs, taken from the step's result document (steps/result.cpp) at run time, secret ones
// marked for masking.
#include "step_vars.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "dub/util/error.hpp"
#include "endpoints.hpp"
#include "scenario.hpp"
#include "scenario_reject.hpp"
#include "steps/step.hpp"

namespace {

using dubctl::EnvMap;
using dubctl::parse_scenario;
using nlohmann::json;

const std::string kHead = "name: v\ndescription: d\nsteps:\n";

std::vector<std::string> problems_of(const std::string& steps) {
  try {
    parse_scenario(kHead + steps, "scenarios/x.yaml");
  } catch (const dubctl::ScenarioError& e) {
    return e.problems();
  }
  return {};
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

TEST(StepVars, ParsedWithTheirLinesAndKeys) {
  const auto s = parse_scenario(kHead + R"yaml(  - wait: {http: "http://h/a"}
    vars:
      first_rtt: {from: "$.body.fragments[0].latency_ms"}
      state: $.body.state
      model: {from: "$.body.log", regex: "model=(\\S+)"}
  - wait: {http: "http://h/${first_rtt}/${state:-x}/${model}", body_contains: "${state}"}
)yaml",
                                "scenarios/x.yaml");
  ASSERT_EQ(s.steps[0].vars.size(), 3U);
  const auto& v = s.steps[0].vars;
  EXPECT_EQ(v[0].name, "first_rtt");
  EXPECT_EQ(v[0].from, "$.body.fragments[0].latency_ms");
  EXPECT_EQ(v[0].line, 6);
  EXPECT_EQ(v[0].key, "steps[0].vars.first_rtt");
  EXPECT_EQ(v[1].from, "$.body.state");  // NAME: PATH is short for {from: PATH}
  EXPECT_EQ(v[1].regex, "");
  EXPECT_EQ(v[2].regex, "model=(\\S+)");
  // The uses without a default, each with its line and key (${state:-x} has a default).
  const auto& uses = s.steps[1].uses;
  ASSERT_EQ(uses.size(), 3U);
  EXPECT_EQ(uses[0].name, "first_rtt");
  EXPECT_EQ(uses[0].key, "steps[1].wait.http");
  EXPECT_EQ(uses[0].line, 9);
  EXPECT_EQ(uses[1].name, "model");
  EXPECT_EQ(uses[2].name, "state");
  EXPECT_EQ(uses[2].key, "steps[1].wait.body_contains");
}

TEST(StepVars, MalformedEntriesAreRefusedWithFileLineAndKey) {
  expect_rejected(kHead + "  - wait: {http: x}\n    vars: {a: {from: state}}\n", 5,
                  "steps[0].vars.a.from: 'state' is not a path this takes");
  expect_rejected(kHead + "  - wait: {http: x}\n    vars: {a: {from: $.a, regex: \"(\"}}\n", 5,
                  "steps[0].vars.a.regex: '(' is not a valid regex");
  expect_rejected(kHead + "  - wait: {http: x}\n    vars: {a: {form: $.a}}\n", 5,
                  "steps[0].vars.a.form: unknown key; did you mean from? (from is required)");
  expect_rejected(kHead + "  - wait: {http: x}\n    vars: {1a: $.a}\n", 5, "'1a' is not a variable name");
  expect_rejected(kHead + "  - wait: {http: x}\n    vars: {stream: $.a}\n", 5,
                  "steps[0].vars.stream: the runner sets ${stream} for every scenario");
  expect_rejected(kHead + "  - wait: {http: x}\n    vars: [a]\n", 5, "steps[0].vars: must be a mapping");
  expect_rejected(kHead + "  - wait: {http: x}\n    vars: {a: [1]}\n", 5,
                  "must be a path ($.a.b) or {from: PATH, regex: RE}");
  expect_rejected(kHead + "  - wait: {http: x}\n    expect_error: refused\n    vars: {a: $.a}\n", 6,
                  "steps[0].vars: not allowed with expect_error");
  // A misspelt `vars` beside the step's key: the common-key suggestion.
  expect_rejected(kHead + "  - wait: {http: x}\n    var: {a: $.a}\n", 4, "did you mean vars?");
}

TEST(StepVars, AUseBeforeItsCaptureIsRefusedNamingBoth) {
  // A later step captures it.
  auto p = joined(problems_of("  - wait: {http: \"h/${rtt}\"}\n  - wait: {http: h}\n    vars: {rtt: $.a}\n"));
  EXPECT_NE(p.find("scenarios/x.yaml:4: steps[0].wait.http: ${rtt} is used before any step captures it: the step at "
                   "line 5 captures it (steps[1].vars.rtt), after this one"),
            std::string::npos)
      << p;
  // The step itself: its options are expanded before it runs.
  p = joined(problems_of("  - wait: {http: \"h/${rtt}\"}\n    vars: {rtt: $.a}\n"));
  EXPECT_NE(p.find("x.yaml:4: steps[0].wait.http: ${rtt} is used before any step captures it: this step captures it"),
            std::string::npos)
      << p;
  // Only a skipped step captures it: it captures nothing.
  p = joined(problems_of("  - wait: {http: h}\n    skip: later\n    vars: {rtt: $.a}\n  - wait: {http: \"${rtt}\"}\n"));
  EXPECT_NE(p.find("x.yaml:7: steps[1].wait.http: ${rtt} is used before any step captures it: the step at line 4 "
                   "that captures it (steps[0].vars.rtt) is skipped (skip: later), and a skipped step captures "
                   "nothing"),
            std::string::npos)
      << p;
  // A skipped step before it and one after it capture it: both are named.
  const std::string skipped_then_later =
      "  - wait: {http: h}\n    skip: later\n    vars: {rtt: $.a}\n  - wait: {http: \"${rtt}\"}\n"
      "  - wait: {http: h}\n    vars: {rtt: $.b}\n";
  p = joined(problems_of(skipped_then_later));
  EXPECT_NE(p.find("is skipped (skip: later), and a skipped step captures nothing; the step at line 8 captures it "
                   "(steps[2].vars.rtt), after this one"),
            std::string::npos)
      << p;
  // A skipped step is never expanded: what it uses is not checked, whoever captures it.
  EXPECT_TRUE(problems_of("  - wait: {http: \"h/${rtt}\"}\n    skip: later\n  - wait: {http: h}\n"
                          "    vars: {rtt: $.a}\n")
                  .empty());
  EXPECT_TRUE(problems_of("  - wait: {http: \"h/${rtt}\"}\n    skip: later\n    vars: {rtt: $.a}\n").empty());
  // Captured earlier, with a default, or captured by no step (a --var, --env or the environment): fine.
  EXPECT_TRUE(problems_of("  - wait: {http: h}\n    vars: {rtt: $.a}\n  - wait: {http: \"${rtt}\"}\n").empty());
  EXPECT_TRUE(problems_of("  - wait: {http: \"${rtt:-1}\"}\n  - wait: {http: h}\n    vars: {rtt: $.a}\n").empty());
  EXPECT_TRUE(problems_of("  - wait: {http: \"${GIVEN_WITH_VAR}\"}\n").empty());
}

TEST(StepVars, ValidateSuggestsTheCapturedNameForATypo) {
  const auto s = parse_scenario(kHead + R"(  - wait: {http: h}
    vars: {first_rtt: $.a}
  - wait: {http: "${firts_rtt}/${FROM_ENV}/${media.api}/${PORT}"}
)",
                                "scenarios/x.yaml");
  const auto p = joined(dubctl::var_typo_problems(s, {{"FROM_ENV", "1"}}));
  EXPECT_NE(p.find("scenarios/x.yaml:6: steps[1].wait.http: ${firts_rtt} is set by nothing here; did you mean "
                   "${first_rtt} (captured at line 5)?"),
            std::string::npos)
      << p;
  EXPECT_EQ(dubctl::var_typo_problems(s, {{"FROM_ENV", "1"}, {"firts_rtt", "1"}}), std::vector<std::string>{});
}

dubctl::Step step_with(const std::string& yaml_vars) {
  return parse_scenario(kHead + "  - wait: {http: h}\n    vars: " + yaml_vars + "\n", "scenarios/x.yaml").steps[0];
}

const json kResult = json::parse(R"({"state": "completed", "log": "loaded model=base.en in 2 s", "error": null,
  "fragments": [{"latency_ms": 812}], "auth": "Bearer sk-live-0123456789"})");

// The message capture_vars throws for `yaml_vars`, or "" when every var is taken.
std::string capture_error(const std::string& yaml_vars, const dubctl::Redactor& r = {}) {
  try {
    (void)dubctl::capture_vars(step_with(yaml_vars), kResult, "scenarios/x.yaml", r);
  } catch (const dub::Error& e) {
    return e.what();
  }
  return "";
}

TEST(StepVars, TakenByPathAndRegex) {
  const auto got = dubctl::capture_vars(
      step_with(R"yaml({rtt: "$.fragments[0].latency_ms", state: /state, model: {from: $.log, regex: "model=(\\S+)"},
                    seconds: {from: $.log, regex: "[0-9]+ s"}, frags: $.fragments})yaml"),
      kResult, "scenarios/x.yaml", {});
  ASSERT_EQ(got.size(), 5U);
  EXPECT_EQ(got[0].value, "812");
  EXPECT_EQ(got[1].value, "completed");
  EXPECT_EQ(got[2].value, "base.en");  // its first group
  EXPECT_EQ(got[3].value, "2 s");      // no group: the whole match
  EXPECT_EQ(got[4].value, R"([{"latency_ms":812}])");
  EXPECT_EQ(dubctl::captured_summary(got),
            "vars: rtt=812, state=completed, model=base.en, seconds=2 s, frags=" + got[4].value);
}

TEST(StepVars, ACaptureThatFailsNamesFileLineKeyAndVar) {
  auto e = capture_error("{rtt: \"$.fragments[0].round_trip_ms\"}");
  EXPECT_NE(e.find("scenarios/x.yaml:5: steps[0].vars.rtt: cannot capture ${rtt}: $.fragments[0] has no "
                   "'round_trip_ms' (it has: latency_ms)"),
            std::string::npos)
      << e;
  e = capture_error("{model: {from: $.log, regex: \"mode=(\\\\d+)\"}}");
  EXPECT_NE(e.find("steps[0].vars.model: cannot capture ${model}: /mode=(\\d+)/ does not match $.log: 'loaded "
                   "model=base.en in 2 s'"),
            std::string::npos)
      << e;
  e = capture_error("{err: $.error}");
  EXPECT_NE(e.find("cannot capture ${err}: $.error is null: nothing to capture"), std::string::npos) << e;
  e = capture_error("{m: {from: $.log, regex: \"x|(y)\"}}");
  EXPECT_NE(e.find("does not match"), std::string::npos) << e;
  e = capture_error("{m: {from: $.log, regex: \"base|(zzz)\"}}");
  EXPECT_NE(e.find("matches $.log but its group 1 takes no part"), std::string::npos) << e;
}

TEST(StepVars, SecretsStaySecret) {
  dubctl::Redactor r;
  r.add_value("sk-live-0123456789");
  r.declare({"MY_KEY"});
  const auto got =
      dubctl::capture_vars(step_with(R"yaml({part: {from: $.auth, regex: "sk-(\\w+)"}, whole: $.auth, state: $.state,
                    word: {from: $.auth, regex: "Bearer"}, session_token: $.state, MY_KEY: $.state})yaml"),
                           kResult, "scenarios/x.yaml", r);
  ASSERT_EQ(got.size(), 6U);
  EXPECT_EQ(got[0].value, "live");  // a part of a secret's value
  EXPECT_TRUE(got[0].secret);
  EXPECT_TRUE(got[1].secret);   // a text holding a secret's value
  EXPECT_FALSE(got[2].secret);  // nothing secret about it
  EXPECT_FALSE(got[3].secret);  // beside the secret, not in it
  EXPECT_TRUE(got[4].secret);   // named as secrets are (*_TOKEN)
  EXPECT_TRUE(got[5].secret);   // declared (secrets:, --secret)
  EXPECT_EQ(dubctl::captured_summary(got),
            "vars: part=***, whole=***, state=completed, word=Bearer, session_token=***, MY_KEY=***");
}

// A secret-named var's source may hold the very value it was meant to take: its failure says what
// failed, not the text.
TEST(StepVars, ASecretNamedVarThatFailsQuotesNothing) {
  for (const auto* vars : {"{api_token: {from: $.auth, regex: \"sk-(\\\\d+)$\"}}",
                           "{api_token: {from: $.auth, regex: \"Bearer|(zzz)\"}}"}) {
    const auto e = capture_error(vars);
    EXPECT_NE(e.find("steps[0].vars.api_token: cannot capture ${api_token}: /"), std::string::npos) << e;
    EXPECT_NE(e.find("$.auth"), std::string::npos) << e;
    EXPECT_NE(e.find(" (its text is not shown: the var is named as a secret)"), std::string::npos) << e;
    EXPECT_EQ(e.find("sk-live"), std::string::npos) << e;
  }
  // Not secret-named: the text is quoted, as the failure needs to be understood.
  EXPECT_NE(capture_error("{key: {from: $.auth, regex: \"sk-(\\\\d+)$\"}}").find("'Bearer sk-live-0123456789'"),
            std::string::npos);
}

// What the JSON library throws (a value holding invalid UTF-8 cannot be written as JSON) fails the
// capture as any other failure does, naming its place, instead of escaping the run.
TEST(StepVars, AValueThatCannotBeWrittenAsJsonFailsTheCapture) {
  const json bad = {{"line", "bytes \xff\xfe here"}};
  try {
    (void)dubctl::capture_vars(step_with("{all: $}"), bad, "scenarios/x.yaml", {});
    FAIL() << "invalid UTF-8 cannot be captured as JSON";
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find("scenarios/x.yaml:5: steps[0].vars.all: cannot capture ${all}: "),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("invalid UTF-8"), std::string::npos) << e.what();
  }
}

// A secret is handed on as soon as it is taken, before the next var of the step is: that one's
// failure may quote text holding it.
TEST(StepVars, ASecretIsHandedOnBeforeTheNextVarIsTaken) {
  dubctl::Redactor r;
  std::vector<std::string> handed;
  const auto keep = [&](const dubctl::CapturedVar& c) {
    handed.push_back(c.name);
    r.add_value(c.value);
  };
  try {
    (void)dubctl::capture_vars(
        step_with("{session_token: $.auth, state: $.state, level: {from: $.auth, regex: \"level=(\\\\w+)\"}}"), kResult,
        "scenarios/x.yaml", r, keep);
    FAIL() << "level= is not in $.auth";
  } catch (const dub::Error& e) {
    EXPECT_EQ(handed, std::vector<std::string>{"session_token"});  // the secret one, not state
    const auto shown = r.apply(e.what());
    EXPECT_NE(shown.find("does not match $.auth: '***'"), std::string::npos) << shown;
  }
}

TEST(StepVars, AnUnsetUseIsToldWithItsPlace) {
  const auto s = parse_scenario(kHead +
                                    "  - wait: {http: h}\n    vars: {first_rtt: $.a}\n"
                                    "  - wait: {http: \"h/${firts_rtt}\"}\n",
                                "scenarios/x.yaml");
  const auto msg = dubctl::unset_var_message(s.steps[1], {{"first_rtt", "1"}}, "scenarios/x.yaml", "raw");
  EXPECT_NE(msg.find("scenarios/x.yaml:6: steps[1].wait.http: ${firts_rtt} is not set: no earlier step captures it"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("did you mean first_rtt?"), std::string::npos) << msg;
  EXPECT_EQ(dubctl::unset_var_message(s.steps[1], {{"firts_rtt", "1"}}, "scenarios/x.yaml", "raw"), "raw");
}

TEST(StepResultJson, DataDetailAndTypedMeasurements) {
  dubctl::StepResult r;
  r.detail = "completed: 5 dubbed";
  r.measurements = {{"worker_max_round_trip_ms", "812"}, {"worker_fragments", "5 dubbed"}, {"ratio", "0.25"}};
  r.data = {{"state", "completed"}};
  const auto doc = dubctl::result_json(r);
  EXPECT_EQ(doc["state"], "completed");
  EXPECT_EQ(doc["detail"], "completed: 5 dubbed");
  EXPECT_EQ(doc["measurements"]["worker_max_round_trip_ms"], 812);
  EXPECT_EQ(doc["measurements"]["ratio"], 0.25);
  EXPECT_EQ(doc["measurements"]["worker_fragments"], "5 dubbed");
  EXPECT_EQ(dubctl::http_answer_json(200, R"({"a":1})")["body"]["a"], 1);
  EXPECT_EQ(dubctl::http_answer_json(404, "not found")["body"], "not found");
  EXPECT_EQ(dubctl::http_answer_json(200, "5")["body"], "5");  // a bare scalar stays text
  const auto log = dubctl::log_line_json(R"(media-service | {"msg":"sts stream open","mode":"echo"})");
  EXPECT_EQ(log["fields"]["mode"], "echo");
  EXPECT_FALSE(dubctl::log_line_json("plain text line").contains("fields"));
}

// Captures may not take a name the runner sets: the list must hold every one it sets.
TEST(StepVars, RunnerNamesCoverTheEndpoints) {
  EnvMap vars;
  dubctl::add_endpoints(vars, DUB_SOURCE_DIR, "s-1");
  const auto& names = dubctl::runner_var_names();
  for (const auto& [name, value] : vars) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
}

}  // namespace
