// DubSession alone (no GStreamer): audio in, fragments to the in-process echo STS, ready fragments
// out in sequence order, with passthrough for timeouts, lost connections and a fast stop.
#include "dub_session.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

#include "dub/metrics/registry.hpp"
#include "dub/util/error.hpp"
#include "echo_sts_client.hpp"
#include "media_metrics.hpp"

namespace {

using namespace dub::media_service;
using namespace std::chrono_literals;

constexpr int kRate = 16000;
constexpr std::int64_t kSegmentNs = 100'000'000;  // 100 ms = 1600 frames at 16 kHz

// The session's STS events, as the worker's queue would hold them.
struct Inbox {
  std::mutex m;
  std::condition_variable cv;
  std::deque<StsEvent> events;

  void post(StsEvent e) {
    {
      const std::lock_guard l(m);
      events.push_back(std::move(e));
    }
    cv.notify_all();
  }
  std::deque<StsEvent> take(std::chrono::milliseconds wait) {
    std::unique_lock l(m);
    cv.wait_for(l, wait, [&] { return !events.empty(); });
    std::deque<StsEvent> out;
    out.swap(events);
    return out;
  }
};

class Session : public ::testing::Test {
 protected:
  Session() : metrics_(std::make_shared<MediaMetrics>(registry_)) {
    options_.name = "unit";
    options_.config.segment_duration = std::chrono::milliseconds(kSegmentNs / 1'000'000);
    options_.config.fragment_timeout = 300ms;
    options_.config.sts_connect_retries = 1;
    options_.config.sts_backoff_initial = 1ms;
    options_.config.sts_reconnect_max_backoff = 100ms;
    options_.config.sts_connect_timeout = 1000ms;
  }

  void open(EchoOptions echo) {
    echo.transform = [](std::vector<std::int16_t>& s) {
      for (auto& v : s) v = static_cast<std::int16_t>(-v);
    };
    stats_ = std::make_shared<EchoStats>();
    DubSession::Hooks hooks;
    hooks.post = [this](StsEvent e) { inbox_.post(std::move(e)); };
    hooks.wait = [](std::chrono::milliseconds) { return true; };
    session_ = std::make_unique<DubSession>(options_, make_echo_factory(std::move(echo), stats_), metrics_, hooks);
  }

  // `n` frames of mono audio starting at frame `first`, each sample its frame index (mod 1000) + 1.
  void push(std::uint64_t first, std::uint64_t n) {
    std::vector<std::int16_t> pcm(n);
    for (std::uint64_t i = 0; i < n; ++i) pcm[i] = static_cast<std::int16_t>(((first + i) % 1000) + 1);
    const auto pts = static_cast<std::int64_t>(first) * 1'000'000'000 / kRate;
    session_->push_audio(pts, pcm, kRate, 1);
  }

  // Runs the worker's loop (events back to the session, pump) until `count` fragments are ready.
  void drive(std::size_t count, std::chrono::milliseconds bound = 5s) {
    const auto until = std::chrono::steady_clock::now() + bound;
    while (ready_.size() < count && std::chrono::steady_clock::now() < until) {
      for (auto& e : inbox_.take(10ms)) session_->handle(e);
      for (auto& r : session_->pump(std::chrono::steady_clock::now())) ready_.push_back(std::move(r));
    }
    ASSERT_EQ(ready_.size(), count) << "fragments ready in time";
  }

