#include "scenario_faults.hpp"

#include <fmt/format.h>

#include <map>
#include <regex>
#include <set>

#include "scenario_reader.hpp"

namespace fs = std::filesystem;

namespace dubctl::scenario_detail {

namespace {

// The services of each compose project (compose/*/docker-compose.e2e.yml).
const std::map<std::string, std::set<std::string>> kServices = {{"media", {"mediamtx", "media-service"}},
                                                                {"sts", {"sts-service"}}};
const std::set<std::string> kActions = {"kill", "stop", "start", "restart"};
const std::set<std::string> kWorkerStates = {"starting", "running", "draining", "completed", "stopped", "failed"};

// A phase: `dubbed`, `passthrough`, `any`, a passthrough reason (`sts_unavailable`), or a mapping
// {status: ..., reason: ..., min: 1, max: N}.
FragmentPhase parse_phase(const YAML::Node& node, const std::string& path, const fs::path& file) {
  static const std::regex reason_re("[a-z][a-z_]*");
  FragmentPhase phase;
  auto classify = [&](Reader& r, const YAML::Node& at, const std::string& key, const std::string& word) {
    if (word == "dubbed" || word == "passthrough" || word == "any") {
      phase.status = word;
    } else if (std::regex_match(word, reason_re)) {
      phase.status = "passthrough";
      phase.reason = word;
    } else {
      r.fail(at, key, fmt::format("'{}' is not dubbed, passthrough, any or a passthrough reason", word));
    }
  };
  if (node.IsScalar()) {
    YAML::Node wrapper;
    wrapper["status"] = node;
    Reader r(wrapper, path, file);
    classify(r, node, path, node.Scalar());
    return phase;
  }
  Reader r(node, path, file);
  if (r.has("status")) classify(r, r.get("status"), r.key_path("status"), r.string("status"));
  if (r.has("reason")) {
    const auto reason = r.string("reason");
    if (!std::regex_match(reason, reason_re) || reason == "dubbed" || reason == "any") {
      r.fail(r.get("reason"), r.key_path("reason"), fmt::format("'{}' is not a passthrough reason", reason));
    }
    if (r.has("status") && phase.status != "passthrough") {
      r.fail(r.get("reason"), r.key_path("reason"), "a reason goes with status passthrough only");
    }
    phase.status = "passthrough";
    phase.reason = reason;
  }
  phase.min = r.integer("min", phase.min, 0, 100000);
  if (r.has("max")) phase.max = r.integer("max", 0, 0, 100000);
  r.finish();
  if (phase.max && *phase.max < phase.min) r.fail(node, path, "max is below min");
  if (phase.max && *phase.max == 0) r.fail(r.get("max"), r.key_path("max"), "must be at least 1");
  return phase;
}

}  // namespace

FaultStep parse_fault(const YAML::Node& value, const std::string& path, const fs::path& file) {
  Reader r(value, path, file);
  FaultStep fault;
  fault.stack = r.string("stack");
  const auto services = kServices.find(fault.stack);
  if (services == kServices.end()) {
    r.fail(r.get("stack"), r.key_path("stack"), fmt::format("unknown stack '{}' (use media or sts)", fault.stack));
  }
  fault.service = r.string("service");
  if (!services->second.contains(fault.service)) {
    r.fail(r.get("service"), r.key_path("service"),
           fmt::format("the {} stack has no service '{}' (it has: {})", fault.stack, fault.service,
                       fmt::join(services->second, ", ")));
  }
  fault.action = r.string("action");
  if (!kActions.contains(fault.action)) {
    r.fail(r.get("action"), r.key_path("action"),
           fmt::format("unknown action '{}' (use kill, stop, start or restart)", fault.action));
  }
  fault.after = r.duration("after", fault.after);
  fault.timeout = r.duration("timeout", fault.timeout);
  if (fault.timeout.count() <= 0) r.fail(r.get("timeout"), r.key_path("timeout"), "must be positive");
  r.finish();
  return fault;
}

VerifyWorkerStep parse_verify_worker(const YAML::Node& value, const std::string& path, const fs::path& file) {
  Reader r(value, path, file);
  VerifyWorkerStep v;
  v.media_service = r.string_or("media_service", v.media_service);
  v.stream = r.string_or("stream", v.stream);
  if (r.has("state")) {
    v.state = r.string_list("state");
    for (const auto& state : v.state) {
      if (!kWorkerStates.contains(state)) {
        r.fail(r.get("state"), r.key_path("state"),
               fmt::format("unknown worker state '{}' (use {})", state, fmt::join(kWorkerStates, ", ")));
      }
    }
  }
  v.error_contains = r.string_or("error_contains", "");
  v.end_reason_contains = r.string_or("end_reason_contains", "");
  if (r.has("min_fragments")) v.min_fragments = r.integer("min_fragments", 0, 0, 100000);
  if (r.has("all_published")) v.all_published = r.boolean("all_published", r.get("all_published"));
  if (r.has("phases")) {
    const auto phases = r.get("phases");
    if (!phases.IsSequence() || phases.size() == 0) {
      r.fail(phases, r.key_path("phases"), "must be a non-empty list of runs (dubbed, passthrough, any, a reason)");
    }
    for (std::size_t i = 0; i < phases.size(); ++i) {
      v.phases.push_back(parse_phase(phases[i], fmt::format("{}[{}]", r.key_path("phases"), i), file));
    }
  }
  if (r.has("min_reconnections")) v.min_reconnections = r.integer("min_reconnections", 0, 0, 1000);
  v.timeout = r.duration("timeout", v.timeout);
  r.finish();
  return v;
}

}  // namespace dubctl::scenario_detail
