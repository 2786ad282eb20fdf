#pragma once
// Worker: one per live stream.
//
//   source (rtspsrc over TCP, or a file for tests)
//     video: H.264 parsed, never re-encoded ----------------------------> VideoQueue (held)
//     audio: decoded -> S16LE at a fixed rate -> Segmenter (exact N-frame fragments, PTS)
//              -> FragmentTracker -> StsClient (MAX_INFLIGHT, FRAGMENT_TIMEOUT, passthrough)
//              -> results in sequence order
//   output: audio appsrc -> AAC (language tag) -+
//           video appsrc (released by PTS)    -+-> flvmux (streamable) -> rtmp2sink | filesink
//
// Timestamps are the input's (minus one common base), so audio and video stay paired by PTS.
// A worker runs on its own thread with an event queue (worker_events.hpp); GStreamer and STS
// callbacks only post events. Its parts:
//   InputPipeline (input_pipeline.hpp)   source -> AudioChunk / VideoChunk events
//   DubSession (dub_session.hpp)         segmenter, fragment tracker, STS link; no GStreamer
//   OutputPipeline (output_pipeline.hpp) appsrcs -> AAC + H.264 -> FLV -> RTMP | file
//   WorkerStatus (worker_status.hpp)     state, counters and metrics for the API
// This file ties them together: the event loop, publishing (audio + the video it releases) and the
// end of a worker.
#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "dub/sts/client.hpp"
#include "media_metrics.hpp"
#include "worker_options.hpp"
#include "worker_status.hpp"

namespace dub::media_service {

// After the source's server says the source ended, how long (plus the RTSP latency) the input may
// take to see that end itself (MediaMTX closes the reader's session a few ms after its hook runs).
inline constexpr std::chrono::milliseconds kSourceEndGrace{2000};

class Worker {
 public:
  Worker(WorkerOptions options, sts::StsClientFactory sts_factory, std::shared_ptr<MediaMetrics> metrics);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  Worker(Worker&&) = delete;
  Worker& operator=(Worker&&) = delete;

  // Starts the worker thread (the source is opened there).
  void start();
  // Graceful stop: stop reading, finish the fragments in flight (up to their timeout), flush and
  // close the output. `fast`: do not wait for fragments in flight (they go out as passthrough).
  void request_stop(const std::string& reason, bool fast = false);
  // Not a stop: the source's server (MediaMTX's runOnNotReady) says the source ended. The input
  // reads what is still on its way until it sees that end itself, at most kSourceEndGrace plus the
  // RTSP latency; then the worker finishes as on the source's own end: `completed`.
  void source_ended(const std::string& reason);
  // Waits for the worker thread to end; false on timeout.
  bool wait(std::chrono::milliseconds timeout);
  [[nodiscard]] bool finished() const;

  [[nodiscard]] const std::string& name() const { return options_.name; }
  [[nodiscard]] WorkerState state() const;
  [[nodiscard]] std::string error() const;
  // Status for the API; `fragments` adds the per-fragment list.
  [[nodiscard]] nlohmann::json to_json(bool fragments = true) const;

 private:
  struct Impl;
  WorkerOptions options_;  // before impl_: Impl keeps a reference to it
  std::unique_ptr<Impl> impl_;
};

}  // namespace dub::media_service
