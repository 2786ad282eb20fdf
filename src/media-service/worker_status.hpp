#pragma once
// WorkerStatus: what the HTTP API and /metrics show of one worker beyond its dubbing (dub_session.hpp):
// state, source streams, output counters, A/V drift and output lag. Thread-safe: the worker's thread
// writes, the API reads.
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "fragment_tracker.hpp"
#include "media_metrics.hpp"

namespace dub::media_service {

enum class WorkerState { Starting, Running, Draining, Completed, Stopped, Failed };
const char* to_string(WorkerState state);

// One fragment handed to the output, with the video released alongside it.
struct PublishedFragment {
  bool dubbed = false;
  PassthroughReason reason = PassthroughReason::None;
  std::size_t video_units = 0;
  double lag_max_s = 0;  // of those video units
  std::int64_t drift_last_ns = 0;
  std::int64_t drift_max_ns = 0;
  std::int64_t published_until_ns = 0;  // output PTS (0-based) reached by the audio
  std::int64_t video_buffered_ns = 0;   // still held
};

class WorkerStatus {
 public:
  WorkerStatus(std::string stream, std::shared_ptr<MediaMetrics> metrics);

  [[nodiscard]] WorkerState state() const;
  [[nodiscard]] std::string error() const;
  void begin();    // the worker thread runs (counted as active)
  void running();  // Starting -> Running
  void draining(const std::string& end_reason);
  // The worker thread ends: failed (`failure`), stopped on request, or completed. Returns the state.
  WorkerState end(const std::string& failure, bool stop_requested);

  struct Streams {
    bool audio = false;
    bool video = false;
    std::string audio_caps;
    std::string video_caps;
  };
  void set_audio_stream(const std::string& caps);
  void set_video_stream(const std::string& caps);
  [[nodiscard]] Streams streams() const;
  void set_encoder(const std::string& name);

  // The first media packet read from the source (once; later calls keep the first): when the worker
  // was really ingesting, against which a publisher's first packet measures the join (US1-1).
  void input_read();
  // The source timestamp of the first audio sample and of the first video unit kept (a keyframe):
  // a worker that joins a live stream mid-GOP gets its picture later than its sound. Firsts only.
  void input_started(bool video, std::int64_t pts_ns);
  void video_received(std::int64_t buffered_ns);
  void video_published(std::size_t units);
  void observe_lag(double lag_s);
  void published(const PublishedFragment& p);

  // For the end-of-worker log line.
  [[nodiscard]] nlohmann::json summary() const;
  // state, error, end_reason, started_at, input_at, input_start, ended_at, audio, video, output_stats.
  [[nodiscard]] nlohmann::json to_json() const;

 private:
  const std::string stream_;
  std::shared_ptr<MediaMetrics> metrics_;
  mutable std::mutex mutex_;
  WorkerState state_ = WorkerState::Starting;
  std::string error_;
  std::string end_reason_;
  std::chrono::system_clock::time_point started_at_ = std::chrono::system_clock::now();
  std::optional<std::chrono::system_clock::time_point> ended_at_;
  std::optional<std::chrono::system_clock::time_point> input_at_;
  std::optional<std::int64_t> audio_start_ns_;
  std::optional<std::int64_t> video_start_ns_;
  Streams streams_;
  std::string encoder_;
  std::uint64_t video_units_received_ = 0;
  std::uint64_t video_units_published_ = 0;
  std::uint64_t fragments_published_ = 0;
  std::uint64_t fragments_dubbed_ = 0;
  std::uint64_t fragments_passthrough_ = 0;
  std::int64_t drift_last_ns_ = 0;
  std::int64_t drift_max_ns_ = 0;
  double lag_last_s_ = 0;
  double lag_max_s_ = 0;
  std::optional<std::int64_t> published_until_ns_;
};

}  // namespace dub::media_service
