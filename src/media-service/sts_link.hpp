#pragma once
// StsLink: one worker's connection to the STS service, and how it comes back when it is lost.
//
//   connect()  the stream's first connection, on the caller's thread: 1 + STS_CONNECT_RETRIES
//              attempts with backoff, then a clear error. An STS that is down when a stream starts
//              fails the worker (the spec's "3 retries, then a clear error").
//   lost()     once the program is on air it stays on air: a lost connection (the STS killed or
//              restarted, the stream refused) never ends the stream. The link reconnects on its own
//              thread, at once and then after STS_BACKOFF_INITIAL, doubling up to
//              STS_RECONNECT_MAX_BACKOFF, with no limit, until it is open again or closed. lost()
//              returns at once: the worker's event loop goes on (its fragments pass through,
//              reason sts_unavailable) while an attempt may block for up to STS_CONNECT_TIMEOUT.
//
// Each attempt opens a new client with its own generation; the worker drops events of any other
// generation than generation(). A client that disconnects between its stream:ready and being taken
// into use counts as a failed attempt. Hooks are never called with the link's lock held.
// Everything is thread-safe.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "backoff.hpp"
#include "config.hpp"
#include "dub/sts/client.hpp"

namespace dub::media_service {

enum class StsLinkState { Idle, Open, Reconnecting, Closed };
const char* to_string(StsLinkState state);

// Defaults: the service's (config.hpp), where each setting has its one default.
struct StsLinkOptions {
  std::string stream;                                     // for logs
  BackoffPolicy connect = ServiceConfig{}.sts_backoff();  // first connection (retries, initial delay)
  // Cap between reconnection attempts.
  std::chrono::milliseconds reconnect_max_backoff = ServiceConfig{}.sts_reconnect_max_backoff;
  // One connection + stream:init -> stream:ready.
  std::chrono::milliseconds open_timeout = ServiceConfig{}.sts_connect_timeout;
};

// One connection attempt, as the hooks see it.
struct StsAttempt {
  bool reconnect = false;  // false: the first connection
  int number = 0;          // 1-based within this connection or reconnection
  bool ok = false;
  std::string error;                               // when !ok
  std::optional<std::chrono::milliseconds> retry;  // reconnection: the wait before the next attempt
};

class StsLink {
 public:
  struct Hooks {
    // The handlers for the client of `generation` (the worker posts them to its event queue).
    std::function<sts::StsClient::Handlers(int generation)> handlers;
    // After every attempt (metrics, counts), from the thread that made it.
    std::function<void(const StsAttempt&)> on_attempt;
    // The connection is open again after lost(), from the link's thread.
    std::function<void(int generation, const sts::StsReady&)> on_reopen;
  };

  StsLink(sts::StsClientFactory factory, StsLinkOptions options, Hooks hooks);
  ~StsLink();
  StsLink(const StsLink&) = delete;
  StsLink& operator=(const StsLink&) = delete;
  StsLink(StsLink&&) = delete;
  StsLink& operator=(StsLink&&) = delete;

  // First connection. Between attempts calls `wait(delay)`, which returns false to give up (a stop
  // was requested). Throws dub::Error "connecting to the STS service failed after N attempts: ...".
  sts::StsReady connect(const sts::StsStreamConfig& config, const std::function<bool(std::chrono::milliseconds)>& wait);

  // The connection of `generation` is gone (`reason` for the logs): closes it and reconnects in the
  // background. Returns at once; ignored unless that connection is the open one.
  void lost(int generation, const std::string& reason);

  // fragment:data on the open connection; throws dub::Error when there is none or sending failed.
  void send(const sts::StsFragment& fragment);

  // Stops reconnecting (waits for an attempt under way), sends stream:end when `end_stream` and
  // open, and disconnects. No hook is called once it returns. Idempotent.
  void close(bool end_stream);

  [[nodiscard]] StsLinkState state() const;
  [[nodiscard]] int generation() const;     // of the open connection (0: none yet)
  [[nodiscard]] int reconnections() const;  // times the connection was reopened after lost()
  [[nodiscard]] std::string description() const;
  [[nodiscard]] std::string last_error() const;

 private:
  // One attempt: a new client of a new generation, opened. Throws dub::Error on failure.
  std::unique_ptr<sts::StsClient> open_client(int& generation, sts::StsReady& ready);
  void reconnect_loop();
  // The open client of `generation` is taken into use unless it was lost already; false then.
  bool adopt(std::unique_ptr<sts::StsClient>& client, int generation);
  void report(const StsAttempt& attempt);

  sts::StsClientFactory factory_;
  StsLinkOptions options_;
  Hooks hooks_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  StsLinkState state_ = StsLinkState::Idle;
  sts::StsStreamConfig config_;
  std::unique_ptr<sts::StsClient> client_;
  int generation_ = 0;                       // of client_
  int next_generation_ = 0;                  // last one handed out
  std::optional<std::string> pending_lost_;  // the client being opened disconnected already
  int pending_generation_ = 0;
  int reconnections_ = 0;
  std::string description_;
  std::string last_error_;
  bool closing_ = false;
  std::thread thread_;  // reconnect_loop
};

}  // namespace dub::media_service
