// `verify: {worker: {state: completed, phases: [...], max_passthrough: 0, max_output_delay: 1s,
// max_output_lag: 10s, max_in_flight: 3, min_queued: 1, max_ingest: 5s, ...}}`: what the media service recorded about
// the stream's worker, once it has finished (worker_check.hpp).
#include <fmt/format.h>

#include <regex>
#include <set>

#include "evidence.hpp"
#include "scenario_reader.hpp"
#include "session.hpp"
#include "steps/step.hpp"
#include "worker_check.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

using scenario_detail::Reader;

const std::set<std::string> kWorkerStates = {"starting", "running", "draining", "completed", "stopped", "failed"};

// A phase: `dubbed`, `passthrough`, `any`, a passthrough reason (`sts_unavailable`), or a mapping
// {state: ..., reason: ..., min: 1, max: N}.
FragmentPhase parse_phase(const YAML::Node& node, const std::string& path, const fs::path& file) {
  static const std::regex reason_re("[a-z][a-z_]*");
  FragmentPhase phase;
  auto classify = [&](Reader& r, const YAML::Node& at, const std::string& key, const std::string& word) {
    if (word == "dubbed" || word == "passthrough" || word == "any") {
      phase.state = word;
    } else if (std::regex_match(word, reason_re)) {
      phase.state = "passthrough";
      phase.reason = word;
    } else {
      r.report(at, key, fmt::format("'{}' is not dubbed, passthrough, any or a passthrough reason", word));
    }
  };
  if (node.IsScalar()) {
    YAML::Node wrapper;
    wrapper["state"] = node;
    Reader r(wrapper, path, file);
    classify(r, node, path, node.Scalar());
    return phase;
  }
  Reader r(node, path, file);
  if (r.has("state")) classify(r, r.get("state"), r.key_path("state"), r.string("state"));
  if (r.has("reason")) {
    const auto reason = r.string("reason");
    if (!std::regex_match(reason, reason_re) || reason == "dubbed" || reason == "any") {
      r.report(r.get("reason"), r.key_path("reason"), fmt::format("'{}' is not a passthrough reason", reason));
    }
    if (r.has("state") && phase.state != "passthrough") {
      r.report(r.get("reason"), r.key_path("reason"), "a reason goes with state passthrough only");
    }
    phase.state = "passthrough";
    phase.reason = reason;
  }
  phase.min = r.integer("min", phase.min, 0, 100000);
  if (r.has("max")) phase.max = r.integer("max", 0, 0, 100000);
  r.finish();
  if (phase.max && *phase.max < phase.min) r.report(node, path, "max is below min");
  if (phase.max && *phase.max == 0) r.report(r.get("max"), r.key_path("max"), "must be at least 1");
  return phase;
}

class VerifyWorker final : public StepOf<VerifyWorkerStep, VerifyWorker> {
 public:
  void expand(const EnvMap& vars) override {
    expand_each(vars, options.media_service, options.stream, options.error_contains, options.end_reason_contains);
  }
  [[nodiscard]] std::string describe() const override { return fmt::format("verify the worker of {}", options.stream); }
  void run(StepContext& ctx, StepResult& result) const override {
    auto& session = ctx.session;
    auto& ev = ctx.evidence;
    if (options.max_ingest && !ev.published_at) {
      throw dub::Error("max_ingest: no publish step has sent a packet before this one: nothing to measure from");
    }
    // Where the worker's picture started against its sound, for the drift check (evidence.hpp): later
    // when it joined the live stream mid-GOP, which happens even with wait_reader on a busy machine
    // (its reader attached, its first keyframe lost: 942 ms counted as drift in a CI run). Kept even
    // when the worker fails its checks.
    const auto note_join = [&ev, &result] {
      if (ev.published_at) ev.source_start_offset_s = input_start_offset_s(result.data);
    };
    try {
      result.detail = verify_worker(
          options, result.measurements, [&session](const std::string& url) { return session.not_running_behind(url); },
          &result.data, ev.published_at);
    } catch (const dub::Error&) {
      note_join();
      throw;
    }
    note_join();
  }
};

// The node under `worker`.
VerifyWorkerStep parse_options(const YAML::Node& value, const std::string& path, const fs::path& file) {
  Reader r(value, path, file);
  VerifyWorkerStep v;
  v.media_service = r.string_or("media_service", v.media_service);
  v.stream = r.string_or("stream", v.stream);
  if (r.has("state")) {
    v.state = r.string_list("state");
    for (const auto& state : v.state) {
      if (!kWorkerStates.contains(state)) {
        r.report(r.get("state"), r.key_path("state"),
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
  if (r.has("max_round_trip")) v.max_round_trip = r.duration("max_round_trip", Duration{0});
  if (r.has("max_passthrough")) v.max_passthrough = r.integer("max_passthrough", 0, 0, 100000);
  if (r.has("max_output_delay")) v.max_output_delay = r.duration("max_output_delay", Duration{0});
  if (r.has("max_output_lag")) v.max_output_lag = r.duration("max_output_lag", Duration{0});
  if (r.has("max_in_flight")) v.max_in_flight = r.integer("max_in_flight", 0, 1, 64);
  if (r.has("min_queued")) v.min_queued = r.integer("min_queued", 0, 1, 100000);
  if (r.has("max_ingest")) v.max_ingest = r.duration("max_ingest", Duration{0});
  v.timeout = r.duration("timeout", v.timeout);
  r.finish();
  return v;
}

std::unique_ptr<StepKind> parse(const YAML::Node& value, const std::string& path, const fs::path& file) {
  Reader r(value, path, file);
  auto step = std::make_unique<VerifyWorker>();
  step->options = parse_options(r.get("worker"), r.key_path("worker"), file);
  r.finish();
  return step;
}

}  // namespace

StepType verify_worker_type() {
  return {"verify", {"worker"}, {}, parse};
}

}  // namespace dubctl
