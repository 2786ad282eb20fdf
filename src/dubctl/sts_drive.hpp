#pragma once
// The `sts:` scenario step: drives the STS service directly over Socket.IO with libdub's client
// (dub::sts::SocketIoStsClient), no media service involved ("STS alone", spec user story 3).
// The fixture's audio (as long as its container says: encoder padding dropped) is decoded with
// libav into PCM in the stream's format (`repeat` times over), cut into consecutive fragments and
// sent one at a time (each after the previous answer), all at once, or at a pace faster than real
// time, sending again what BACKPRESSURE refused. Every answer is checked against the protocol
// (docs/protocol.md: one per fragment, in sequence order, ids copied, dubbed audio of the same
// format and length, stream:complete counts) and against the step's expectations; the dubbed
// fragments, put back together in sequence order, are saved as <artifacts>/<stream>-dubbed.wav.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dub/sts/client.hpp"
#include "steps/options.hpp"

namespace dubctl {

using Properties = std::vector<std::pair<std::string, std::string>>;

// One fragment's place in the PCM: frames [first_frame, first_frame + frames).
struct FragmentSpan {
  std::size_t first_frame = 0;
  std::size_t frames = 0;
  bool operator==(const FragmentSpan&) const = default;
};

// Consecutive fragments of `fragment_frames` frames covering `total_frames` frames; the last one
// holds the remainder (shorter, never empty). Throws dub::Error when fragment_frames is 0.
std::vector<FragmentSpan> cut_fragments(std::size_t total_frames, std::size_t fragment_frames);

// Everything one run of the step sent and saw.
struct StsExchange {
  dub::sts::StsStreamConfig config;
  std::string mode;                          // stream:ready `mode`
  std::size_t max_inflight = 0;              // stream:ready limits.max_inflight (0: not said)
  std::vector<dub::sts::StsFragment> sent;   // in sequence order
  std::vector<dub::sts::StsResult> results;  // fragment:processed, in arrival order
  std::vector<double> round_trip_ms;         // per result: its fragment:data sent -> it arrived
  std::vector<dub::sts::StsError> errors;    // `error` events
  std::size_t peak_inflight = 0;             // the largest `inflight` a fragment:ack reported
  std::vector<std::uint64_t> backpressure;   // each BACKPRESSURE refusal (paced), its sequence number
  std::optional<nlohmann::json> complete;    // stream:complete
  std::string lost;                          // why the exchange stopped early (connection, timeout)
};

// What breaks the protocol's promises: every fragment answered exactly once, in sequence order,
// ids/pts/duration copied, dubbed audio in the stream's format with as many frames as the input,
// no `error` (a paced exchange's BACKPRESSURE refusals apart: stream:complete counts them as
// rejected), stream:complete counting them all. Empty when all is well.
std::vector<std::string> protocol_problems(const StsExchange& x);

// The answers' dubbed audio in sequence order, one after the other (s16le samples).
std::vector<std::int16_t> reassemble(const StsExchange& x);

// What misses the step's expectations; `sidecar` is the reference's JSON (null when none). Adds
// the measured figures (status counts, round-trip latency, WER, ...) to `properties`.
std::vector<std::string> expectation_problems(const StsDriveStep::Expect& expect, const StsExchange& x,
                                              const nlohmann::json& sidecar, Properties& properties);

// Runs the step (its options expanded) against the service at step.url with the (resolved) fixture
// file; the dubbed audio, reassembled, goes to <artifacts>/<stream>-dubbed.wav (artifacts empty:
// nowhere). `poll` is called while waiting (it may throw to abort, e.g. on SIGINT). Returns a
// one-line summary; throws dub::Error listing every problem.
std::string drive_sts(const StsDriveStep& step, const std::filesystem::path& fixture, const std::filesystem::path& root,
                      const std::filesystem::path& artifacts, Properties& properties,
                      const std::function<void()>& poll = {});

}  // namespace dubctl
