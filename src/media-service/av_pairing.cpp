#include "av_pairing.hpp"

#include <algorithm>
#include <cstdlib>

namespace dub::media_service {

bool VideoQueue::push(VideoUnit unit) {
  if (!keyframe_seen_ && !unit.keyframe) {
    ++dropped_before_keyframe_;
    return false;
  }
  keyframe_seen_ = true;
  units_.push_back(std::move(unit));
  return true;
}

std::vector<VideoUnit> VideoQueue::release_until(std::int64_t audio_end_ns) {
  std::vector<VideoUnit> out;
  while (!units_.empty() && units_.front().decode_ns() < audio_end_ns) {
    out.push_back(std::move(units_.front()));
    units_.pop_front();
  }
  return out;
}

std::vector<VideoUnit> VideoQueue::drain() {
  std::vector<VideoUnit> out(std::make_move_iterator(units_.begin()), std::make_move_iterator(units_.end()));
  units_.clear();
  return out;
}

std::int64_t VideoQueue::buffered_ns() const {
  if (units_.size() < 2) return 0;
  return units_.back().pts_ns - units_.front().pts_ns;
}

std::optional<std::int64_t> VideoQueue::first_decode_ns() const {
  if (units_.empty()) return std::nullopt;
  return units_.front().decode_ns();
}

void AvDrift::audio(std::int64_t output_pts_ns, std::int64_t input_pts_ns) {
  last_ns_ = output_pts_ns - input_pts_ns;
  max_abs_ns_ = std::max(max_abs_ns_, std::abs(last_ns_));
}

}  // namespace dub::media_service
