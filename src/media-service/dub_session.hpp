#pragma once
// DubSession: the dubbing of one stream, without GStreamer.
//
//   source audio (s16le chunks with PTS) -> Segmenter (exact N-frame fragments)
//     -> FragmentTracker (MAX_INFLIGHT, FRAGMENT_TIMEOUT, passthrough) <-> StsLink (reconnects)
//     -> ready fragments, in sequence order, with the audio to play (dubbed or original)
//
// The first audio fixes the format and opens the STS stream (blocking, with retries; it throws when
// it gives up). STS clients report from their own threads through Hooks::post; the owner hands those
// events back to handle() on its thread. All methods but the read-only status ones (*_json, format)
// belong to that one thread; the status ones may be called from any thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dub/sts/client.hpp"
#include "fragment_tracker.hpp"
#include "media_metrics.hpp"
#include "segmenter.hpp"
#include "sts_events.hpp"
#include "sts_link.hpp"
#include "worker_options.hpp"

namespace dub::media_service {

class DubSession {
 public:
  using Clock = std::chrono::steady_clock;
  struct Hooks {
    // An STS client's event, from its thread: give it back to handle() on the session's thread.
    std::function<void(StsEvent)> post;
    // Waits `delay` between first-connection attempts; false gives up (a stop was requested).
    std::function<bool(std::chrono::milliseconds)> wait;
  };

  DubSession(WorkerOptions options, sts::StsClientFactory factory, std::shared_ptr<MediaMetrics> metrics, Hooks hooks);
  ~DubSession();
  DubSession(const DubSession&) = delete;
  DubSession& operator=(const DubSession&) = delete;
  DubSession(DubSession&&) = delete;
  DubSession& operator=(DubSession&&) = delete;

  // Interleaved samples whose first frame is at `pts_ns` (nullopt: continues). The first call fixes
  // the format and opens the STS stream; a later change of format throws dub::Error.
  void push_audio(std::optional<std::int64_t> pts_ns, std::span<const std::int16_t> samples, int rate, int channels);
  // No more audio: the rest becomes a last, shorter fragment.
  void end_of_input();
  // An STS event posted through Hooks::post (events of an old connection are ignored).
  void handle(StsEvent& event);
  // Expires timeouts, sends what may be sent, and returns the fragments ready for the output.
  std::vector<ReadyFragment> pump(Clock::time_point now);
  // A fragment pump() returned went out (FragmentTracker::went_out: its output delay, US1-5).
  void went_out(const ReadyFragment& fragment, Clock::time_point pushed_at, Clock::time_point on_air_at);
  // The output has waited `waited` for the next fragment: when it is not back yet, it keeps its
  // original audio (output_stall); returns the ready ones.
  std::vector<ReadyFragment> pass_head_through(std::chrono::milliseconds waited, Clock::time_point now);
  // Every fragment not answered yet keeps its original audio; returns the ready ones.
  std::vector<ReadyFragment> give_up(PassthroughReason reason, const std::string& message);
  // A fast stop: nothing more is sent, everything pending passes through.
  void stop_waiting();
  [[nodiscard]] bool stopping_fast() const { return fast_stop_; }
  // Ends the STS stream and disconnects (also stops a reconnection under way).
  void close();

  [[nodiscard]] bool started() const { return segmenter_ != nullptr; }
  // Input PTS of the first audio frame (the segmenter's timeline start); nullopt before any audio.
  [[nodiscard]] std::optional<std::int64_t> timeline_start() const;
  [[nodiscard]] std::optional<Clock::time_point> next_deadline() const;
  // Nothing waiting, in flight or ready.
  [[nodiscard]] bool idle() const;

  // Status (any thread).
  [[nodiscard]] int sample_rate() const;
  [[nodiscard]] int channels() const;
  [[nodiscard]] nlohmann::json sts_json() const;
  [[nodiscard]] nlohmann::json segmenter_json() const;
  [[nodiscard]] nlohmann::json fragments_json() const;

 private:
  [[nodiscard]] nlohmann::json fields(const nlohmann::json& extra = nlohmann::json::object()) const;
  StsLink::Hooks link_hooks();
  void start(int rate, int channels);
  void connect();
  void on_ready(const sts::StsReady& ready);
  void add_locked(PcmFragment f);
  void send(std::vector<sts::StsFragment>& to_send);
  void lost(int generation, const std::string& reason);
  void on_event(StsResultEvent& e);
  void on_event(StsErrorEvent& e);
  void on_event(StsDisconnectEvent& e);
  void on_event(StsCompleteEvent& e);
  void on_event(StsReopenedEvent& e);

  const WorkerOptions o_;
  std::shared_ptr<MediaMetrics> metrics_;
  Hooks hooks_;
  std::unique_ptr<Segmenter> segmenter_;      // from the first audio
  std::optional<Clock::time_point> lost_at_;  // dubbing paused since (connection lost)
  bool fast_stop_ = false;

  mutable std::mutex mutex_;  // what the status reads
  FragmentTracker tracker_;
  SegmenterStats seg_stats_;
  int rate_ = 0;
  int channels_ = 0;
  std::string sts_mode_;
  bool connected_ = false;
  int attempts_ = 0;

  std::unique_ptr<StsLink> link_;  // last: its hooks use the members above
};

}  // namespace dub::media_service
