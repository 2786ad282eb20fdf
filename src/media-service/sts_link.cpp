#include "sts_link.hpp"

#include <fmt/format.h>

#include <array>

#include "dub/util/error.hpp"
#include "dub/util/log.hpp"
#include "enum_names.hpp"

namespace dub::media_service {

const char* to_string(StsLinkState state) {
  static constexpr std::array<const char*, 4> kNames = {"idle", "open", "reconnecting", "closed"};
  static_assert(kNames.size() == static_cast<std::size_t>(StsLinkState::Closed) + 1);
  return enum_name(state, kNames);
}

StsLink::StsLink(sts::StsClientFactory factory, StsLinkOptions options, Hooks hooks)
    : factory_(std::move(factory)), options_(std::move(options)), hooks_(std::move(hooks)) {
  if (!factory_) throw Error("an STS link needs a client factory");
}

StsLink::~StsLink() {
  close(false);
}

void StsLink::report(const StsAttempt& attempt) {
  if (attempt.reconnect) {
    nlohmann::json fields = {{"stream", options_.stream}, {"stage", "sts"}, {"attempt", attempt.number}};
    if (attempt.ok) {
      fields["reconnections"] = reconnections();
      fields["sts"] = description();
      dub::log::info("sts stream reopened: dubbing resumes", fields);
    } else {
      fields["error"] = attempt.error;
      fields["retry_in_ms"] = attempt.retry ? attempt.retry->count() : 0;
      dub::log::warn("sts reconnection failed: fragments keep their original audio, retrying in the background",
                     fields);
    }
  }
  if (hooks_.on_attempt) hooks_.on_attempt(attempt);
}

std::unique_ptr<sts::StsClient> StsLink::open_client(int& generation, sts::StsReady& ready) {
  auto client = factory_();
  if (!client) throw Error("the STS client factory made no client");
  sts::StsStreamConfig config;
  {
    const std::lock_guard lock(mutex_);
    generation = ++next_generation_;
    pending_generation_ = generation;
    pending_lost_.reset();
    description_ = client->describe();
    config = config_;
  }
  auto handlers = hooks_.handlers ? hooks_.handlers(generation) : sts::StsClient::Handlers{};
  handlers.on_disconnect = [this, generation, inner = std::move(handlers.on_disconnect)](std::string reason) {
    {
      const std::lock_guard lock(mutex_);
      if (generation == pending_generation_ && generation != generation_) {
        pending_lost_ = reason;  // not taken into use yet: the attempt fails
        return;
      }
      if (generation != generation_ || state_ != StsLinkState::Open) return;
    }
    if (inner) inner(std::move(reason));
  };
  try {
    ready = client->open(config, std::move(handlers), options_.open_timeout);
  } catch (...) {
    client->close();
    throw;
  }
  return client;
}

bool StsLink::adopt(std::unique_ptr<sts::StsClient>& client, int generation) {
  {
    const std::lock_guard lock(mutex_);
    if (!closing_ && !pending_lost_) {
      if (state_ == StsLinkState::Reconnecting) ++reconnections_;
      client_ = std::move(client);
      generation_ = generation;
      state_ = StsLinkState::Open;
      return true;
    }
  }
  client->close();
  return false;
}

sts::StsReady StsLink::connect(const sts::StsStreamConfig& config,
                               const std::function<bool(std::chrono::milliseconds)>& wait) {
  {
    const std::lock_guard lock(mutex_);
    if (state_ != StsLinkState::Idle) throw Error("the STS link is already connected");
    config_ = config;
  }
  sts::StsReady ready;
  int number = 0;
  retry_with_backoff(
      options_.connect, "connecting to the STS service",
      [&] {
        ++number;
        try {
          int generation = 0;
          auto client = open_client(generation, ready);
          if (!adopt(client, generation)) throw Error("the connection was lost right after stream:ready");
        } catch (const std::exception& e) {
          {
            const std::lock_guard lock(mutex_);
            last_error_ = e.what();
          }
          report(StsAttempt{false, number, false, e.what(), std::nullopt});
          throw;
        }
        report(StsAttempt{false, number, true, {}, std::nullopt});
      },
      [&](int retry, std::chrono::milliseconds delay, const std::string& error) {
        dub::log::warn("sts connection failed, retrying", {{"stream", options_.stream},
                                                           {"stage", "sts"},
                                                           {"retry", retry},
                                                           {"delay_ms", delay.count()},
                                                           {"error", error}});
        return wait(delay);
      });
  return ready;
}

void StsLink::lost(int generation, const std::string& reason) {
  std::unique_ptr<sts::StsClient> old;
  {
    const std::lock_guard lock(mutex_);
    if (closing_ || state_ != StsLinkState::Open || generation != generation_) return;
    old = std::move(client_);
    state_ = StsLinkState::Reconnecting;
    last_error_ = reason;
  }
  if (old) old->close();
  if (thread_.joinable()) thread_.join();  // the previous reconnection ended when it reopened the link
  thread_ = std::thread([this] { reconnect_loop(); });
}

void StsLink::reconnect_loop() {
  BackoffPolicy policy = options_.connect;
  policy.max_delay = options_.reconnect_max_backoff;
  for (int number = 1;; ++number) {
    std::string error;
    try {
      int generation = 0;
      sts::StsReady ready;
      auto client = open_client(generation, ready);
      if (adopt(client, generation)) {
        report(StsAttempt{true, number, true, {}, std::nullopt});
        if (hooks_.on_reopen) hooks_.on_reopen(generation, ready);
        return;
      }
      error = "the connection was lost right after stream:ready";
    } catch (const std::exception& e) {
      error = e.what();
    }
    {
      const std::lock_guard lock(mutex_);
      if (closing_) return;
      last_error_ = error;
    }
    const auto delay = policy.delay_for(number);
    report(StsAttempt{true, number, false, error, delay});
    std::unique_lock lock(mutex_);
    if (cv_.wait_for(lock, delay, [&] { return closing_; })) return;
  }
}

void StsLink::send(const sts::StsFragment& fragment) {
  sts::StsClient* client = nullptr;
  {
    const std::lock_guard lock(mutex_);
    if (state_ != StsLinkState::Open || !client_) {
      throw Error(
          fmt::format("the STS connection is {}: fragment {} not sent", to_string(state_), fragment.sequence_number));
    }
    // Only lost() and close() replace client_ while the link is open, and they run on this same
    // (the worker's) thread: the pointer stays valid without holding the lock through the send.
    client = client_.get();
  }
  client->send(fragment);
}

void StsLink::close(bool end_stream) {
  {
    const std::lock_guard lock(mutex_);
    closing_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::unique_ptr<sts::StsClient> client;
  bool was_open = false;
  {
    const std::lock_guard lock(mutex_);
    client = std::move(client_);
    was_open = state_ == StsLinkState::Open;
    state_ = StsLinkState::Closed;
  }
  if (!client) return;
  if (end_stream && was_open) {
    try {
      client->end();
    } catch (const std::exception& e) {
      dub::log::debug("stream:end not sent", {{"stream", options_.stream}, {"stage", "sts"}, {"error", e.what()}});
    }
  }
  client->close();
}

StsLinkState StsLink::state() const {
  const std::lock_guard lock(mutex_);
  return state_;
}

int StsLink::generation() const {
  const std::lock_guard lock(mutex_);
  return generation_;
}

int StsLink::reconnections() const {
  const std::lock_guard lock(mutex_);
  return reconnections_;
}

std::string StsLink::description() const {
  const std::lock_guard lock(mutex_);
  return description_;
}

std::string StsLink::last_error() const {
  const std::lock_guard lock(mutex_);
  return last_error_;
}

}  // namespace dub::media_service
