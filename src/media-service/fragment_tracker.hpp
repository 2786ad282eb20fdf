#pragma once
// Bookkeeping for the fragments of one stream between the segmenter and the output:
//   queued -> in_flight -> dubbed | partial | passthrough
// - at most `max_inflight` fragments are in flight at once (the rest wait, in order);
// - a fragment in flight longer than `timeout` (counted from its first send) becomes
//   passthrough (its original audio is used), as does a failed or refused one;
// - results come back in any order; pop_ready() hands fragments to the output strictly in
//   sequence order, each exactly once, with the audio to play (dubbed or original).
// Pure logic: the caller passes the time in, so tests need no clock.
#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dub/sts/client.hpp"
#include "segmenter.hpp"

namespace dub::media_service {

enum class FragmentState { Queued, InFlight, Dubbed, Partial, Passthrough };
// Why a fragment kept its original audio: no result in time, the service said `failed`, refused it,
// lost the connection while it was in flight, sent unusable audio, was not there at all (the worker
// stopping or failing), was unavailable (reconnecting) when the fragment was ready to go, or answered
// with a result that breaks the protocol (FR-022: e.g. no transcript), or was still not back when
// the paced output had played everything before it and waited OUTPUT_MAX_STALL (the program stays on air).
enum class PassthroughReason {
  None,
  Timeout,
  Failed,
  Rejected,
  Disconnected,
  BadAudio,
  NoSts,
  StsUnavailable,
  ProtocolError,
  OutputStall
};

const char* to_string(FragmentState state);
const char* to_string(PassthroughReason reason);

// What the API shows for one fragment.
struct FragmentRecord {
  std::uint64_t sequence = 0;
  std::string fragment_id;
  std::int64_t pts_ns = 0;
  std::int64_t duration_ns = 0;
  std::uint64_t frames = 0;
  FragmentState state = FragmentState::Queued;
  PassthroughReason reason = PassthroughReason::None;
  std::string sts_status;  // success|partial|failed as the service said, "" before/without an answer
  std::string transcript;
  std::string translation;
  std::string error;                     // why it is passthrough / what the service reported
  std::optional<double> latency_ms;      // send -> result round trip
  double processing_time_ms = 0;         // as reported by the service
  std::int64_t drift_ns = 0;             // segmenter timeline minus input PTS at the fragment start
  std::int64_t length_fixed_frames = 0;  // dubbed audio padded (+) or trimmed (-) to the exact length
  int sends = 0;                         // 1 normally; more after BACKPRESSURE refusals
  bool published = false;                // handed to the output
  // US1-5, from its audio being final (dubbed audio back, or passthrough decided): to its push into
  // the output pipeline with its video (every earlier fragment out, the output open), and to its
  // render time, when the paced output sends it to the RTMP server (its place in the live timeline,
  // set by the first fragment, may be later still). Unset until it went out.
  std::optional<double> output_delay_ms;
  std::optional<double> on_air_delay_ms;

  [[nodiscard]] nlohmann::json to_json() const;
};

// A fragment ready for the output, in sequence order.
struct ReadyFragment {
  PcmFragment audio;  // the audio to play: dubbed (same length as the original) or the original
  bool dubbed = false;
  FragmentRecord record;
  std::chrono::steady_clock::time_point final_at;  // when its audio became final (dubbed or passthrough)
};

enum class ResultOutcome { Accepted, Late, Unknown };

class FragmentTracker {
 public:
  using Clock = std::chrono::steady_clock;

  FragmentTracker(std::string stream_id, std::size_t max_inflight, std::chrono::milliseconds timeout,
                  std::size_t history = 1000);

  void set_max_inflight(std::size_t n) { max_inflight_ = n == 0 ? 1 : n; }
  [[nodiscard]] std::size_t max_inflight() const { return max_inflight_; }

  // A new fragment from the segmenter (queued).
  void add(PcmFragment fragment);
  // The fragments to send now, in order (they become in flight; their timeout starts at the first
  // send). Empty while the service asked to hold (BACKPRESSURE) or max_inflight are in flight.
  std::vector<sts::StsFragment> take_sendable(Clock::time_point now);

