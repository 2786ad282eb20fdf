#include "segmenter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "dub/sts/protocol.hpp"
#include "dub/util/error.hpp"

namespace dub::media_service {

Segmenter::Segmenter(int sample_rate, int channels, std::uint64_t frames_per_fragment, std::int64_t tolerance_ns,
                     std::int64_t discont_wait_ns)
    : rate_(sample_rate),
      channels_(channels),
      frames_per_fragment_(frames_per_fragment),
      tolerance_ns_(tolerance_ns),
      discont_wait_ns_(discont_wait_ns) {
  if (rate_ <= 0 || channels_ <= 0 || frames_per_fragment_ == 0 || tolerance_ns_ < 0 || discont_wait_ns_ < 0) {
    throw Error(fmt::format("segmenter: invalid format (rate {}, channels {}, frames per fragment {})", rate_,
                            channels_, frames_per_fragment_));
  }
}

std::int64_t Segmenter::pts_of_frame(std::uint64_t index) const {
  return base_pts_ns_ + sts::protocol::frames_to_ns(index, rate_);
}

std::vector<PcmFragment> Segmenter::push(std::optional<std::int64_t> pts_ns, std::span<const std::int16_t> samples) {
  const auto ch = static_cast<std::size_t>(channels_);
  if (samples.size() % ch != 0) {
    throw Error(fmt::format("segmenter: buffer of {} samples is not a whole number of {}-channel frames",
                            samples.size(), channels_));
  }
  std::vector<PcmFragment> out;
  const std::uint64_t frames = samples.size() / ch;
  stats_.frames_in += frames;
  if (frames == 0) return out;
  if (!started_) {
    started_ = true;
    base_pts_ns_ = pts_ns.value_or(0);
    pending_input_pts_ns_ = base_pts_ns_;
  }
  const std::int64_t expected = pts_of_frame(timeline_frames_);
  const std::int64_t input_pts = pts_ns.value_or(expected);
  const std::int64_t diff = input_pts - expected;  // > 0: gap, < 0: overlap
  bool resync = false;
  if (std::abs(diff) <= tolerance_ns_) {
    discont_since_ns_.reset();
  } else {
    if (!discont_since_ns_) discont_since_ns_ = input_pts;
    resync = input_pts - *discont_since_ns_ >= discont_wait_ns_;
  }
  if (!resync) {
    // Contiguous (within tolerance, or a deviation too recent to be trusted).
    stats_.max_abs_drift_ns = std::max(stats_.max_abs_drift_ns, std::abs(diff));
    append(samples, input_pts, out);
    return out;
  }
  discont_since_ns_.reset();
  ++stats_.resyncs;
  if (diff > 0) {
    // Gap: silence up to where this buffer starts.
    const std::uint64_t fill = static_cast<std::uint64_t>(std::llround(static_cast<double>(diff) * rate_ / 1e9));
    std::vector<std::int16_t> silence(static_cast<std::size_t>(fill) * ch, 0);
    stats_.frames_filled += fill;
    append(silence, expected, out);
    append(samples, input_pts, out);
  } else {
    // Overlap: drop what the timeline already has.
    const std::uint64_t overlap = static_cast<std::uint64_t>(std::llround(static_cast<double>(-diff) * rate_ / 1e9));
    const std::uint64_t drop = std::min(overlap, frames);
    stats_.frames_dropped += drop;
    if (drop < frames) {
      append(samples.subspan(static_cast<std::size_t>(drop) * ch), input_pts + sts::protocol::frames_to_ns(drop, rate_),
             out);
    }
  }
  return out;
}

void Segmenter::append(std::span<const std::int16_t> samples, std::int64_t input_pts_of_first,
                       std::vector<PcmFragment>& out) {
  const auto ch = static_cast<std::size_t>(channels_);
  std::size_t offset = 0;
  while (offset < samples.size()) {
    if (pending_.empty()) {
      pending_input_pts_ns_ = input_pts_of_first + sts::protocol::frames_to_ns(offset / ch, rate_);
    }
    const std::size_t room = static_cast<std::size_t>(frames_per_fragment_) * ch - pending_.size();
    const std::size_t n = std::min(room, samples.size() - offset);
    pending_.insert(pending_.end(), samples.begin() + static_cast<std::ptrdiff_t>(offset),
                    samples.begin() + static_cast<std::ptrdiff_t>(offset + n));
    offset += n;
    timeline_frames_ += n / ch;
    if (pending_.size() == static_cast<std::size_t>(frames_per_fragment_) * ch)
      out.push_back(take(frames_per_fragment_));
  }
}

PcmFragment Segmenter::take(std::uint64_t frames) {
  PcmFragment f;
  f.sequence = sequence_++;
  f.first_frame = next_fragment_first_;
  f.pts_ns = pts_of_frame(f.first_frame);
  f.duration_ns = pts_of_frame(f.first_frame + frames) - f.pts_ns;
  f.input_pts_ns = pending_input_pts_ns_;
  f.sample_rate = rate_;
  f.channels = channels_;
  f.samples = std::move(pending_);
  pending_.clear();
  pending_.reserve(static_cast<std::size_t>(frames_per_fragment_) * static_cast<std::size_t>(channels_));
  next_fragment_first_ += frames;
  stats_.frames_out += frames;
  ++stats_.fragments;
  return f;
}

std::optional<PcmFragment> Segmenter::flush() {
  if (pending_.empty()) return std::nullopt;
  return take(pending_.size() / static_cast<std::size_t>(channels_));
}

}  // namespace dub::media_service
