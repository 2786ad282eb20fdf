#pragma once
// The worker's event queue: GStreamer's streaming threads, STS clients and the API post events;
// the worker's own thread takes them and does everything else.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "av_pairing.hpp"
#include "sts_events.hpp"

namespace dub::media_service {

struct AudioChunk {
  std::optional<std::int64_t> pts_ns;
  std::vector<std::int16_t> samples;
  int rate = 0;
  int channels = 0;
};
struct VideoChunk {
  VideoUnit unit;
};
struct SourceStreams {};  // no-more-pads: every stream of the source is known
struct BusEvent {
  bool output = false;
  bool eos = false;  // else error
  std::string element;
  std::string message;
  std::string debug;
};
struct Fatal {
  std::string message;
};
struct StopEvent {
  std::string reason;
  bool fast = false;
  bool source_ended = false;  // not a stop: the source's server says it ended (Worker::source_ended)
};
using Event = std::variant<AudioChunk, VideoChunk, SourceStreams, BusEvent, Fatal, StsEvent, StopEvent>;

class EventQueue {
 public:
  using Clock = std::chrono::steady_clock;

  void post(Event e);
  // Everything queued, once something is or `until` has come.
  std::deque<Event> take(Clock::time_point until);
  // Waits up to `timeout` for a queued error of the input (or output) pipeline and returns
  // ": <message> (<element>)", or "" (used right after a failed state change).
  std::string bus_error(bool output, std::chrono::milliseconds timeout);
  void clear();

  // A stop was requested (also posted as a StopEvent by the caller).
  void request_stop() { stop_ = true; }
  // Sleeps `d` unless a stop is requested first (returns false then).
  bool sleep_unless_stopped(std::chrono::milliseconds d);

  void set_finished();
  [[nodiscard]] bool finished() const { return finished_.load(); }
  bool wait_finished(std::chrono::milliseconds timeout);

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Event> queue_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> finished_{false};
};

}  // namespace dub::media_service
