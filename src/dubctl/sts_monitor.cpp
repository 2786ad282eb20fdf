#include "sts_monitor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "dub/sts/monitor.hpp"
#include "dub/sts/protocol.hpp"
#include "dub/sts/protocol_gen.hpp"
#include "dub/util/error.hpp"
#include "dub/util/log.hpp"
#include "sidecar.hpp"

namespace dubctl {

namespace protocol = dub::sts::protocol;

StsMonitor::StsMonitor(const std::string& url, const std::string& auth_token) : url_(url) {
  dub::sio::ClientOptions options;
  options.url = url;
  if (!auth_token.empty()) options.auth = {{"token", auth_token}};
  options.reconnect.max_attempts = 3;
  client_ = std::make_unique<dub::sio::Client>(options);
  client_->on("/monitor", protocol::kMonitorHello, [this](const nlohmann::json& args) {
    if (args.empty() || !args[0].contains("recent")) return;
    try {
      protocol::decode_monitor_hello(args[0]);  // the typed decoder vouches for the summaries
    } catch (const dub::Error& e) {
      dub::log::warn("sts monitor: malformed event", {{"event", protocol::kMonitorHello}, {"error", e.what()}});
      return;
    }
    for (const auto& summary : args[0]["recent"]) add(summary);
  });
  client_->on("/monitor", protocol::kFragmentSummary, [this](const nlohmann::json& args) {
    if (!args.empty()) add(args[0]);
  });
  client_->on("/monitor", protocol::kStreamCompleted, [this](const nlohmann::json& args) {
    if (args.empty()) return;
    try {
      const auto complete = protocol::decode_stream_complete(args[0]);
      const std::lock_guard lock(mutex_);
      completed_.insert(complete.stream_id);
      changed_.notify_all();
    } catch (const dub::Error& e) {
      dub::log::warn("sts monitor: malformed event", {{"event", protocol::kStreamCompleted}, {"error", e.what()}});
    }
  });
  client_->connect({"/monitor"});
}

StsMonitor::~StsMonitor() = default;

void StsMonitor::add(const nlohmann::json& summary) {
  dub::sts::StsFragmentSummary s;
  try {
    s = protocol::decode_fragment_summary(summary);
  } catch (const dub::Error& e) {
    dub::log::warn("sts monitor: malformed event", {{"event", protocol::kFragmentSummary}, {"error", e.what()}});
    return;
  }
  const auto key = fmt::format("{}/{}", s.stream_id, s.sequence_number);
  const std::lock_guard lock(mutex_);
  if (!seen_.insert(key).second) return;
  by_stream_[s.stream_id].push_back(summary);
  dub::log::info(
      "sts fragment processed",
      {{"stream", s.stream_id}, {"fragment_id", s.fragment_id}, {"status", s.status}, {"transcript", s.transcript}});
  changed_.notify_all();
}

std::vector<nlohmann::json> StsMonitor::summaries(const std::string& stream_id) const {
  const std::lock_guard lock(mutex_);
  const auto it = by_stream_.find(stream_id);
  return it == by_stream_.end() ? std::vector<nlohmann::json>{} : it->second;
}

bool StsMonitor::completed(const std::string& stream_id) const {
  const std::lock_guard lock(mutex_);
  return completed_.contains(stream_id);
}

std::size_t StsMonitor::wait_for(const std::string& stream_id, std::size_t count, Duration timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] {
    const auto it = by_stream_.find(stream_id);
    return it != by_stream_.end() && it->second.size() >= count;
  });
  const auto it = by_stream_.find(stream_id);
  return it == by_stream_.end() ? 0 : it->second.size();
}

StsMonitor& need_monitor(const std::unique_ptr<StsMonitor>& monitor) {
  if (!monitor) throw dub::Error("this step needs a `monitor:` step earlier in the scenario (it watches STS /monitor)");
  return *monitor;
}

namespace {

// Every sequence number from 0 on reached the STS, none skipped, and with `count` at least 0..count-1:
// a count alone takes a short tail in the place of a lost fragment.
void missing_fragment_problem(const std::vector<nlohmann::json>& sorted, int count,
                              std::vector<std::string>& problems) {
  std::set<long long> seen;
  for (const auto& s : sorted) seen.insert(s.value("sequence_number", -1LL));
  const long long until = std::max<long long>(count, seen.empty() ? 0 : *seen.rbegin() + 1);
  std::vector<long long> missing;
  for (long long seq = 0; seq < until && missing.size() < 20; ++seq) {
    if (!seen.contains(seq)) missing.push_back(seq);
  }
  if (missing.empty()) return;
  problems.push_back(fmt::format("fragment(s) {} never reached the STS (it reported sequence numbers [{}])",
                                 fmt::join(missing, ", "), fmt::join(seen, ", ")));
}

}  // namespace

