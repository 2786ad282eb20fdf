// Fault injection in dubctl: the `fault:` step and `verify: {worker: ...}` as parsed, the worker
// checks (phases of dubbed / passthrough fragments), the compose commands, and how a dead container
// is named.
#include <gtest/gtest.h>

#include "containers.hpp"
#include "fault.hpp"
#include "scenario.hpp"
#include "scenario_reject.hpp"
#include "steps/step.hpp"
#include "worker_check.hpp"

namespace {

using dubctl::FragmentPhase;
using dubctl::parse_scenario;

std::string with_steps(const std::string& steps) {
  return "name: a\ndescription: d\nstacks: {media: {}, sts: {}}\nsteps:\n" + steps;
}

TEST(ScenarioFault, ParsesBothForms) {
  const auto s = parse_scenario(with_steps(R"(  - fault: {stack: sts, service: sts-service, action: kill, after: 12s}
  - fault: {stack: media, service: mediamtx, action: restart, timeout: 45s}
  - wait: {fault: done, timeout: 90s}
)"),
                                "x.yaml");
  ASSERT_EQ(s.steps.size(), 3U);
  const auto& a = dubctl::step_as<dubctl::FaultStep>(s.steps[0]);
  EXPECT_EQ(a.stack, "sts");
  EXPECT_EQ(a.service, "sts-service");
  EXPECT_EQ(a.action, "kill");
  EXPECT_EQ(a.after, std::chrono::seconds(12));
  EXPECT_EQ(a.timeout, std::chrono::seconds(120));  // the default
  const auto& b = dubctl::step_as<dubctl::FaultStep>(s.steps[1]);
  EXPECT_EQ(b.after.count(), 0);  // now, blocking
  EXPECT_EQ(b.timeout, std::chrono::seconds(45));
  const auto& w = dubctl::step_as<dubctl::WaitPublishStep>(s.steps[2]);
  EXPECT_EQ(w.what, "fault");
  EXPECT_EQ(w.timeout, std::chrono::seconds(90));
}

TEST(ScenarioFault, MalformedIsRejectedWithLineAndKey) {
  expect_rejected(with_steps("  - fault: {stack: sts, action: kill}\n"), 5, "steps[0].fault.service: is required");
  expect_rejected(with_steps("  - fault: {stack: db, service: x, action: kill}\n"), 5, "steps[0].fault.stack");
  expect_rejected(with_steps("  - up: sts\n  - fault: {stack: sts, service: sts, action: kill}\n"), 6,
                  "the sts stack has no service 'sts' (it has: sts-service)");
  expect_rejected(with_steps("  - fault: {stack: media, service: mediamtx, action: freeze}\n"), 5,
                  "unknown action 'freeze' (use kill, stop, start, restart, pause or unpause)");
  expect_rejected(with_steps("  - fault: {stack: media, service: mediamtx, action: kill, after: soon}\n"), 5,
                  "steps[0].fault.after");
  expect_rejected(with_steps("  - fault:\n      stack: media\n      service: mediamtx\n      action: kill\n"
                             "      delay: 3s\n"),
                  9, "steps[0].fault.delay: unknown key");
  // The stack must be declared, so its settings are explicit.
  expect_rejected(
      "name: a\ndescription: d\nstacks: {media: {}}\nsteps:\n"
      "  - fault: {stack: sts, service: sts-service, action: kill}\n",
      5, "names stack 'sts', which is not declared");
}

TEST(ScenarioVerifyWorker, ParsesPhasesInBothForms) {
  const auto s = parse_scenario(with_steps(R"(  - verify:
      worker:
        state: [completed, stopped]
        min_fragments: 5
        error_contains: boom
        phases:
          - dubbed
          - {state: any, min: 0, max: 1}
          - {reason: sts_unavailable, min: 2}
          - sts_unavailable
          - passthrough
        min_reconnections: 1
        timeout: 90s
)"),
                                "x.yaml");
  const auto& v = dubctl::step_as<dubctl::VerifyWorkerStep>(s.steps[0]);
  EXPECT_EQ(v.state, (std::vector<std::string>{"completed", "stopped"}));
  EXPECT_EQ(v.min_fragments, 5);
  EXPECT_EQ(v.error_contains, "boom");
  EXPECT_TRUE(v.all_published);
  EXPECT_EQ(v.min_reconnections, 1);
  EXPECT_EQ(v.timeout, std::chrono::seconds(90));
  EXPECT_EQ(v.stream, "${stream}");
  ASSERT_EQ(v.phases.size(), 5U);
  EXPECT_EQ(dubctl::describe_phase(v.phases[0]), "dubbed x>=1");
  EXPECT_EQ(dubctl::describe_phase(v.phases[1]), "any x0..1");
  EXPECT_EQ(dubctl::describe_phase(v.phases[2]), "sts_unavailable x>=2");
  EXPECT_EQ(v.phases[3].state, "passthrough");
  EXPECT_EQ(v.phases[3].reason, "sts_unavailable");
  EXPECT_EQ(v.phases[4].state, "passthrough");
  EXPECT_TRUE(v.phases[4].reason.empty());
}

TEST(ScenarioVerifyWorker, MalformedIsRejectedWithLineAndKey) {
  expect_rejected(with_steps("  - verify: {worker: {state: done}}\n"), 5, "unknown worker state 'done'");
  expect_rejected(with_steps("  - verify: {worker: {phases: []}}\n"), 5, "steps[0].verify.worker.phases");
  expect_rejected(
      with_steps("  - verify:\n      worker:\n        phases:\n          - {state: dubbed, reason: timeout}\n"), 8,
      "steps[0].verify.worker.phases[0].reason: a reason goes with state passthrough only");
  expect_rejected(
      with_steps("  - verify:\n      worker:\n        phases:\n          - {reason: timeout, min: 3, max: 2}\n"), 8,
      "max is below min");
  expect_rejected(with_steps("  - verify:\n      worker:\n        phases: [Dubbed!]\n"), 7,
                  "'Dubbed!' is not dubbed, passthrough, any or a passthrough reason");
  expect_rejected(with_steps("  - verify: {worker: {stat: completed}}\n"), 5,
                  "steps[0].verify.worker.stat: unknown key");
}

FragmentPhase phase(const std::string& state, const std::string& reason = "", int min = 1,
                    std::optional<int> max = std::nullopt) {
  FragmentPhase p;
  p.state = state;
  p.reason = reason;
  p.min = min;
  p.max = max;
  return p;
}

TEST(WorkerCheck, PhasesSplitTheFragmentsIntoRunsInOrder) {
  const std::vector<FragmentPhase> killed = {phase("dubbed"), phase("any", "", 0, 1),
                                             phase("passthrough", "sts_unavailable", 3)};
  const std::string D = "dubbed";
  const std::string X = "passthrough:disconnected";
  const std::string U = "passthrough:sts_unavailable";
  EXPECT_FALSE(dubctl::phases_problem(killed, {D, X, U, U, U}));
  EXPECT_FALSE(dubctl::phases_problem(killed, {D, D, U, U, U}));  // the boundary one dubbed
  EXPECT_FALSE(dubctl::phases_problem(killed, {D, U, U, U, U}));  // or sts_unavailable
  EXPECT_TRUE(dubctl::phases_problem(killed, {D, X, U, U}));      // too few after the kill
  EXPECT_TRUE(dubctl::phases_problem(killed, {U, U, U, U, U}));   // nothing dubbed before
  EXPECT_TRUE(dubctl::phases_problem(killed, {D, X, X, U, U, U}));
  EXPECT_TRUE(dubctl::phases_problem(killed, {D, U, U, U, D}));  // dubbed again: not this scenario
  const std::vector<FragmentPhase> restarted = {phase("dubbed"), phase("any", "", 0, 1),
                                                phase("passthrough", "sts_unavailable"), phase("dubbed")};
  EXPECT_FALSE(dubctl::phases_problem(restarted, {D, X, U, U, D}));
  EXPECT_FALSE(dubctl::phases_problem(restarted, {D, D, U, D, D}));
  EXPECT_TRUE(dubctl::phases_problem(restarted, {D, X, U, U, U}));  // never dubbed again
  const auto message = dubctl::phases_problem(restarted, {D, X, U, U, U});
  ASSERT_TRUE(message);
  EXPECT_NE(message->find("[dubbed, passthrough:disconnected, passthrough:sts_unavailable"), std::string::npos)
      << *message;
  EXPECT_NE(message->find("[dubbed x>=1, any x0..1, sts_unavailable x>=1, dubbed x>=1]"), std::string::npos)
      << *message;
  EXPECT_FALSE(dubctl::phases_problem({}, {D, U}));  // no phases: nothing checked
  EXPECT_FALSE(dubctl::phases_problem({phase("passthrough")}, {X, U}));
}

nlohmann::json fragment(int seq, const std::string& state, const char* reason = nullptr, bool published = true) {
  return {{"sequence_number", seq},
          {"state", state},
          {"passthrough_reason", reason != nullptr ? nlohmann::json(reason) : nlohmann::json(nullptr)},
          {"published", published}};
}

TEST(WorkerCheck, NamesEveryDifference) {
  const nlohmann::json worker = {
      {"state", "failed"},
      {"error", "RTMP publish to rtmp://mediamtx:1935/live/x/out failed: connection closed"},
      {"end_reason", nullptr},
      {"sts", {{"reconnections", 0}}},
      {"fragments", {fragment(0, "dubbed"), fragment(1, "partial"), fragment(2, "passthrough", "no_sts", false)}}};
  dubctl::VerifyWorkerStep ok;
  ok.state = {"failed"};
  ok.error_contains = "RTMP publish to rtmp://mediamtx:1935/live/x/out failed";
  ok.all_published = false;
  ok.phases = {phase("dubbed", "", 2), phase("passthrough", "no_sts")};
  EXPECT_TRUE(dubctl::worker_problems(ok, worker).empty());

  dubctl::VerifyWorkerStep bad;
  bad.state = {"completed"};
  bad.error_contains = "timeout";
  bad.end_reason_contains = "source ended";
  bad.min_fragments = 5;
  bad.min_reconnections = 1;
  bad.phases = {phase("dubbed", "", 3)};
  const auto problems = dubctl::worker_problems(bad, worker);
  ASSERT_EQ(problems.size(), 7U);
  EXPECT_EQ(problems[0].rfind("state: expected completed, found failed (error: RTMP publish", 0), 0U) << problems[0];
  EXPECT_EQ(problems[1].rfind("error: expected it to contain 'timeout'", 0), 0U);
  EXPECT_EQ(problems[2], "end_reason: expected it to contain 'source ended', found ''");
  EXPECT_EQ(problems[3], "fragments: expected at least 5, found 3");
  EXPECT_EQ(problems[4], "fragments never published to the output: 2");
  EXPECT_EQ(problems[5].rfind("the fragments, in order [dubbed, dubbed, passthrough:no_sts]", 0), 0U);
  EXPECT_EQ(problems[6], "sts.reconnections: expected at least 1, found 0");
}

TEST(WorkerCheck, EveryFragmentsRoundTripWithinTheBudget) {
  auto timed = [](int seq, const std::string& state, nlohmann::json latency, const char* reason = nullptr) {
    auto f = fragment(seq, state, reason);
    f["latency_ms"] = std::move(latency);
    return f;
  };
  const nlohmann::json fast = {{"state", "completed"},
                               {"fragments", {timed(0, "dubbed", 2400.5), timed(1, "dubbed", 14999.0)}}};
  const nlohmann::json slow = {
      {"state", "completed"},
      {"fragments",
       {timed(0, "dubbed", 20012.4), timed(1, "dubbed", 900.0), timed(2, "passthrough", nullptr, "timeout")}}};
  dubctl::VerifyWorkerStep step;
  EXPECT_TRUE(dubctl::worker_problems(step, slow).empty());  // no budget: not checked
  step.max_round_trip = std::chrono::seconds(15);
  EXPECT_TRUE(dubctl::worker_problems(step, fast).empty());
  const auto problems = dubctl::worker_problems(step, slow);
  ASSERT_EQ(problems.size(), 2U);
  EXPECT_EQ(problems[0], "fragment 0: round trip 20012 ms (sent -> dubbed audio back), over the 15000 ms budget");
  EXPECT_EQ(problems[1], "fragment 2: no answer before FRAGMENT_TIMEOUT, over the 15000 ms round-trip budget");
}

TEST(ScenarioVerifyWorker, ParsesTheRoundTripBudget) {
  const auto s = parse_scenario(with_steps("  - verify: {worker: {max_round_trip: 15s}}\n"), "x.yaml");
  EXPECT_EQ(dubctl::step_as<dubctl::VerifyWorkerStep>(s.steps[0]).max_round_trip, std::chrono::seconds(15));
  const auto none = parse_scenario(with_steps("  - verify: {worker: {state: completed}}\n"), "x.yaml");
  EXPECT_FALSE(dubctl::step_as<dubctl::VerifyWorkerStep>(none.steps[0]).max_round_trip);
  expect_rejected(with_steps("  - verify: {worker: {max_round_trip: soon}}\n"), 5,
                  "steps[0].verify.worker.max_round_trip");
}

TEST(Containers, ParsesDockerInspectLines) {
  const auto list = dubctl::parse_container_statuses(
      "/dubmedia_media-service_1|media-service|exited||137|false|8080,\n"
      "/dubmedia_mediamtx_1|mediamtx|running|healthy|0|false|1935,8554,9997,\n"
      "WARNING: something else\n"
      "/dubsts_sts-service_1|sts-service|running|starting|0|false|\n");
  ASSERT_EQ(list.size(), 3U);
  EXPECT_EQ(list[0].name, "dubmedia_media-service_1");
  EXPECT_EQ(list[0].service, "media-service");
  EXPECT_FALSE(list[0].running());
  EXPECT_EQ(list[0].exit_code, 137);
  EXPECT_EQ(list[0].host_ports, std::vector<int>{8080});
  EXPECT_TRUE(list[1].up());
  EXPECT_EQ(list[1].host_ports, (std::vector<int>{1935, 8554, 9997}));
  EXPECT_TRUE(list[2].running());
  EXPECT_FALSE(list[2].up());  // health check still starting
  EXPECT_TRUE(list[2].host_ports.empty());
}

TEST(Containers, NamesTheDeadServiceAndHowItEnded) {
  dubctl::ContainerStatus c;
  c.service = "media-service";
  c.state = "exited";
  c.exit_code = 137;
  EXPECT_EQ(dubctl::not_running_message(c, "dubmedia"),
            "media-service (compose project dubmedia) is not running: exited with code 137 (killed by signal 9, "
            "SIGKILL)");
  c.exit_code = 1;
  EXPECT_EQ(dubctl::not_running_message(c, "dubmedia"),
            "media-service (compose project dubmedia) is not running: exited with code 1");
  c.oom_killed = true;
  c.exit_code = 137;
  EXPECT_EQ(dubctl::not_running_message(c, "dubmedia"),
            "media-service (compose project dubmedia) is not running: killed for lack of memory (exit code 137)");
  c.oom_killed = false;
  c.state = "restarting";
  EXPECT_EQ(dubctl::not_running_message(c, "dubmedia"),
            "media-service (compose project dubmedia) is not running: restarting");
}

TEST(Containers, LocalPortOfAUrl) {
  EXPECT_EQ(dubctl::local_port("http://localhost:8080/v1/streams/x"), 8080);
  EXPECT_EQ(dubctl::local_port("http://127.0.0.1:3000"), 3000);
  EXPECT_FALSE(dubctl::local_port("http://sts-service:3000/health"));
  EXPECT_FALSE(dubctl::local_port("http://localhost/health"));
}

TEST(Fault, ComposeArguments) {
  using V = std::vector<std::string>;
  EXPECT_EQ(dubctl::fault_args("kill", "sts-service"), (V{"kill", "-s", "SIGKILL", "sts-service"}));
  EXPECT_EQ(dubctl::fault_args("stop", "sts-service"), (V{"stop", "-t", "10", "sts-service"}));
  EXPECT_EQ(dubctl::fault_args("start", "mediamtx"), (V{"start", "mediamtx"}));
  EXPECT_EQ(dubctl::fault_args("restart", "mediamtx"), (V{"restart", "-t", "10", "mediamtx"}));
  EXPECT_EQ(dubctl::fault_args("pause", "sts-service"), (V{"pause", "sts-service"}));
  EXPECT_EQ(dubctl::fault_args("unpause", "sts-service"), (V{"unpause", "sts-service"}));
  EXPECT_THROW(dubctl::fault_args("freeze", "sts-service"), dub::Error);
}

}  // namespace
