#pragma once
// A client's view of the speech-to-speech service (docs/protocol.md): open a stream, send
// fragments, get results back asynchronously. Used by the media service's workers and by
// dubctl's `sts:` scenario step. Implementations:
//   - SocketIoStsClient (dub/sts/socketio_client.hpp): the real service over Socket.IO.
//   - EchoStsClient (src/media-service/echo_sts_client.hpp): the media service's in-process
//     stand-in (returns the input audio, with delay and failure injection) for its tests and
//     STS_MODE=echo.
// Retries, timeouts and passthrough are the caller's business, not the client's.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace dub::sts {

struct StsStreamConfig {
  std::string stream_id;
  std::string source_language = "en";
  std::string target_language = "es";
  int sample_rate = 48000;
  int channels = 1;
  std::string sample_format = "s16le";
  std::int64_t fragment_duration_ns = 6'000'000'000;
};

// stream:ready `limits`: what the service accepts on this stream (0 = not said).
struct StsLimits {
  std::size_t max_inflight = 0;
  std::uint64_t max_fragment_bytes = 0;
  std::int64_t max_fragment_duration_ns = 0;
  std::int64_t duration_tolerance_ns = 0;
  std::int64_t processing_timeout_ms = 0;
  std::uint64_t transport_max_message_bytes = 0;
};

// The answer to stream:init.
struct StsReady {
  std::string mode;              // "real" or "echo"
  std::size_t max_inflight = 0;  // limits.max_inflight (0 = not said)
  StsLimits limits;              // all of stream:ready's limits
  nlohmann::json models;         // display strings
  nlohmann::json raw;            // the whole payload
};

// stream:complete (also stream:completed on /monitor): the stream's counters.
struct StsComplete {
  std::string stream_id;
  std::uint64_t fragments_received = 0;
  std::uint64_t fragments_processed = 0;
  std::uint64_t fragments_succeeded = 0;
  std::uint64_t fragments_partial = 0;
  std::uint64_t fragments_failed = 0;
  std::uint64_t fragments_rejected = 0;
  std::int64_t total_audio_duration_ns = 0;
  double total_processing_time_ms = 0;
};

struct StsFragment {
  std::string stream_id;
  std::string fragment_id;
  std::uint64_t sequence_number = 0;
  std::int64_t pts_ns = 0;
  std::int64_t duration_ns = 0;
  std::vector<std::uint8_t> audio;  // s16le interleaved PCM in the stream's format
};

// fragment:ack: the service accepted a fragment and queued it.
struct StsAck {
  std::string stream_id;
  std::string fragment_id;
  std::uint64_t sequence_number = 0;
  std::size_t inflight = 0;  // the stream's accepted fragments not yet answered, this one included
};

// fragment:processed, or a local failure of one fragment.
struct StsResult {
  std::string stream_id;
  std::string fragment_id;
  std::uint64_t sequence_number = 0;
  std::int64_t pts_ns = 0;
  std::int64_t duration_ns = 0;
  std::string status;  // "success", "partial", "failed"
  std::string transcript;
  std::string translated_text;
  std::vector<std::uint8_t> dubbed_audio;
  int sample_rate = 0;
  int channels = 0;
  std::string sample_format;
  double processing_time_ms = 0;
  double queue_time_ms = 0;
  std::string error_code;  // empty when error is null
  std::string error_message;
};

// An `error` event from the service.
struct StsError {
  std::string code;
  std::string message;
  bool retryable = false;
  std::string event;
  std::string stream_id;
  std::string fragment_id;
  std::optional<std::uint64_t> sequence_number;
};

class StsClient {
 public:
  struct Handlers {
    // fragment:processed (any status).
    std::function<void(StsResult)> on_result;
    // An `error` event (a refused fragment names its sequence_number).
    std::function<void(StsError)> on_error;
    // The connection is gone for good (network, server close): fragments in flight will not be answered.
    std::function<void(std::string reason)> on_disconnect;
    // stream:complete after end().
    std::function<void(nlohmann::json)> on_complete;
    // fragment:ack (optional: only callers that measure acceptance need it).
    std::function<void(StsAck)> on_ack;
  };

  StsClient() = default;
  virtual ~StsClient() = default;
  StsClient(const StsClient&) = delete;
  StsClient& operator=(const StsClient&) = delete;
  StsClient(StsClient&&) = delete;
  StsClient& operator=(StsClient&&) = delete;

  // One attempt: connect and open the stream (stream:init -> stream:ready), waiting at most `timeout`.
  // Throws dub::Error naming the service and the reason. Handlers are called from the client's own
  // thread(s), never from inside open(), send() or end().
  virtual StsReady open(const StsStreamConfig& config, Handlers handlers, std::chrono::milliseconds timeout) = 0;
  // fragment:data. Throws dub::Error when not connected.
  virtual void send(const StsFragment& fragment) = 0;
  // stream:end (stream:complete arrives through on_complete).
  virtual void end() = 0;
  // Disconnects; no handler is called once close() returns. Idempotent.
  virtual void close() = 0;
  // A short description for logs and /health ("echo", "socketio http://sts:3000/socket.io").
  [[nodiscard]] virtual std::string describe() const = 0;
};

using StsClientFactory = std::function<std::unique_ptr<StsClient>()>;

}  // namespace dub::sts
