#pragma once
// Pairs passthrough video with the (dubbed) audio by PTS: video access units wait here until
// the audio covering their time is ready, then leave in decode order. Both streams keep their
// input timestamps, so the output's A/V alignment is the input's; what the output can get wrong
// is measured by AvDrift.
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

namespace dub::media_service {

struct VideoUnit {
  std::int64_t pts_ns = 0;
  std::optional<std::int64_t> dts_ns;  // decode time when the stream has one
  std::int64_t duration_ns = 0;
  std::chrono::steady_clock::time_point arrival{};
  std::shared_ptr<void> payload;  // the media buffer (a GstSample in the worker)
  bool keyframe = true;           // decodable on its own (not a GStreamer DELTA_UNIT)

  // Decode-order key: DTS when known, PTS otherwise.
  [[nodiscard]] std::int64_t decode_ns() const { return dts_ns.value_or(pts_ns); }
};

class VideoQueue {
 public:
  // Queues a unit. Until the first keyframe, units are dropped (and counted): a worker that joins
  // a live source mid-GOP gets frames that reference a picture it never saw, which no player can
  // decode; the output's picture starts at the first keyframe instead. Returns false when dropped.
  bool push(VideoUnit unit);
  [[nodiscard]] std::size_t dropped_before_keyframe() const { return dropped_before_keyframe_; }
  // Units (in arrival = decode order) whose decode time is before `audio_end_ns`.
  std::vector<VideoUnit> release_until(std::int64_t audio_end_ns);
  // Everything left (end of stream).
  std::vector<VideoUnit> drain();

  [[nodiscard]] std::size_t size() const { return units_.size(); }
  [[nodiscard]] bool empty() const { return units_.empty(); }
  [[nodiscard]] const VideoUnit* front() const { return units_.empty() ? nullptr : &units_.front(); }
  // Span of buffered time: last PTS - first PTS (0 when fewer than two units).
  [[nodiscard]] std::int64_t buffered_ns() const;
  [[nodiscard]] std::optional<std::int64_t> first_decode_ns() const;

 private:
  std::deque<VideoUnit> units_;
  bool keyframe_seen_ = false;
  std::size_t dropped_before_keyframe_ = 0;
};

// Running A/V drift figures for one output: each audio fragment's placement error (segmenter
// timeline vs input PTS, which the video shares): how far the output audio
// is placed relative to where the input had it.
class AvDrift {
 public:
  // An audio fragment written at `output_pts_ns` whose samples the input had at `input_pts_ns`.
  void audio(std::int64_t output_pts_ns, std::int64_t input_pts_ns);
  [[nodiscard]] std::int64_t last_ns() const { return last_ns_; }
  [[nodiscard]] std::int64_t max_abs_ns() const { return max_abs_ns_; }

 private:
  std::int64_t last_ns_ = 0;
  std::int64_t max_abs_ns_ = 0;
};

}  // namespace dub::media_service
