#include "worker_check.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "dub/http/client.hpp"
#include "dub/util/error.hpp"
#include "eventually.hpp"
#include "log_wait.hpp"

namespace dubctl {

namespace {

const std::set<std::string> kFinal = {"completed", "stopped", "failed"};

bool phase_matches(const FragmentPhase& phase, const std::string& outcome) {
  if (phase.state == "any") return true;
  if (phase.state == "dubbed") return outcome == "dubbed";
  if (phase.reason.empty()) return outcome.starts_with("passthrough");
  return outcome == "passthrough:" + phase.reason;
}

// Can outcomes[j..] be split into runs for phases[i..]? Memoised on (i, j).
bool match_from(const std::vector<FragmentPhase>& phases, const std::vector<std::string>& outcomes, std::size_t i,
                std::size_t j, std::set<std::pair<std::size_t, std::size_t>>& failed) {
  if (i == phases.size()) return j == outcomes.size();
  if (failed.contains({i, j})) return false;
  const auto& phase = phases[i];
  const std::size_t most = phase.max ? static_cast<std::size_t>(*phase.max) : outcomes.size();
  for (std::size_t k = 0; k <= most && j + k <= outcomes.size(); ++k) {
    if (k > 0 && !phase_matches(phase, outcomes[j + k - 1])) break;
    if (k >= static_cast<std::size_t>(phase.min) && match_from(phases, outcomes, i + 1, j + k, failed)) return true;
  }
  failed.insert({i, j});
  return false;
}

std::string text_of(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// US1-3 from the media service's own records: each fragment's `latency_ms` (first send -> result)
// within `budget`; one that timed out never came back within FRAGMENT_TIMEOUT at all.
void round_trip_problems(Duration budget, const nlohmann::json& fragments, std::vector<std::string>& problems) {
  const auto budget_ms = static_cast<double>(budget.count());
  for (const auto& f : fragments) {
    const auto seq = f.value("sequence_number", -1);
    const auto latency = f.find("latency_ms");
    if (latency != f.end() && latency->is_number() && latency->get<double>() > budget_ms) {
      problems.push_back(
          fmt::format("fragment {}: round trip {:.0f} ms (sent -> dubbed audio back), over the {:.0f} ms "
                      "budget",
                      seq, latency->get<double>(), budget_ms));
    } else if (text_of(f, "passthrough_reason") == "timeout") {
      problems.push_back(
          fmt::format("fragment {}: no answer before FRAGMENT_TIMEOUT, over the {:.0f} ms round-trip "
                      "budget",
                      seq, budget_ms));
    }
  }
}

}  // namespace

std::optional<std::string> output_delay_problem(Duration bound, const nlohmann::json& fragment) {
  if (!fragment.value("published", false)) return std::nullopt;  // all_published names it
  const auto seq = fragment.value("sequence_number", -1);
  const auto delay = fragment.find("output_delay_ms");
  if (delay == fragment.end() || !delay->is_number()) {
    return fmt::format("fragment {}: published, but the media service recorded no output_delay_ms for it", seq);
  }
  const auto bound_ms = static_cast<double>(bound.count());
  if (delay->get<double>() <= bound_ms) return std::nullopt;
  const auto on_air = fragment.find("on_air_delay_ms");
  const bool dubbed = fragment_outcome(fragment) == "dubbed";
  return fmt::format("fragment {}: pushed to the output {:.0f} ms after its {}, over the {:.0f} ms bound{}", seq,
                     delay->get<double>(), dubbed ? "dubbed audio was back" : "passthrough was decided", bound_ms,
                     on_air != fragment.end() && on_air->is_number()
                         ? fmt::format(" (on air {:.0f} ms after)", on_air->get<double>())
                         : "");
}

std::optional<std::string> output_lag_problem(Duration bound, const nlohmann::json& worker) {
  const double bound_s = std::chrono::duration<double>(bound).count();
  const auto lag = worker.value("/output_stats/output_lag_max_s"_json_pointer, nlohmann::json());
  if (!lag.is_number()) {
    return fmt::format("output lag: the worker recorded none (output_stats.output_lag_max_s), bound {:g} s", bound_s);
  }
  if (lag.get<double>() <= bound_s) return std::nullopt;
  return fmt::format(
      "output lag: a video frame rendered at the output up to {:.2f} s after it arrived at the input, over the {:g} s "
      "bound",
      lag.get<double>(), bound_s);
}

namespace {

// One of the worker's flow-control peaks (sts.peak_in_flight, sts.peak_queued), when it recorded it.
std::optional<long long> sts_peak(const nlohmann::json& worker, const char* name) {
  const auto sts = worker.find("sts");
  const auto value = sts == worker.end() || !sts->is_object() ? nlohmann::json() : sts->value(name, nlohmann::json());
  return value.is_number_integer() ? std::optional<long long>(value.get<long long>()) : std::nullopt;
}

}  // namespace

std::vector<std::string> flow_control_problems(std::optional<int> max_in_flight, std::optional<int> min_queued,
                                               const nlohmann::json& worker) {
  std::vector<std::string> problems;
  if (max_in_flight) {
    const auto peak = sts_peak(worker, "peak_in_flight");
    if (!peak) {
      problems.push_back(fmt::format("in flight: the worker recorded no sts.peak_in_flight, bound {}", *max_in_flight));
    } else if (*peak > *max_in_flight) {
      problems.push_back(
          fmt::format("in flight: up to {} fragments were sent and unanswered at once, over the bound of {}", *peak,
                      *max_in_flight));
    }
  }
  if (min_queued) {
    const auto peak = sts_peak(worker, "peak_queued");
    if (!peak) {
      problems.push_back(
          fmt::format("queued: the worker recorded no sts.peak_queued, expected at least {}", *min_queued));
    } else if (*peak < *min_queued) {
      problems.push_back(fmt::format(
          "queued: at most {} fragments ever waited for a slot, expected at least {} (the load never met the in-flight "
          "limit)",
          *peak, *min_queued));
    }
  }
  return problems;
}

std::optional<std::string> passthrough_problem(int max, const nlohmann::json& worker) {
  std::vector<std::string> named;
  for (const auto& f : worker.value("fragments", nlohmann::json::array())) {
    if (text_of(f, "state") != "passthrough") continue;
    const auto reason = text_of(f, "passthrough_reason");
    const auto error = text_of(f, "error");
    named.push_back(fmt::format("{} ({}{})", f.value("sequence_number", -1), reason.empty() ? "no reason" : reason,
                                error.empty() ? "" : ": " + error));
  }
  // The output's own count: fragments its history no longer lists are still in it.
  const auto stats = worker.find("output_stats");
  const long long listed = static_cast<long long>(named.size());
  const long long counted =
      stats != worker.end() && stats->is_object() ? stats->value("fragments_passthrough", 0LL) : listed;
  const auto found = std::max(counted, listed);
  if (found <= max) return std::nullopt;
  auto message = fmt::format(
      "passthrough: {} fragment(s) went out with their original audio, at most {} allowed: {}", found, max,
      named.empty() ? std::string("none of them in the fragment records") : fmt::format("{}", fmt::join(named, ", ")));
  if (counted != listed) {
    message += fmt::format(" (output_stats.fragments_passthrough {}, the fragment records {})", counted, listed);
  }
  return message;
}

std::string fragment_outcome(const nlohmann::json& fragment) {
  const auto state = text_of(fragment, "state");
  if (state == "dubbed" || state == "partial") return "dubbed";
  if (state == "passthrough") return "passthrough:" + text_of(fragment, "passthrough_reason");
  return state.empty() ? "unknown" : state;  // queued / in_flight: not finished
}

std::string describe_phase(const FragmentPhase& phase) {
  const std::string what = phase.reason.empty() ? phase.state : phase.reason;
  if (phase.max) return fmt::format("{} x{}..{}", what, phase.min, *phase.max);
  return fmt::format("{} x>={}", what, phase.min);
}

std::optional<std::string> phases_problem(const std::vector<FragmentPhase>& phases,
                                          const std::vector<std::string>& outcomes) {
  std::set<std::pair<std::size_t, std::size_t>> failed;
  if (phases.empty() || match_from(phases, outcomes, 0, 0, failed)) return std::nullopt;
  std::vector<std::string> expected;
  expected.reserve(phases.size());
  for (const auto& p : phases) expected.push_back(describe_phase(p));
  return fmt::format("the fragments, in order [{}], do not fall into the runs [{}]", fmt::join(outcomes, ", "),
                     fmt::join(expected, ", "));
}

std::optional<double> ingest_s(const nlohmann::json& worker, std::chrono::system_clock::time_point published_at) {
  const auto input_at = parse_rfc3339(text_of(worker, "input_at"));
  if (!input_at) return std::nullopt;
  return std::chrono::duration<double>(*input_at - published_at).count();
}

std::optional<double> input_start_offset_s(const nlohmann::json& worker) {
  if (!worker.is_object()) return std::nullopt;  // no record (the worker never answered)
  const auto audio = worker.value("/input_start/audio_s"_json_pointer, nlohmann::json());
  const auto video = worker.value("/input_start/video_s"_json_pointer, nlohmann::json());
  if (!audio.is_number() || !video.is_number()) return std::nullopt;
  return audio.get<double>() - video.get<double>();
}

std::optional<std::string> ingest_problem(Duration bound, const nlohmann::json& worker,
                                          std::chrono::system_clock::time_point published_at) {
  const double bound_s = std::chrono::duration<double>(bound).count();
  const auto took = ingest_s(worker, published_at);
  if (!took) {
    return fmt::format("ingest: the worker never read a packet of its input (input_at: {}), bound {:g} s",
                       worker.value("input_at", nlohmann::json()).dump(), bound_s);
  }
  if (*took <= bound_s) return std::nullopt;
  return fmt::format(
      "ingest: the worker read its first packet {:.2f} s after the publisher sent its first (input_at {}), over the "
      "{:g} s bound",
      *took, text_of(worker, "input_at"), bound_s);
}

std::vector<std::string> worker_problems(const VerifyWorkerStep& step, const nlohmann::json& worker,
                                         std::optional<std::chrono::system_clock::time_point> published_at) {
  std::vector<std::string> problems;
  if (step.max_ingest && published_at) {
    if (auto problem = ingest_problem(*step.max_ingest, worker, *published_at)) problems.push_back(*problem);
  }
  const auto state = text_of(worker, "state");
  const auto error = text_of(worker, "error");
  const auto end_reason = text_of(worker, "end_reason");
  if (!step.state.empty() && std::find(step.state.begin(), step.state.end(), state) == step.state.end()) {
    problems.push_back(fmt::format("state: expected {}, found {}{}", fmt::join(step.state, " or "), state,
                                   error.empty() ? "" : fmt::format(" (error: {})", error)));
  }
  if (!step.error_contains.empty() && error.find(step.error_contains) == std::string::npos) {
    problems.push_back(fmt::format("error: expected it to contain '{}', found '{}'", step.error_contains, error));
  }
  if (!step.end_reason_contains.empty() && end_reason.find(step.end_reason_contains) == std::string::npos) {
    problems.push_back(
        fmt::format("end_reason: expected it to contain '{}', found '{}'", step.end_reason_contains, end_reason));
  }
  const auto fragments = worker.value("fragments", nlohmann::json::array());
  std::vector<std::string> outcomes;
  std::vector<std::string> unpublished;
  for (const auto& f : fragments) {
    outcomes.push_back(fragment_outcome(f));
    if (!f.value("published", false)) unpublished.push_back(fmt::format("{}", f.value("sequence_number", -1)));
  }
  if (step.min_fragments && static_cast<int>(outcomes.size()) < *step.min_fragments) {
    problems.push_back(fmt::format("fragments: expected at least {}, found {}", *step.min_fragments, outcomes.size()));
  }
  if (step.all_published && !unpublished.empty()) {
    problems.push_back(fmt::format("fragments never published to the output: {}", fmt::join(unpublished, ", ")));
  }
  if (auto problem = phases_problem(step.phases, outcomes)) problems.push_back(*problem);
  if (step.max_round_trip) round_trip_problems(*step.max_round_trip, fragments, problems);
  if (step.max_passthrough) {
    if (auto problem = passthrough_problem(*step.max_passthrough, worker)) problems.push_back(*problem);
  }
  if (step.max_output_delay) {
    for (const auto& f : fragments) {
      if (auto problem = output_delay_problem(*step.max_output_delay, f)) problems.push_back(*problem);
    }
  }
  if (step.max_output_lag) {
    if (auto problem = output_lag_problem(*step.max_output_lag, worker)) problems.push_back(*problem);
  }
  for (auto& problem : flow_control_problems(step.max_in_flight, step.min_queued, worker)) {
    problems.push_back(std::move(problem));
  }
  if (step.min_reconnections) {
    const int reconnections = worker.contains("sts") ? worker["sts"].value("reconnections", 0) : 0;
    if (reconnections < *step.min_reconnections) {
      problems.push_back(
          fmt::format("sts.reconnections: expected at least {}, found {}", *step.min_reconnections, reconnections));
    }
  }
  return problems;
}

namespace {

// The one-line summary of a finished worker (state, fragments per outcome, output timing); its
// figures go to `properties` (JUnit).
std::string worker_summary(const nlohmann::json& worker, std::vector<std::pair<std::string, std::string>>& properties) {
  std::map<std::string, int> counts;
  double max_round_trip_ms = 0;
  std::optional<double> max_output_delay_ms;
  std::optional<double> max_on_air_delay_ms;
  const auto take_max = [](std::optional<double>& max, const nlohmann::json& f, const char* key) {
    if (const auto v = f.find(key); v != f.end() && v->is_number()) {
      max = std::max(max.value_or(v->get<double>()), v->get<double>());
    }
  };
  for (const auto& f : worker.value("fragments", nlohmann::json::array())) {
    ++counts[fragment_outcome(f)];
    if (const auto l = f.find("latency_ms"); l != f.end() && l->is_number()) {
      max_round_trip_ms = std::max(max_round_trip_ms, l->get<double>());
    }
    take_max(max_output_delay_ms, f, "output_delay_ms");
    take_max(max_on_air_delay_ms, f, "on_air_delay_ms");
  }
  std::vector<std::string> tally;
  tally.reserve(counts.size());
  for (const auto& [outcome, n] : counts) tally.push_back(fmt::format("{} {}", n, outcome));
  properties.emplace_back("worker_state", text_of(worker, "state"));
  properties.emplace_back("worker_fragments", fmt::format("{}", fmt::join(tally, ", ")));
  properties.emplace_back("worker_max_round_trip_ms", fmt::format("{:.0f}", max_round_trip_ms));
  std::vector<std::string> timing;
  if (max_output_delay_ms && max_on_air_delay_ms) {
    properties.emplace_back("worker_max_output_delay_ms", fmt::format("{:.0f}", *max_output_delay_ms));
    properties.emplace_back("worker_max_on_air_delay_ms", fmt::format("{:.0f}", *max_on_air_delay_ms));
    timing.push_back(
        fmt::format("output delay at most {:.0f} ms (on air {:.0f} ms)", *max_output_delay_ms, *max_on_air_delay_ms));
  }
  // End to end: a video frame's arrival at the input to its render time at the output.
  if (const auto lag = worker.value("/output_stats/output_lag_max_s"_json_pointer, nlohmann::json()); lag.is_number()) {
    properties.emplace_back("worker_output_lag_max_s", fmt::format("{:.3f}", lag.get<double>()));
    timing.push_back(fmt::format("output lag at most {:.2f} s", lag.get<double>()));
  }
  // Flow control toward the STS: the most fragments at once in flight and waiting for a slot.
  const auto peak_in_flight = sts_peak(worker, "peak_in_flight");
  const auto peak_queued = sts_peak(worker, "peak_queued");
  if (peak_in_flight && peak_queued) {
    properties.emplace_back("worker_peak_in_flight", std::to_string(*peak_in_flight));
    properties.emplace_back("worker_peak_queued", std::to_string(*peak_queued));
    timing.push_back(fmt::format("at most {} in flight and {} queued", *peak_in_flight, *peak_queued));
  }
  auto detail = fmt::format("{}: {}", text_of(worker, "state"), fmt::join(tally, ", "));
  if (!timing.empty()) detail += fmt::format("; {}", fmt::join(timing, ", "));
  // A failed worker's reason belongs on its line (e.g. the STS refusing its token).
  if (const auto error = text_of(worker, "error"); !error.empty()) detail += fmt::format("; error: {}", error);
  return detail;
}

}  // namespace

std::string verify_worker(const VerifyWorkerStep& step, std::vector<std::pair<std::string, std::string>>& properties,
                          const DeadCheck& dead, nlohmann::json* record,
                          std::optional<std::chrono::system_clock::time_point> published_at) {
  const auto& stream = step.stream;
  const auto url = fmt::format("{}/v1/streams/{}", step.media_service, stream);
  nlohmann::json worker;
  std::string last = "no answer yet";
  const auto finished = eventually(
      {fmt::format("waiting for the worker of {} to finish", stream), step.timeout},
      [&](std::string& seen) -> std::optional<std::string> {
        try {
          const auto r = dub::http::get(url, std::chrono::seconds(3));
          if (r.status != 200) {
            seen = fmt::format("HTTP {}", r.status);
            return std::nullopt;
          }
          worker = nlohmann::json::parse(r.body);
          seen = fmt::format("state {}", text_of(worker, "state"));
          if (kFinal.contains(text_of(worker, "state"))) return seen;
        } catch (const Cancelled&) {
          throw;
        } catch (const std::exception& e) {
          seen = e.what();
          if (const auto message = dead ? dead(url) : std::nullopt) {
            throw dub::Error(fmt::format("{} ({}: {})", *message, url, seen));
          }
        }
        return std::nullopt;
      },
      last);
  if (!finished) {
    throw dub::Error(fmt::format("the worker of {} did not finish within {:.0f}s ({}: {})", stream,
                                 std::chrono::duration<double>(step.timeout).count(), url, last));
  }
  if (record != nullptr) *record = worker;
  auto detail = worker_summary(worker, properties);
  if (const auto took = published_at ? ingest_s(worker, *published_at) : std::nullopt) {
    properties.emplace_back("worker_ingest_s", fmt::format("{:.3f}", *took));
    detail += fmt::format("; input read {:.2f} s after the first packet published", *took);
  }
  const auto problems = worker_problems(step, worker, published_at);
  if (!problems.empty()) {
    throw dub::Error(fmt::format("the worker of {} does not match:\n  - {}", stream, fmt::join(problems, "\n  - ")));
  }
  return detail;
}

}  // namespace dubctl
