#pragma once
// `verify: {worker: ...}`: what the media service recorded about a stream's worker
// (GET /v1/streams/<stream>), checked by type once the worker has finished: its final state, error
// and end reason, and its fragments in order as runs ("phases") of dubbed / passthrough (with a
// reason) / any, e.g. dubbed, then at most one of any kind, then at least 3 sts_unavailable; and how
// many went out with their original audio at most (max_passthrough); and how soon each was pushed to
// the output once its audio was final (max_output_delay, US1-5); how far the output lags behind the
// input at most (max_output_lag); how soon after the publisher's first packet the worker read its
// first (max_ingest, US1-1).
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http_wait.hpp"
#include "steps/options.hpp"

namespace dubctl {

// A fragment's outcome as phases see it: "dubbed" (dubbed or partial) or "passthrough:<reason>".
std::string fragment_outcome(const nlohmann::json& fragment);

// nullopt when `outcomes` (in sequence order) split into consecutive runs matching `phases` in
// order, each run between its phase's min and max long; else what went wrong, with the outcomes.
std::optional<std::string> phases_problem(const std::vector<FragmentPhase>& phases,
                                          const std::vector<std::string>& outcomes);

// nullopt when at most `max` fragments went out with their original audio according to `worker` (the
// API's JSON: the fragments in state passthrough, and output_stats.fragments_passthrough, whichever
// is more); else a message naming each such fragment with its reason and error.
std::optional<std::string> passthrough_problem(int max, const nlohmann::json& worker);

// nullopt when `fragment` (one of the API's records) was pushed to the output within `bound` of its
// audio being final (its output_delay_ms, US1-5), or was never published; else a message naming the
// fragment, its delay and when it went on air.
std::optional<std::string> output_delay_problem(Duration bound, const nlohmann::json& fragment);

// nullopt when the worker's largest output lag (output_stats.output_lag_max_s: a video frame's arrival
// at the input to its render time at the output) is at most `bound`; else a message with the lag, or
// saying the worker recorded none.
std::optional<std::string> output_lag_problem(Duration bound, const nlohmann::json& worker);

// Flow control toward the STS (the worker's sts.peak_in_flight, sts.peak_queued): a problem when more
// than `max_in_flight` were in flight at once, when fewer than `min_queued` ever waited for a slot,
// or when the worker recorded the figure a bound needs not at all.
std::vector<std::string> flow_control_problems(std::optional<int> max_in_flight, std::optional<int> min_queued,
                                               const nlohmann::json& worker);

// How long after `published_at` (the publisher's first packet) the worker read its first (the API's
// `input_at`): nullopt when it never read one.
std::optional<double> ingest_s(const nlohmann::json& worker, std::chrono::system_clock::time_point published_at);

// Audio start - video start of the worker's input (the API's `input_start`, source timestamps): how
// much later its picture started than its sound (negative) when it joined a live stream mid-GOP.
// nullopt when the record lacks either.
std::optional<double> input_start_offset_s(const nlohmann::json& worker);

// nullopt when the worker read its first packet within `bound` of the publisher's first (US1-1); else
// a message with both times.
std::optional<std::string> ingest_problem(Duration bound, const nlohmann::json& worker,
                                          std::chrono::system_clock::time_point published_at);

// Every way `worker` (the API's JSON) differs from what the step expects; empty when it matches.
// `published_at`: when the scenario's publisher sent its first packet (for max_ingest).
std::vector<std::string> worker_problems(const VerifyWorkerStep& step, const nlohmann::json& worker,
                                         std::optional<std::chrono::system_clock::time_point> published_at = {});

// A phase as written in a scenario ("dubbed", "sts_unavailable x>=3", "any x0..1").
std::string describe_phase(const FragmentPhase& phase);

// Polls the media service until the worker has finished (at most step.timeout), then checks it.
// Throws dub::Error naming every problem (at once when `dead` names the media service as dead);
// returns a one-line summary. Adds JUnit properties; the finished worker's record goes to `record`,
// when given.
std::string verify_worker(const VerifyWorkerStep& step, std::vector<std::pair<std::string, std::string>>& properties,
                          const DeadCheck& dead = {}, nlohmann::json* record = nullptr,
                          std::optional<std::chrono::system_clock::time_point> published_at = {});

}  // namespace dubctl
