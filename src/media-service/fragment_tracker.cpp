#include "fragment_tracker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "dub/sts/pcm.hpp"
#include "dub/sts/protocol.hpp"
#include "enum_names.hpp"

namespace dub::media_service {

const char* to_string(FragmentState state) {
  static constexpr std::array<const char*, 5> kNames = {"queued", "in_flight", "dubbed", "partial", "passthrough"};
  static_assert(kNames.size() == static_cast<std::size_t>(FragmentState::Passthrough) + 1);
  return enum_name(state, kNames);
}

const char* to_string(PassthroughReason reason) {
  static constexpr std::array<const char*, 10> kNames = {
      "",          "timeout", "failed",          "rejected",       "disconnected",
      "bad_audio", "no_sts",  "sts_unavailable", "protocol_error", "output_stall"};
  static_assert(kNames.size() == static_cast<std::size_t>(PassthroughReason::OutputStall) + 1);
  return enum_name(reason, kNames);
}

nlohmann::json FragmentRecord::to_json() const {
  // The protocol's words: `sequence_number`, `translated_text`, `status` (the STS's success / partial / failed,
  // null before or without an answer); `state` is this service's own lifecycle of the fragment.
  nlohmann::json j = {
      {"sequence_number", sequence},
      {"fragment_id", fragment_id},
      {"pts_ns", pts_ns},
      {"duration_ns", duration_ns},
      {"frames", frames},
      {"state", to_string(state)},
      {"status", sts_status.empty() ? nlohmann::json(nullptr) : nlohmann::json(sts_status)},
      {"transcript", transcript},
      {"translated_text", translation},
      {"latency_ms", latency_ms ? nlohmann::json(*latency_ms) : nlohmann::json(nullptr)},
      {"processing_time_ms", processing_time_ms},
      {"drift_ms", static_cast<double>(drift_ns) / 1e6},
      {"sends", sends},
      {"published", published},
      {"output_delay_ms", output_delay_ms ? nlohmann::json(*output_delay_ms) : nlohmann::json(nullptr)},
      {"on_air_delay_ms", on_air_delay_ms ? nlohmann::json(*on_air_delay_ms) : nlohmann::json(nullptr)}};
  j["passthrough_reason"] =
      reason == PassthroughReason::None ? nlohmann::json(nullptr) : nlohmann::json(to_string(reason));
  j["error"] = error.empty() ? nlohmann::json(nullptr) : nlohmann::json(error);
  if (length_fixed_frames != 0) j["length_fixed_frames"] = length_fixed_frames;
  return j;
}

FragmentTracker::FragmentTracker(std::string stream_id, std::size_t max_inflight, std::chrono::milliseconds timeout,
                                 std::size_t history)
    : stream_id_(std::move(stream_id)),
      max_inflight_(max_inflight == 0 ? 1 : max_inflight),
      timeout_(timeout),
      history_(std::max<std::size_t>(history, 1)) {}

FragmentRecord& FragmentTracker::rec(std::uint64_t sequence) {
  return records_[sequence];
}

void FragmentTracker::trim_history() {
  while (records_.size() > history_ && !entries_.contains(records_.begin()->first)) records_.erase(records_.begin());
}

void FragmentTracker::add(PcmFragment fragment) {
  FragmentRecord r;
  r.sequence = fragment.sequence;
  r.fragment_id = sts::protocol::fragment_id(stream_id_, fragment.sequence);
  r.pts_ns = fragment.pts_ns;
  r.duration_ns = fragment.duration_ns;
  r.frames = fragment.frames();
  r.drift_ns = fragment.drift_ns();
  records_[fragment.sequence] = r;
  trim_history();
  const auto seq = fragment.sequence;
  entries_[seq].original = std::move(fragment);
}

std::vector<sts::StsFragment> FragmentTracker::take_sendable(Clock::time_point now) {
  std::vector<sts::StsFragment> out;
  if (hold_until_) {
    if (now < *hold_until_) return out;
    hold_until_.reset();
  }
  std::size_t flying = in_flight();
  for (auto& [seq, e] : entries_) {
    if (flying >= max_inflight_) break;
    auto& r = rec(seq);
    if (r.state != FragmentState::Queued) continue;
    if (!e.first_sent) {
      e.first_sent = now;
      e.deadline = now + timeout_;
    }
    r.state = FragmentState::InFlight;
    ++r.sends;
    ++flying;
    sts::StsFragment f;
    f.stream_id = stream_id_;
    f.fragment_id = r.fragment_id;
    f.sequence_number = seq;
    f.pts_ns = e.original.pts_ns;
    f.duration_ns = e.original.duration_ns;
    f.audio = sts::pcm::encode_s16le(e.original.samples);
    out.push_back(std::move(f));
  }
  peak_in_flight_ = std::max(peak_in_flight_, flying);
  peak_queued_ = std::max(peak_queued_, queued());
  return out;
}

ResultOutcome FragmentTracker::on_result(const sts::StsResult& result, Clock::time_point now) {
  hold_until_.reset();  // the service answered something: it has room again
  const auto it = entries_.find(result.sequence_number);
  const auto rit = records_.find(result.sequence_number);
  if (rit == records_.end()) return ResultOutcome::Unknown;
  auto& r = rit->second;
  if (it == entries_.end() || (r.state != FragmentState::InFlight && r.state != FragmentState::Queued)) {
    // Already given up on (timeout): keep the texts for the record, the audio stays passthrough.
    if (r.sts_status.empty()) r.sts_status = result.status;
    if (r.transcript.empty()) r.transcript = result.transcript;
    if (r.translation.empty()) r.translation = result.translated_text;
    return ResultOutcome::Late;
  }
  auto& e = it->second;
  r.sts_status = result.status;
  r.transcript = result.transcript;
  r.translation = result.translated_text;
  r.processing_time_ms = result.processing_time_ms;
  if (e.first_sent) r.latency_ms = std::chrono::duration<double, std::milli>(now - *e.first_sent).count();
  if (result.status == sts::protocol::kStatusFailed) {
    finish_passthrough(result.sequence_number, PassthroughReason::Failed,
                       result.error_code.empty() ? "service reported failure"
                                                 : fmt::format("{}: {}", result.error_code, result.error_message),
                       now);
    return ResultOutcome::Accepted;
  }
  const auto& o = e.original;
  if (result.sample_format != "s16le" || result.sample_rate != o.sample_rate || result.channels != o.channels) {
    finish_passthrough(result.sequence_number, PassthroughReason::BadAudio,
                       fmt::format("dubbed audio is {} {} Hz {} ch, expected s16le {} Hz {} ch", result.sample_format,
                                   result.sample_rate, result.channels, o.sample_rate, o.channels),
                       now);
    return ResultOutcome::Accepted;
  }
  const std::size_t bytes_per_frame = sizeof(std::int16_t) * static_cast<std::size_t>(o.channels);
  if (result.dubbed_audio.empty() || result.dubbed_audio.size() % bytes_per_frame != 0) {
    finish_passthrough(
        result.sequence_number, PassthroughReason::BadAudio,
        fmt::format("dubbed audio of {} bytes is not a whole number of frames", result.dubbed_audio.size()), now);
    return ResultOutcome::Accepted;
  }
  // Exactly the original length: pad with silence or trim (the protocol promises equal length;
  // this keeps the timeline exact if a service ever gets it slightly wrong).
  const std::size_t want = o.samples.size();
  auto pcm = sts::pcm::decode_s16le(result.dubbed_audio);  // a whole number of frames: checked above
  r.length_fixed_frames = (static_cast<std::int64_t>(want) - static_cast<std::int64_t>(pcm.size())) / o.channels;
  pcm.resize(want, 0);
  e.dubbed = std::move(pcm);
  r.state = result.status == sts::protocol::kStatusPartial ? FragmentState::Partial : FragmentState::Dubbed;
  e.deadline.reset();
  e.final_at = now;
  return ResultOutcome::Accepted;
}

void FragmentTracker::finish_passthrough(std::uint64_t sequence, PassthroughReason reason, const std::string& message,
                                         Clock::time_point now) {
  auto& r = rec(sequence);
  r.state = FragmentState::Passthrough;
  r.reason = reason;
  r.error = message;
  if (auto it = entries_.find(sequence); it != entries_.end()) {
    it->second.deadline.reset();
    it->second.dubbed.clear();
    it->second.final_at = now;
  }
}

void FragmentTracker::on_refused(std::uint64_t sequence, const std::string& code, const std::string& message,
                                 bool backpressure, Clock::time_point now, std::chrono::milliseconds hold) {
  const auto it = entries_.find(sequence);
  if (it == entries_.end()) return;
  auto& r = rec(sequence);
  if (r.state != FragmentState::InFlight) return;
  if (backpressure) {
    r.state = FragmentState::Queued;  // sent again (first, being the lowest) once there is room
    hold_until_ = now + hold;
    // Later fragments already sent are refused as well (or would be out of order): requeue them too.
    for (auto& [seq, e] : entries_) {
      auto& other = rec(seq);
      if (seq > sequence && other.state == FragmentState::InFlight) other.state = FragmentState::Queued;
    }
    return;
  }
  const auto reason =
      code == sts::protocol::kBadResult ? PassthroughReason::ProtocolError : PassthroughReason::Rejected;
  finish_passthrough(sequence, reason, fmt::format("{}: {}", code, message), now);
}

void FragmentTracker::unsend(std::uint64_t sequence) {
  if (!entries_.contains(sequence)) return;
  auto& r = rec(sequence);
  if (r.state != FragmentState::InFlight) return;
  r.state = FragmentState::Queued;
  --r.sends;
}

std::vector<std::uint64_t> FragmentTracker::fail_in_flight(PassthroughReason reason, const std::string& message,
                                                           Clock::time_point now) {
  std::vector<std::uint64_t> out;
  for (auto& [seq, e] : entries_) {
    if (rec(seq).state == FragmentState::InFlight) {
      finish_passthrough(seq, reason, message, now);
      out.push_back(seq);
    }
  }
  hold_until_.reset();
  return out;
}

std::vector<std::uint64_t> FragmentTracker::fail_all_pending(PassthroughReason reason, const std::string& message,
                                                             Clock::time_point now) {
  std::vector<std::uint64_t> out;
  for (auto& [seq, e] : entries_) {
    const auto state = rec(seq).state;
    if (state == FragmentState::InFlight || state == FragmentState::Queued) {
      finish_passthrough(seq, reason, message, now);
      out.push_back(seq);
    }
  }
  return out;
}

std::vector<std::uint64_t> FragmentTracker::expire(Clock::time_point now) {
  std::vector<std::uint64_t> out;
  for (auto& [seq, e] : entries_) {
    const auto state = rec(seq).state;
    if ((state == FragmentState::InFlight || state == FragmentState::Queued) && e.deadline && now >= *e.deadline) {
      finish_passthrough(seq, PassthroughReason::Timeout,
                         fmt::format("no result within {} ms",
                                     std::chrono::duration_cast<std::chrono::milliseconds>(timeout_).count()),
                         now);
      out.push_back(seq);
    }
  }
  return out;
}

std::optional<std::uint64_t> FragmentTracker::expire_head(PassthroughReason reason, const std::string& message,
                                                          Clock::time_point now) {
  if (entries_.empty()) return std::nullopt;
  const auto seq = entries_.begin()->first;
  const auto state = rec(seq).state;
  if (state != FragmentState::InFlight && state != FragmentState::Queued) return std::nullopt;
  finish_passthrough(seq, reason, message, now);
  return seq;
}

std::optional<FragmentTracker::Clock::time_point> FragmentTracker::next_deadline() const {
  std::optional<Clock::time_point> out = hold_until_;
  for (const auto& [seq, e] : entries_) {
    if (e.deadline && (!out || *e.deadline < *out)) out = e.deadline;
  }
  return out;
}

std::vector<ReadyFragment> FragmentTracker::pop_ready() {
  std::vector<ReadyFragment> out;
  while (!entries_.empty()) {
    auto it = entries_.begin();
    auto& r = rec(it->first);
    if (r.state == FragmentState::Queued || r.state == FragmentState::InFlight) break;
    ReadyFragment ready;
    ready.dubbed = r.state == FragmentState::Dubbed || r.state == FragmentState::Partial;
    ready.audio = std::move(it->second.original);
    if (ready.dubbed) ready.audio.samples = std::move(it->second.dubbed);
    r.published = true;
    ready.record = r;
    ready.final_at = it->second.final_at;
    entries_.erase(it);
    out.push_back(std::move(ready));
  }
  return out;
}

void FragmentTracker::went_out(const ReadyFragment& fragment, Clock::time_point pushed_at,
                               Clock::time_point on_air_at) {
  const auto it = records_.find(fragment.record.sequence);
  if (it == records_.end()) return;
  it->second.output_delay_ms = std::chrono::duration<double, std::milli>(pushed_at - fragment.final_at).count();
  it->second.on_air_delay_ms = std::chrono::duration<double, std::milli>(on_air_at - fragment.final_at).count();
}

std::size_t FragmentTracker::in_flight() const {
  std::size_t n = 0;
  for (const auto& [seq, e] : entries_) {
    const auto it = records_.find(seq);
    if (it != records_.end() && it->second.state == FragmentState::InFlight) ++n;
  }
  return n;
}

std::size_t FragmentTracker::queued() const {
  std::size_t n = 0;
  for (const auto& [seq, e] : entries_) {
    const auto it = records_.find(seq);
    if (it != records_.end() && it->second.state == FragmentState::Queued) ++n;
  }
  return n;
}

std::vector<FragmentRecord> FragmentTracker::records() const {
  std::vector<FragmentRecord> out;
  out.reserve(records_.size());
  for (const auto& [seq, r] : records_) out.push_back(r);
  return out;
}

std::optional<FragmentRecord> FragmentTracker::record(std::uint64_t sequence) const {
  const auto it = records_.find(sequence);
  if (it == records_.end()) return std::nullopt;
  return it->second;
}

}  // namespace dub::media_service
