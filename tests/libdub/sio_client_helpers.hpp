#pragma once
// Shared by the dub::sio::Client tests (sio_client_test.cpp, sio_reconnect_test.cpp,
// sio_sts_echo_test.cpp): a recorder of states and events, an ack waiter, options and small helpers.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/crc.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "../support/sio_test_server.hpp"
#include "dub/sio/client.hpp"
#include "dub/util/error.hpp"

namespace sio_test {

using dub::sio::Client;
using dub::sio::ClientOptions;
using dub::sio::State;
using dub::sio::StateChange;
using nlohmann::json;
using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;

inline constexpr auto kWait = 30s;  // upper bound for anything the server should do "now"

// 16-bit PCM-like test signal: `n` bytes, deterministic, every byte value present.
inline Bytes pcm(std::size_t n) {
  Bytes out(n);
  std::uint32_t x = 12345;
  for (auto& b : out) {
    x = x * 1103515245U + 12345U;
    b = static_cast<std::uint8_t>(x >> 16);
  }
  return out;
}

inline const Bytes& bytes_of(const json& value) {
  return value.get_binary();
}

inline std::uint32_t crc32(const Bytes& bytes) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

// Records state changes and events (from the client thread) and lets the test wait for them.
class Recorder {
 public:
  void attach(Client& client) {
    client.on_state([this](const StateChange& change) {
      const std::lock_guard lock(mutex_);
      changes_.push_back(change);
      cv_.notify_all();
    });
  }

  Client::EventHandler recorder_for(const std::string& key) {
    return [this, key](const json& args) {
      const std::lock_guard lock(mutex_);
      events_[key].push_back(args);
      cv_.notify_all();
    };
  }

  void listen(Client& client, const std::string& ns, const std::string& event) {
    client.on(ns, event, recorder_for(ns + " " + event));
  }

  // Waits until `count` events `key` ("<ns> <event>") arrived; returns them.
  std::vector<json> wait_events(const std::string& key, std::size_t count = 1) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, kWait, [&] { return events_[key].size() >= count; });
    return events_[key];
  }

  // Waits until `count` changes to `state` were recorded; returns all changes so far.
  std::vector<StateChange> wait_state(State state, std::size_t count = 1) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, kWait, [&] { return count_locked(state) >= count; });
    return changes_;
  }

  std::size_t count(State state) {
    const std::lock_guard lock(mutex_);
    return count_locked(state);
  }

  std::vector<StateChange> changes() {
    const std::lock_guard lock(mutex_);
    return changes_;
  }

 private:
  std::size_t count_locked(State state) const {
    return static_cast<std::size_t>(
        std::count_if(changes_.begin(), changes_.end(), [&](const StateChange& c) { return c.state == state; }));
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<StateChange> changes_;
  std::map<std::string, std::vector<json>> events_;
};

// Waits for an ack and returns its arguments.
class AckWaiter {
 public:
  Client::AckHandler handler() {
    return [this](const json& args) {
      const std::lock_guard lock(mutex_);
      args_ = args;
      cv_.notify_all();
    };
  }
  json wait() {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, kWait, [&] { return args_.has_value(); });
    if (!args_) {
      ADD_FAILURE() << "no ack within " << kWait.count() << " s";
      return nullptr;
    }
    return *args_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::optional<json> args_;
};

inline ClientOptions options_for(const std::string& url) {
  ClientOptions options;
  options.url = url;
  options.connect_timeout = 20s;
  options.reconnect.max_attempts = 3;
  options.reconnect.initial_delay = 100ms;
  options.reconnect.max_delay = 2s;
  return options;
}

// A port nothing listens on (bound then released by the OS).
inline int free_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const dub::Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a dub::Error";
  return {};
}

inline bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

}  // namespace sio_test