  // fragment:processed. Late/unknown results are ignored (but release a BACKPRESSURE hold).
  ResultOutcome on_result(const sts::StsResult& result, Clock::time_point now);
  // An `error` event about fragment `sequence`: BACKPRESSURE requeues it (and holds sending until
  // the next result or `hold` has passed); anything else makes it passthrough (reason protocol_error
  // for the client's own BAD_RESULT: an undecodable fragment:processed, else rejected).
  void on_refused(std::uint64_t sequence, const std::string& code, const std::string& message, bool backpressure,
                  Clock::time_point now, std::chrono::milliseconds hold = std::chrono::milliseconds(1000));
  // A fragment whose send failed locally (it never reached the service): back to the queue, in order.
  void unsend(std::uint64_t sequence);
  // Every fragment in flight becomes passthrough (connection lost).
  std::vector<std::uint64_t> fail_in_flight(PassthroughReason reason, const std::string& message,
                                            Clock::time_point now);
  // Every fragment not yet answered (queued or in flight) becomes passthrough (no STS at all).
  std::vector<std::uint64_t> fail_all_pending(PassthroughReason reason, const std::string& message,
                                              Clock::time_point now);
  // In-flight fragments whose deadline has passed become passthrough; returns their sequences.
  std::vector<std::uint64_t> expire(Clock::time_point now);
  // The next fragment in sequence, when it is still queued or in flight, becomes passthrough with
  // `reason` (the output cannot wait for it any longer); returns its sequence.
  std::optional<std::uint64_t> expire_head(PassthroughReason reason, const std::string& message, Clock::time_point now);
  // The earliest deadline among fragments in flight (and the end of a hold).
  [[nodiscard]] std::optional<Clock::time_point> next_deadline() const;

  // Finished fragments at the head of the sequence, in order; each is returned once.
  std::vector<ReadyFragment> pop_ready();
  // `fragment` (from pop_ready) was pushed into the output at `pushed_at` and is sent to the RTMP
  // server at `on_air_at`: its record's output_delay_ms and on_air_delay_ms (none once out of the history).
  void went_out(const ReadyFragment& fragment, Clock::time_point pushed_at, Clock::time_point on_air_at);

  [[nodiscard]] std::size_t in_flight() const;
  [[nodiscard]] std::size_t queued() const;
  // The most fragments ever in flight at once, and ever left queued by a send (waiting for a slot:
  // max_inflight reached or a BACKPRESSURE hold): a client faster than the service meets its limit.
  [[nodiscard]] std::size_t peak_in_flight() const { return peak_in_flight_; }
  [[nodiscard]] std::size_t peak_queued() const { return peak_queued_; }
  // No fragment waiting, in flight or finished-but-not-popped.
  [[nodiscard]] bool idle() const { return entries_.empty(); }

  // Records of the last `history` fragments, by sequence.
  [[nodiscard]] std::vector<FragmentRecord> records() const;
  [[nodiscard]] std::optional<FragmentRecord> record(std::uint64_t sequence) const;

 private:
  struct Entry {
    PcmFragment original;
    std::vector<std::int16_t> dubbed;
    std::optional<Clock::time_point> first_sent;
    std::optional<Clock::time_point> deadline;
    Clock::time_point final_at;  // when it left queued / in flight
  };
  FragmentRecord& rec(std::uint64_t sequence);
  void finish_passthrough(std::uint64_t sequence, PassthroughReason reason, const std::string& message,
                          Clock::time_point now);
  void trim_history();

  std::string stream_id_;
  std::size_t max_inflight_;
  std::chrono::milliseconds timeout_;
  std::size_t history_;
  std::map<std::uint64_t, Entry> entries_;           // not yet popped
  std::map<std::uint64_t, FragmentRecord> records_;  // last `history_`
  std::optional<Clock::time_point> hold_until_;
  std::size_t peak_in_flight_ = 0;
  std::size_t peak_queued_ = 0;
};

}  // namespace dub::media_service
