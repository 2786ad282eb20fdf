// StsLink without a network or GStreamer: scripted clients that connect, fail, hang or drop.
#include "sts_link.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dub/util/error.hpp"

namespace {

using dub::media_service::StsAttempt;
using dub::media_service::StsLink;
using dub::media_service::StsLinkOptions;
using dub::media_service::StsLinkState;
using std::chrono::milliseconds;
namespace sts = dub::sts;

// What the clients of one factory do, and what happened to them. open() number n (1-based)
// runs `behave(n)`, which may throw (a failed attempt) or block.
struct Script {
  std::function<void(int)> behave = [](int) {};
  std::mutex mutex;
  int opens = 0;
  int ends = 0;
  std::vector<std::uint64_t> sent;
  sts::StsClient::Handlers last_handlers;  // of the last client that opened
};

class FakeClient : public sts::StsClient {
 public:
  explicit FakeClient(std::shared_ptr<Script> script) : script_(std::move(script)) {}
  sts::StsReady open(const sts::StsStreamConfig& /*config*/, Handlers handlers, milliseconds /*timeout*/) override {
    int n = 0;
    {
      const std::lock_guard lock(script_->mutex);
      n = ++script_->opens;
      script_->last_handlers = handlers;
    }
    script_->behave(n);
    sts::StsReady ready;
    ready.mode = "fake";
    ready.max_inflight = 2;
    return ready;
  }
  void send(const sts::StsFragment& fragment) override {
    const std::lock_guard lock(script_->mutex);
    script_->sent.push_back(fragment.sequence_number);
  }
  void end() override {
    const std::lock_guard lock(script_->mutex);
    ++script_->ends;
  }
  void close() override {}
  [[nodiscard]] std::string describe() const override { return "fake"; }

 private:
  std::shared_ptr<Script> script_;
};

struct Recorded {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<StsAttempt> attempts;
  std::vector<int> reopened;                             // generations
  std::vector<std::pair<int, std::string>> disconnects;  // forwarded to the worker
};

class Link : public ::testing::Test {
 protected:
  std::unique_ptr<StsLink> make(const StsLinkOptions& options = fast_options()) {
    StsLink::Hooks hooks;
    hooks.handlers = [this](int generation) {
      sts::StsClient::Handlers h;
      h.on_disconnect = [this, generation](std::string reason) {
        const std::lock_guard lock(rec_.mutex);
        rec_.disconnects.emplace_back(generation, std::move(reason));
      };
      return h;
    };
    hooks.on_attempt = [this](const StsAttempt& a) {
      const std::lock_guard lock(rec_.mutex);
      rec_.attempts.push_back(a);
    };
    hooks.on_reopen = [this](int generation, const sts::StsReady& /*ready*/) {
      {
        const std::lock_guard lock(rec_.mutex);
        rec_.reopened.push_back(generation);
      }
      rec_.cv.notify_all();
    };
    auto script = script_;
    return std::make_unique<StsLink>([script] { return std::make_unique<FakeClient>(script); }, options, hooks);
  }

  static StsLinkOptions fast_options() {
    StsLinkOptions o;
    o.stream = "test";
    o.connect.retries = 3;
    o.connect.initial_delay = milliseconds(5);
    o.reconnect_max_backoff = milliseconds(20);
    return o;
  }

  static sts::StsReady connect(StsLink& link, std::vector<milliseconds>* waits = nullptr) {
    return link.connect(sts::StsStreamConfig{}, [waits](milliseconds d) {
      if (waits != nullptr) waits->push_back(d);
      return true;
    });
  }

  bool wait_reopened(std::size_t n, milliseconds timeout = milliseconds(5000)) {
    std::unique_lock lock(rec_.mutex);
    return rec_.cv.wait_for(lock, timeout, [&] { return rec_.reopened.size() >= n; });
  }

  std::vector<StsAttempt> attempts() {
    const std::lock_guard lock(rec_.mutex);
    return rec_.attempts;
  }

