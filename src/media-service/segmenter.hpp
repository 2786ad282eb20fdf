#pragma once
// Cuts a stream of interleaved s16 PCM buffers into fragments of exactly N frames (the last one,
// at flush, may be shorter). Sample accounting is exact: every input frame lands in exactly one
// fragment, in order, and fragment k starts at frame k*N of the stream's timeline.
//
// Timestamps: the timeline starts at the first buffer's PTS; a frame's PTS is
// base + frames_before_it / rate (integer ns, rounded), so fragment PTS/durations add up exactly.
// Input buffers carry their own PTS, which live sources make noisy (network jitter, lip-sync
// corrections). Like GStreamer's audio sinks (alignment-threshold / discont-wait), the segmenter
// keeps the samples contiguous while a buffer's PTS is within `tolerance_ns` of the timeline, and
// also while a larger deviation has lasted less than `discont_wait_ns` (transient jitter). Only a
// deviation that persists that long repairs the timeline: a gap is filled with silence, an
// overlap is dropped. Deviations that are kept are reported as drift (timeline PTS minus input
// PTS) on each fragment.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace dub::media_service {

struct PcmFragment {
  std::uint64_t sequence = 0;
  std::uint64_t first_frame = 0;  // index of the first frame in the stream's timeline
  std::int64_t pts_ns = 0;        // timeline PTS of the first frame
  std::int64_t duration_ns = 0;   // PTS of the next fragment minus pts_ns
  std::int64_t input_pts_ns = 0;  // where the input buffers placed the first frame
  int sample_rate = 0;
  int channels = 0;
  std::vector<std::int16_t> samples;  // interleaved, frames() * channels values

  [[nodiscard]] std::uint64_t frames() const {
    return channels > 0 ? samples.size() / static_cast<std::size_t>(channels) : 0;
  }
  [[nodiscard]] std::int64_t drift_ns() const { return pts_ns - input_pts_ns; }
  [[nodiscard]] std::int64_t end_pts_ns() const { return pts_ns + duration_ns; }
};

struct SegmenterStats {
  std::uint64_t frames_in = 0;       // frames received
  std::uint64_t frames_out = 0;      // frames emitted in fragments (includes filled silence)
  std::uint64_t frames_filled = 0;   // silence inserted for gaps
  std::uint64_t frames_dropped = 0;  // overlapping frames dropped
  std::uint64_t fragments = 0;
  std::int64_t max_abs_drift_ns = 0;  // largest |timeline - input| seen on a kept buffer
  std::uint64_t resyncs = 0;          // timeline repairs (fill or drop)
};

class Segmenter {
 public:
  Segmenter(int sample_rate, int channels, std::uint64_t frames_per_fragment, std::int64_t tolerance_ns = 40'000'000,
            std::int64_t discont_wait_ns = 1'000'000'000);

  // Adds a buffer of interleaved samples (size must be a multiple of channels) whose first
  // frame is at `pts_ns` (std::nullopt: continues the timeline). Returns the completed fragments.
  std::vector<PcmFragment> push(std::optional<std::int64_t> pts_ns, std::span<const std::int16_t> samples);
  // Returns what is left as a last (shorter) fragment, if anything.
  std::optional<PcmFragment> flush();

  [[nodiscard]] const SegmenterStats& stats() const { return stats_; }
  [[nodiscard]] int sample_rate() const { return rate_; }
  [[nodiscard]] int channels() const { return channels_; }
  [[nodiscard]] std::uint64_t frames_per_fragment() const { return frames_per_fragment_; }
  // Timeline PTS of frame `index`.
  [[nodiscard]] std::int64_t pts_of_frame(std::uint64_t index) const;
  [[nodiscard]] bool started() const { return started_; }

 private:
  void append(std::span<const std::int16_t> samples, std::int64_t input_pts_of_first, std::vector<PcmFragment>& out);
  PcmFragment take(std::uint64_t frames);

  int rate_;
  int channels_;
  std::uint64_t frames_per_fragment_;
  std::int64_t tolerance_ns_;
  std::int64_t discont_wait_ns_;
  std::optional<std::int64_t> discont_since_ns_;  // input PTS where the current deviation began
  bool started_ = false;
  std::int64_t base_pts_ns_ = 0;
  std::uint64_t timeline_frames_ = 0;  // frames appended so far (timeline position of the next frame)
  std::uint64_t next_fragment_first_ = 0;
  std::int64_t pending_input_pts_ns_ = 0;  // input PTS of the first pending frame
  std::vector<std::int16_t> pending_;
  std::uint64_t sequence_ = 0;
  SegmenterStats stats_;
};

}  // namespace dub::media_service
