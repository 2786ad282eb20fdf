#include "echo_sts_client.hpp"

#include <fmt/format.h>

#include "dub/sts/pcm.hpp"
#include "dub/sts/protocol.hpp"
#include "dub/util/error.hpp"

namespace dub::media_service {

EchoStsClient::EchoStsClient(EchoOptions options, std::shared_ptr<EchoStats> stats)
    : options_(std::move(options)), stats_(stats ? std::move(stats) : std::make_shared<EchoStats>()) {
  thread_ = std::thread([this] { loop(); });
}

EchoStsClient::~EchoStsClient() {
  close();
}

sts::StsReady EchoStsClient::open(const sts::StsStreamConfig& config, Handlers handlers,
                                  std::chrono::milliseconds /*timeout*/) {
  const int attempt = ++stats_->opens;
  if (attempt <= options_.fail_opens) {
    throw Error(fmt::format("echo STS: connection refused (injected failure {} of {})", attempt, options_.fail_opens));
  }
  {
    const std::lock_guard lock(mutex_);
    config_ = config;
    handlers_ = std::move(handlers);
    open_ = true;
    ended_ = false;
  }
  sts::StsReady ready;
  ready.mode = "echo";
  ready.max_inflight = options_.max_inflight;
  ready.limits.max_inflight = options_.max_inflight;
  ready.models = {{"asr", "echo"}, {"translation", "echo"}, {"tts", "echo"}};
  ready.raw = {{"mode", "echo"}, {"protocol_version", sts::protocol::kVersion}, {"stream_id", config.stream_id}};
  return ready;
}

void EchoStsClient::post(std::chrono::steady_clock::time_point due, std::function<void()> run) {
  {
    const std::lock_guard lock(mutex_);
    // Keep answers in order: never due before the previous one.
    if (due < last_due_) due = last_due_;
    last_due_ = due;
    tasks_.push_back(Task{due, std::move(run)});
  }
  cv_.notify_all();
}

void EchoStsClient::send(const sts::StsFragment& fragment) {
  {
    const std::lock_guard lock(mutex_);
    if (!open_) throw Error("echo STS: not connected");
    if (ended_) throw Error("echo STS: stream already ended");
  }
  ++stats_->fragments;
  const auto seq = fragment.sequence_number;
  const auto now = std::chrono::steady_clock::now();
  ++received_;
  if (options_.disconnect_at && seq == *options_.disconnect_at) {
    post(now, [this] {
      if (handlers_.on_disconnect) handlers_.on_disconnect("echo STS: connection lost (injected)");
    });
    const std::lock_guard lock(mutex_);
    open_ = false;
    return;
  }
  if (options_.refuse.contains(seq)) {
    sts::StsError e;
    e.code = sts::protocol::code::kInvalidPayload;
    e.message = "refused (injected)";
    e.event = sts::protocol::kFragmentData;
    e.stream_id = fragment.stream_id;
    e.fragment_id = fragment.fragment_id;
    e.sequence_number = seq;
    post(now, [this, e] {
      if (handlers_.on_error) handlers_.on_error(e);
    });
    return;
  }
  if (options_.drop.contains(seq)) return;
  sts::StsResult r;
  r.stream_id = fragment.stream_id;
  r.fragment_id = fragment.fragment_id;
  r.sequence_number = seq;
  r.pts_ns = fragment.pts_ns;
  r.duration_ns = fragment.duration_ns;
  r.sample_rate = config_.sample_rate;
  r.channels = config_.channels;
  r.sample_format = config_.sample_format;
  r.status = sts::protocol::kStatusSuccess;
  if (options_.fail.contains(seq)) {
    r.status = sts::protocol::kStatusFailed;
    r.error_code = sts::protocol::code::kStageFailed;
    r.error_message = "asr failed (injected)";
  } else if (options_.partial.contains(seq)) {
    r.status = sts::protocol::kStatusPartial;
    r.error_code = sts::protocol::code::kStageFailed;
    r.error_message = "tts failed (injected)";
  }
  r.dubbed_audio = fragment.audio;
  if (options_.transform && r.status == sts::protocol::kStatusSuccess) {
    auto pcm = sts::pcm::decode_s16le(r.dubbed_audio);
    options_.transform(pcm);
    r.dubbed_audio = sts::pcm::encode_s16le(pcm);
  }
  r.processing_time_ms = static_cast<double>(options_.delay.count());
  post(now + options_.delay, [this, r = std::move(r)]() mutable {
    ++stats_->answered;
    if (handlers_.on_result) handlers_.on_result(std::move(r));
  });
}

void EchoStsClient::end() {
  {
    const std::lock_guard lock(mutex_);
    if (!open_) return;
    ended_ = true;
  }
  ++stats_->ends;
  const auto n = received_;
  post(std::chrono::steady_clock::now(), [this, n] {
    if (handlers_.on_complete) {
      handlers_.on_complete({{"stream_id", config_.stream_id}, {"fragments_received", n}, {"fragments_processed", n}});
    }
  });
}

void EchoStsClient::close() {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    open_ = false;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EchoStsClient::loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    if (stopping_) return;
    if (tasks_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const auto due = tasks_.front().due;
    if (std::chrono::steady_clock::now() < due) {
      cv_.wait_until(lock, due);
      continue;
    }
    auto task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task.run();
    lock.lock();
  }
}

sts::StsClientFactory make_echo_factory(EchoOptions options, std::shared_ptr<EchoStats> stats) {
  if (!stats) stats = std::make_shared<EchoStats>();
  return [options = std::move(options), stats]() -> std::unique_ptr<sts::StsClient> {
    return std::make_unique<EchoStsClient>(options, stats);
  };
}

}  // namespace dub::media_service
