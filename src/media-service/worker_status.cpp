#include "worker_status.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "enum_names.hpp"

namespace dub::media_service {

const char* to_string(WorkerState state) {
  static constexpr std::array<const char*, 6> kNames = {"starting",  "running", "draining",
                                                        "completed", "stopped", "failed"};
  static_assert(kNames.size() == static_cast<std::size_t>(WorkerState::Failed) + 1);
  return enum_name(state, kNames);
}

namespace {

std::string iso_time(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(t)), ms);
}

nlohmann::json text_or_null(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

}  // namespace

WorkerStatus::WorkerStatus(std::string stream, std::shared_ptr<MediaMetrics> metrics)
    : stream_(std::move(stream)), metrics_(std::move(metrics)) {}

WorkerState WorkerStatus::state() const {
  const std::lock_guard lock(mutex_);
  return state_;
}

std::string WorkerStatus::error() const {
  const std::lock_guard lock(mutex_);
  return error_;
}

void WorkerStatus::begin() {
  metrics_->active_workers.get().inc();
}

void WorkerStatus::running() {
  const std::lock_guard lock(mutex_);
  if (state_ == WorkerState::Starting) state_ = WorkerState::Running;
}

void WorkerStatus::draining(const std::string& end_reason) {
  const std::lock_guard lock(mutex_);
  end_reason_ = end_reason;
  if (state_ == WorkerState::Running || state_ == WorkerState::Starting) state_ = WorkerState::Draining;
}

WorkerState WorkerStatus::end(const std::string& failure, bool stop_requested) {
  WorkerState final_state = WorkerState::Completed;
  {
    const std::lock_guard lock(mutex_);
    ended_at_ = std::chrono::system_clock::now();
    if (!failure.empty()) {
      state_ = WorkerState::Failed;
      error_ = failure;
    } else if (stop_requested) {
      state_ = WorkerState::Stopped;
    } else {
      state_ = WorkerState::Completed;
    }
    final_state = state_;
  }
  metrics_->active_workers.get().dec();
  metrics_->workers.labels({to_string(final_state)}).inc();
  return final_state;
}

void WorkerStatus::set_audio_stream(const std::string& caps) {
  const std::lock_guard lock(mutex_);
  streams_.audio = true;
  streams_.audio_caps = caps;
}

void WorkerStatus::set_video_stream(const std::string& caps) {
  const std::lock_guard lock(mutex_);
  streams_.video = true;
  streams_.video_caps = caps;
}

WorkerStatus::Streams WorkerStatus::streams() const {
  const std::lock_guard lock(mutex_);
  return streams_;
}

void WorkerStatus::set_encoder(const std::string& name) {
  const std::lock_guard lock(mutex_);
  encoder_ = name;
}

void WorkerStatus::input_read() {
  const std::lock_guard lock(mutex_);
  if (!input_at_) input_at_ = std::chrono::system_clock::now();
}

void WorkerStatus::input_started(bool video, std::int64_t pts_ns) {
  const std::lock_guard lock(mutex_);
  auto& first = video ? video_start_ns_ : audio_start_ns_;
  if (!first) first = pts_ns;
}

void WorkerStatus::video_received(std::int64_t buffered_ns) {
  metrics_->video_buffered.labels({stream_}).set(static_cast<double>(buffered_ns) / 1e9);
  const std::lock_guard lock(mutex_);
  ++video_units_received_;
}

void WorkerStatus::video_published(std::size_t units) {
  const std::lock_guard lock(mutex_);
  video_units_published_ += units;
}

void WorkerStatus::observe_lag(double lag_s) {
  metrics_->output_lag.labels({stream_}).observe(lag_s);
}

void WorkerStatus::published(const PublishedFragment& p) {
  metrics_->video_buffered.labels({stream_}).set(static_cast<double>(p.video_buffered_ns) / 1e9);
  metrics_->av_drift.labels({stream_}).set(static_cast<double>(p.drift_last_ns) / 1e9);
  metrics_->av_drift_max.labels({stream_}).set_max(static_cast<double>(p.drift_max_ns) / 1e9);
  metrics_->fragments_published.labels({stream_, p.dubbed ? "dubbed" : "original"}).inc();
  if (!p.dubbed) metrics_->fragments_passthrough.labels({stream_, to_string(p.reason)}).inc();
  const std::lock_guard lock(mutex_);
  ++fragments_published_;
  if (p.dubbed) {
    ++fragments_dubbed_;
  } else {
    ++fragments_passthrough_;
  }
  video_units_published_ += p.video_units;
  drift_last_ns_ = p.drift_last_ns;
  drift_max_ns_ = p.drift_max_ns;
  if (p.video_units > 0) {
    lag_last_s_ = p.lag_max_s;
    lag_max_s_ = std::max(lag_max_s_, p.lag_max_s);
  }
  published_until_ns_ = p.published_until_ns;
}

nlohmann::json WorkerStatus::summary() const {
  const std::lock_guard lock(mutex_);
  return {{"state", to_string(state_)},
          {"fragments_published", fragments_published_},
          {"fragments_dubbed", fragments_dubbed_},
          {"fragments_passthrough", fragments_passthrough_},
          {"drift_max_ms", static_cast<double>(drift_max_ns_) / 1e6}};
}

nlohmann::json WorkerStatus::to_json() const {
  const std::lock_guard lock(mutex_);
  nlohmann::json j;
  j["state"] = to_string(state_);
  j["error"] = text_or_null(error_);
  j["end_reason"] = text_or_null(end_reason_);
  j["started_at"] = iso_time(started_at_);
  j["input_at"] = input_at_ ? nlohmann::json(iso_time(*input_at_)) : nlohmann::json(nullptr);
  const auto seconds = [](const std::optional<std::int64_t>& ns) {
    return ns ? nlohmann::json(static_cast<double>(*ns) / 1e9) : nlohmann::json(nullptr);
  };
  j["input_start"] = {{"audio_s", seconds(audio_start_ns_)}, {"video_s", seconds(video_start_ns_)}};
  j["ended_at"] = ended_at_ ? nlohmann::json(iso_time(*ended_at_)) : nlohmann::json(nullptr);
  j["audio"] = {{"present", streams_.audio}, {"source_caps", streams_.audio_caps}, {"encoder", encoder_}};
  j["video"] = {{"present", streams_.video},
                {"source_caps", streams_.video_caps},
                {"units_received", video_units_received_},
                {"units_published", video_units_published_}};
  j["output_stats"] = {
      {"fragments_published", fragments_published_},
      {"fragments_dubbed", fragments_dubbed_},
      {"fragments_passthrough", fragments_passthrough_},
      {"published_until_s",
       published_until_ns_ ? nlohmann::json(static_cast<double>(*published_until_ns_) / 1e9) : nlohmann::json(nullptr)},
      {"av_drift_ms", static_cast<double>(drift_last_ns_) / 1e6},
      {"av_drift_max_ms", static_cast<double>(drift_max_ns_) / 1e6},
      {"output_lag_s", lag_last_s_},
      {"output_lag_max_s", lag_max_s_}};
  return j;
}

}  // namespace dub::media_service