  std::shared_ptr<Script> script_ = std::make_shared<Script>();
  Recorded rec_;
};

TEST_F(Link, FirstConnectionGivesUpAfterTheRetriesWithTheDocumentedError) {
  script_->behave = [](int) { throw dub::Error("connection refused"); };
  StsLinkOptions o = fast_options();
  o.connect.initial_delay = milliseconds(1000);
  auto link = make(o);
  std::vector<milliseconds> waits;
  try {
    connect(*link, &waits);
    FAIL() << "connected";
  } catch (const dub::Error& e) {
    EXPECT_EQ(std::string(e.what()), "connecting to the STS service failed after 4 attempts: connection refused");
  }
  EXPECT_EQ(waits, (std::vector<milliseconds>{milliseconds(1000), milliseconds(2000), milliseconds(4000)}));
  EXPECT_EQ(script_->opens, 4);
  EXPECT_EQ(link->state(), StsLinkState::Idle);
  ASSERT_EQ(attempts().size(), 4U);
  EXPECT_FALSE(attempts().back().ok);
  EXPECT_FALSE(attempts().back().reconnect);
}

TEST_F(Link, FirstConnectionSucceedsOnARetry) {
  script_->behave = [](int n) {
    if (n < 3) throw dub::Error("not yet");
  };
  auto link = make();
  const auto ready = connect(*link);
  EXPECT_EQ(ready.mode, "fake");
  EXPECT_EQ(link->state(), StsLinkState::Open);
  EXPECT_EQ(link->generation(), 3);  // one generation per attempt
  EXPECT_EQ(link->reconnections(), 0);
  link->send(sts::StsFragment{"s", "f", 7, 0, 0, {}});
  EXPECT_EQ(script_->sent, std::vector<std::uint64_t>{7});
}

TEST_F(Link, LostReconnectsInTheBackgroundWithCappedExponentialBackoff) {
  script_->behave = [](int n) {
    if (n >= 2 && n <= 6) throw dub::Error("connection refused");  // five failed reconnections
  };
  auto link = make();
  connect(*link);
  const int first = link->generation();
  link->lost(first, "transport close");
  ASSERT_TRUE(wait_reopened(1));
  EXPECT_EQ(link->state(), StsLinkState::Open);
  EXPECT_EQ(link->reconnections(), 1);
  EXPECT_GT(link->generation(), first);
  EXPECT_EQ(rec_.reopened, std::vector<int>{link->generation()});
  std::vector<milliseconds> delays;
  for (const auto& a : attempts()) {
    if (a.reconnect && !a.ok) {
      ASSERT_TRUE(a.retry.has_value());
      delays.push_back(*a.retry);
      EXPECT_EQ(a.error, "connection refused");
    }
  }
  // At once, then 5 ms doubling, capped at 20 ms: no limit on the number of attempts.
  EXPECT_EQ(delays, (std::vector<milliseconds>{milliseconds(5), milliseconds(10), milliseconds(20), milliseconds(20),
                                               milliseconds(20)}));
  EXPECT_TRUE(attempts().back().ok);
  EXPECT_EQ(attempts().back().number, 6);
}

TEST_F(Link, LostReturnsAtOnceWhileAnAttemptHangs) {
  std::mutex gate_mutex;
  std::condition_variable gate_cv;
  bool gate_open = false;
  script_->behave = [&](int n) {
    if (n < 2) return;
    std::unique_lock lock(gate_mutex);
    gate_cv.wait(lock, [&] { return gate_open; });  // an STS that does not answer
  };
  auto link = make();
  connect(*link);
  const auto t0 = std::chrono::steady_clock::now();
  link->lost(link->generation(), "transport close");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, milliseconds(500));
  EXPECT_EQ(link->state(), StsLinkState::Reconnecting);
  EXPECT_THROW(link->send(sts::StsFragment{}), dub::Error);
  {
    const std::lock_guard lock(gate_mutex);
    gate_open = true;
  }
  gate_cv.notify_all();
  ASSERT_TRUE(wait_reopened(1));
  EXPECT_EQ(link->state(), StsLinkState::Open);
}

TEST_F(Link, CloseStopsReconnectingAndSendsNothingMore) {
  script_->behave = [](int n) {
    if (n >= 2) throw dub::Error("connection refused");
  };
  auto link = make();
  connect(*link);
  link->lost(link->generation(), "transport close");
  std::this_thread::sleep_for(milliseconds(60));
  link->close(true);
  EXPECT_EQ(link->state(), StsLinkState::Closed);
  int opens = 0;
  {
    const std::lock_guard lock(script_->mutex);
    opens = script_->opens;
  }
  EXPECT_GE(opens, 3);  // it kept trying until closed
  const auto seen = attempts().size();
  std::this_thread::sleep_for(milliseconds(80));
  EXPECT_EQ(script_->opens, opens);
  EXPECT_EQ(attempts().size(), seen);
  EXPECT_EQ(script_->ends, 0);  // no open connection to end
  EXPECT_TRUE(rec_.reopened.empty());
}

TEST_F(Link, DisconnectsAreForwardedOnlyForTheOpenConnection) {
  auto link = make();
  connect(*link);
  const int first = link->generation();
  const auto first_handlers = script_->last_handlers;
  first_handlers.on_disconnect("transport close");
  link->lost(first, "transport close");
  ASSERT_TRUE(wait_reopened(1));
  first_handlers.on_disconnect("late news from the old connection");  // dropped
  link->lost(first, "stale");                                         // ignored: not the open connection
  EXPECT_EQ(link->state(), StsLinkState::Open);
  EXPECT_EQ(link->reconnections(), 1);
  const std::lock_guard lock(rec_.mutex);
  ASSERT_EQ(rec_.disconnects.size(), 1U);
  EXPECT_EQ(rec_.disconnects[0], std::make_pair(first, std::string("transport close")));
}

TEST_F(Link, AConnectionLostBeforeItIsTakenIntoUseIsAFailedAttempt) {
  auto script = script_;
  script_->behave = [script](int n) {
    if (n != 2) return;
    // The service drops the new connection right after stream:ready, before the link uses it.
    sts::StsClient::Handlers h;
    {
      const std::lock_guard lock(script->mutex);
      h = script->last_handlers;
    }
    std::thread([h] { h.on_disconnect("transport close"); }).join();
  };
  auto link = make();
  connect(*link);
  link->lost(link->generation(), "transport close");
  ASSERT_TRUE(wait_reopened(1));
  EXPECT_EQ(script_->opens, 3);
  const auto all = attempts();
  ASSERT_EQ(all.size(), 3U);  // connect, the dropped one, the good one
  EXPECT_FALSE(all[1].ok);
  EXPECT_EQ(all[1].error, "the connection was lost right after stream:ready");
  EXPECT_TRUE(all[2].ok);
  const std::lock_guard lock(rec_.mutex);
  EXPECT_TRUE(rec_.disconnects.empty());  // the worker never saw the dropped connection
}

TEST_F(Link, CloseEndsTheOpenStream) {
  auto link = make();
  connect(*link);
  link->close(true);
  link->close(true);  // idempotent
  EXPECT_EQ(script_->ends, 1);
  EXPECT_EQ(link->state(), StsLinkState::Closed);
  EXPECT_THROW(link->send(sts::StsFragment{}), dub::Error);
}

}  // namespace