  WorkerOptions options_;
  dub::metrics::Registry registry_;
  std::shared_ptr<MediaMetrics> metrics_;
  std::shared_ptr<EchoStats> stats_;
  Inbox inbox_;
  std::unique_ptr<DubSession> session_;
  std::vector<ReadyFragment> ready_;
};

TEST_F(Session, EchoDubsEveryFragmentInOrderWithExactLengths) {
  open({});
  push(0, 4000);  // 2.5 fragments
  EXPECT_TRUE(session_->started());
  EXPECT_EQ(session_->timeline_start(), 0);
  session_->end_of_input();
  drive(3);
  for (std::size_t i = 0; i < ready_.size(); ++i) {
    const auto& r = ready_[i];
    EXPECT_TRUE(r.dubbed) << i;
    EXPECT_EQ(r.record.sequence, ready_[0].record.sequence + i);
    EXPECT_EQ(r.record.state, FragmentState::Dubbed);
    EXPECT_EQ(r.audio.frames(), i < 2 ? 1600U : 800U);
    EXPECT_EQ(r.audio.pts_ns, static_cast<std::int64_t>(i) * kSegmentNs);
    // The echo's transform (negation) proves the dubbed audio is what goes out.
    EXPECT_EQ(r.audio.samples[0], -static_cast<std::int16_t>(((i * 1600) % 1000) + 1));
  }
  EXPECT_TRUE(session_->idle());
  EXPECT_EQ(stats_->fragments.load(), 3);
  const auto sts = session_->sts_json();
  EXPECT_EQ(sts["connected"], true);
  EXPECT_EQ(sts["mode"], "echo");
  EXPECT_EQ(sts["open_attempts"], 1);
  EXPECT_EQ(session_->segmenter_json()["fragments"], 3);
  EXPECT_EQ(session_->fragments_json().size(), 3U);
  EXPECT_EQ(session_->sample_rate(), kRate);
  EXPECT_EQ(session_->channels(), 1);
  session_->close();
  EXPECT_EQ(session_->sts_json()["connected"], false);
}

TEST_F(Session, AnUnansweredFragmentTimesOutAndKeepsItsOriginalAudio) {
  EchoOptions echo;
  echo.drop = {1};
  open(echo);
  push(0, 4800);  // 3 fragments
  drive(3);
  EXPECT_TRUE(ready_[0].dubbed);
  EXPECT_FALSE(ready_[1].dubbed);
  EXPECT_EQ(ready_[1].record.reason, PassthroughReason::Timeout);
  EXPECT_EQ(ready_[1].audio.samples[0], static_cast<std::int16_t>((1600 % 1000) + 1));  // the original
  EXPECT_TRUE(ready_[2].dubbed);
}

TEST_F(Session, ALostConnectionPassesThroughAndDubbingResumesAfterTheReconnect) {
  EchoOptions echo;
  echo.disconnect_at = 1;
  open(echo);
  push(0, 3200);
  drive(2);
  EXPECT_TRUE(ready_[0].dubbed);
  EXPECT_FALSE(ready_[1].dubbed);
  EXPECT_TRUE(ready_[1].record.reason == PassthroughReason::Disconnected ||
              ready_[1].record.reason == PassthroughReason::StsUnavailable)
      << to_string(ready_[1].record.reason);
  // Once the link is open again, new fragments are dubbed again.
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (session_->sts_json()["link"] != "open" && std::chrono::steady_clock::now() < until) {
    for (auto& e : inbox_.take(10ms)) session_->handle(e);
  }
  ASSERT_EQ(session_->sts_json()["link"], "open");
  EXPECT_GE(session_->sts_json()["reconnections"].get<int>(), 1);
  push(3200, 1600);
  drive(3);
  EXPECT_TRUE(ready_[2].dubbed);
}

TEST_F(Session, AFastStopSendsNothingMoreAndPassesEverythingThrough) {
  EchoOptions echo;
  echo.delay = 2000ms;
  open(echo);
  push(0, 3200);
  session_->end_of_input();
  session_->stop_waiting();
  EXPECT_TRUE(session_->stopping_fast());
  drive(2, 1s);
  for (const auto& r : ready_) {
    EXPECT_FALSE(r.dubbed);
    EXPECT_EQ(r.record.reason, PassthroughReason::NoSts);
  }
  EXPECT_EQ(stats_->fragments.load(), 0);
}

TEST_F(Session, GiveUpHandsOutEveryPendingFragment) {
  EchoOptions echo;
  echo.delay = 2000ms;
  open(echo);
  push(0, 3200);
  const auto ready = session_->give_up(PassthroughReason::NoSts, "worker failed");
  ASSERT_EQ(ready.size(), 2U);
  EXPECT_EQ(ready[0].record.error, "worker failed");
  EXPECT_TRUE(session_->idle());
}

TEST_F(Session, AFormatChangeMidStreamIsAnError) {
  open({});
  push(0, 100);
  const std::vector<std::int16_t> stereo(200, 0);
  EXPECT_THROW(session_->push_audio(std::nullopt, stereo, kRate, 2), dub::Error);
}

TEST_F(Session, AnStsThatNeverOpensFailsTheFirstAudioAfterTheRetries) {
  EchoOptions echo;
  echo.fail_opens = 10;
  open(echo);
  try {
    push(0, 100);
    FAIL() << "no error";
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find("after 2 attempts"), std::string::npos) << e.what();
  }
  EXPECT_EQ(session_->sts_json()["open_attempts"], 2);
}

}  // namespace