std::string verify_fragments(const VerifyFragmentsStep& step, const std::vector<nlohmann::json>& summaries,
                             const std::filesystem::path& root,
                             std::vector<std::pair<std::string, std::string>>& properties) {
  std::vector<std::string> problems;
  auto sorted = summaries;
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.value("sequence_number", 0LL) < b.value("sequence_number", 0LL);
  });
  properties.emplace_back("sts_fragments", std::to_string(sorted.size()));
  std::size_t full = sorted.size();  // fragments apart from an allowed tail
  if (step.tail && step.count && sorted.size() == static_cast<std::size_t>(*step.count) + 1) {
    const auto tail_ns = sorted.back().value("duration_ns", 0LL);
    if (tail_ns <= std::chrono::duration_cast<std::chrono::nanoseconds>(*step.tail).count()) {
      --full;
      properties.emplace_back("sts_tail_ms", fmt::format("{:.1f}", static_cast<double>(tail_ns) / 1e6));
    }
  }
  if (step.count && static_cast<int>(full) != *step.count) {
    problems.push_back(fmt::format("expected {} processed fragments{}, STS reported {}", *step.count,
                                   step.tail ? fmt::format(" (and at most a {}ms tail)", step.tail->count()) : "",
                                   sorted.size()));
  }
  if (step.min_count && static_cast<int>(sorted.size()) < *step.min_count) {
    problems.push_back(
        fmt::format("expected at least {} processed fragments, STS reported {}", *step.min_count, sorted.size()));
  }
  if (step.count || step.min_count) missing_fragment_problem(sorted, step.count.value_or(0), problems);
  long long total_ns = 0;
  for (const auto& s : sorted) total_ns += s.value("duration_ns", 0LL);
  properties.emplace_back("sts_audio_s", fmt::format("{:.3f}", static_cast<double>(total_ns) / 1e9));
  // Delivered in sequence order, none twice (the monitor sees them as STS emitted them).
  for (std::size_t i = 1; i < summaries.size(); ++i) {
    if (summaries[i].value("sequence_number", 0LL) <= summaries[i - 1].value("sequence_number", 0LL)) {
      problems.push_back(fmt::format("fragment {} arrived after {}: not in sequence order",
                                     summaries[i].value("fragment_id", "?"),
                                     summaries[i - 1].value("fragment_id", "?")));
    }
  }
  std::string transcripts;
  std::string translations;
  double max_processing_ms = 0;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const auto& s = sorted[i];
    const auto id = s.value("fragment_id", "?");
    const auto status = s.value("status", "");
    if (step.status != "any" && status != step.status) {
      const auto& err = s.contains("error") && s["error"].is_object() ? s["error"] : nlohmann::json::object();
      problems.push_back(fmt::format("fragment {}: status {} (expected {}){}", id, status, step.status,
                                     err.empty() ? "" : ": " + err.value("message", "")));
    }
    // An allowed tail (tens of ms after the last word) has nothing to dub: the STS may hand its
    // silence back as it came (a 44.1 kHz source's 0.2 ms tail did).
    const bool tail = i >= full;
    if (step.dubbed && !tail && s.value("dubbed_audio_sha256", "") == s.value("input_audio_sha256", "")) {
      problems.push_back(fmt::format("fragment {}: dubbed audio is identical to the input (not dubbed)", id));
    }
    transcripts += s.value("transcript", "") + " ";
    translations += s.value("translated_text", "") + " ";
    max_processing_ms = std::max(max_processing_ms, s.value("processing_time_ms", 0.0));
    const double answered_ms = s.value("queue_time_ms", 0.0) + s.value("processing_time_ms", 0.0);
    if (step.max_processing && answered_ms > static_cast<double>(step.max_processing->count())) {
      problems.push_back(fmt::format("fragment {}: answered {:.0f} ms after it arrived (more than {} ms)", id,
                                     answered_ms, step.max_processing->count()));
    }
  }
  properties.emplace_back("sts_max_processing_ms", fmt::format("{:.0f}", max_processing_ms));
  std::string detail =
      fmt::format("{} fragment(s), {:.3f}s of audio", sorted.size(), static_cast<double>(total_ns) / 1e9);
  if (!step.reference.empty()) {
    const auto figures = check_against_sidecar(read_sidecar(root / step.reference), transcripts, translations,
                                               step.max_wer, step.min_translation_coverage, properties, problems);
    detail += fmt::format(", WER {:.1f}%", figures.wer * 100);
    if (figures.coverage) {
      detail += fmt::format(", {}/{} Spanish words", figures.coverage->found, figures.coverage->expected);
    }
  }
  if (!problems.empty())
    throw dub::Error(fmt::format("STS results do not match:\n  - {}", fmt::join(problems, "\n  - ")));
  return detail;
}

}  // namespace dubctl
