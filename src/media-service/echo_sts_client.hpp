#pragma once
// In-process STS stand-in: answers every fragment with its own audio (status "success", empty
// texts, mode "echo"), after an optional delay, with failure injection for tests. Answers come
// from the client's own thread, in sequence order, like the real service.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "dub/sts/client.hpp"

namespace dub::media_service {

struct EchoOptions {
  std::chrono::milliseconds delay{0};          // per fragment, from receipt to answer
  int fail_opens = 0;                          // the first N open() calls (across clients of one factory) throw
  std::set<std::uint64_t> fail;                // answer these sequences with status "failed" (+ error)
  std::set<std::uint64_t> partial;             // answer these with status "partial" (original audio)
  std::set<std::uint64_t> drop;                // never answer these (the worker's timeout fires)
  std::set<std::uint64_t> refuse;              // answer these with an `error` event (INVALID_PAYLOAD)
  std::optional<std::uint64_t> disconnect_at;  // report a lost connection on receiving this sequence
  std::size_t max_inflight = 3;                // what stream:ready says
  // Applied to the audio before it is sent back (e.g. to make "dubbed" audio recognisable).
  std::function<void(std::vector<std::int16_t>&)> transform;
};

// Counters shared by every client of one factory (for tests and logs).
struct EchoStats {
  std::atomic<int> opens{0};
  std::atomic<int> fragments{0};
  std::atomic<int> answered{0};
  std::atomic<int> ends{0};
};

class EchoStsClient : public sts::StsClient {
 public:
  EchoStsClient(EchoOptions options, std::shared_ptr<EchoStats> stats);
  ~EchoStsClient() override;
  EchoStsClient(const EchoStsClient&) = delete;
  EchoStsClient& operator=(const EchoStsClient&) = delete;
  EchoStsClient(EchoStsClient&&) = delete;
  EchoStsClient& operator=(EchoStsClient&&) = delete;

  sts::StsReady open(const sts::StsStreamConfig& config, Handlers handlers, std::chrono::milliseconds timeout) override;
  void send(const sts::StsFragment& fragment) override;
  void end() override;
  void close() override;
  [[nodiscard]] std::string describe() const override { return "echo (in-process)"; }

 private:
  struct Task {
    std::chrono::steady_clock::time_point due;
    std::function<void()> run;
  };
  void post(std::chrono::steady_clock::time_point due, std::function<void()> run);
  void loop();

  EchoOptions options_;
  std::shared_ptr<EchoStats> stats_;
  sts::StsStreamConfig config_;
  Handlers handlers_;
  bool open_ = false;
  bool ended_ = false;
  std::uint64_t received_ = 0;
  std::chrono::steady_clock::time_point last_due_{};

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Task> tasks_;  // in due order (answers keep sequence order)
  bool stopping_ = false;
  std::thread thread_;
};

// A factory whose clients share `stats` (and the fail_opens budget).
sts::StsClientFactory make_echo_factory(EchoOptions options, std::shared_ptr<EchoStats> stats = nullptr);

}  // namespace dub::media_service
