// The in-process echo STS: answers in order, failure injection.
#include "echo_sts_client.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "dub/util/error.hpp"

namespace {

using namespace dub::media_service;
using dub::sts::StsClient;
using dub::sts::StsError;
using dub::sts::StsFragment;
using dub::sts::StsResult;
using dub::sts::StsStreamConfig;

struct Collector {
  std::mutex m;
  std::condition_variable cv;
  std::vector<StsResult> results;
  std::vector<StsError> errors;
  std::vector<std::string> disconnects;
  bool complete = false;

  StsClient::Handlers handlers() {
    StsClient::Handlers h;
    h.on_result = [this](StsResult r) {
      const std::lock_guard l(m);
      results.push_back(std::move(r));
      cv.notify_all();
    };
    h.on_error = [this](StsError e) {
      const std::lock_guard l(m);
      errors.push_back(std::move(e));
      cv.notify_all();
    };
    h.on_disconnect = [this](std::string r) {
      const std::lock_guard l(m);
      disconnects.push_back(std::move(r));
      cv.notify_all();
    };
    h.on_complete = [this](const nlohmann::json&) {
      const std::lock_guard l(m);
      complete = true;
      cv.notify_all();
    };
    return h;
  }
  // Waits for a condition (bounded so a bug fails instead of hanging).
  template <typename Pred>
  bool wait(Pred p) {
    std::unique_lock l(m);
    return cv.wait_for(l, std::chrono::seconds(10), p);
  }
};

StsFragment frag(std::uint64_t seq) {
  StsFragment f;
  f.stream_id = "s";
  f.fragment_id = "s-" + std::to_string(seq);
  f.sequence_number = seq;
  f.pts_ns = static_cast<std::int64_t>(seq) * 1000;
  f.duration_ns = 1000;
  f.audio = {1, 0, 2, 0};
  return f;
}

TEST(EchoSts, EchoesInOrderWithInjectedFailures) {
  EchoOptions o;
  o.fail = {1};
  o.refuse = {2};
  o.drop = {3};
  o.transform = [](std::vector<std::int16_t>& pcm) {
    for (auto& s : pcm) s = static_cast<std::int16_t>(-s);
  };
  EchoStsClient client(o, nullptr);
  Collector c;
  const auto ready = client.open(StsStreamConfig{}, c.handlers(), std::chrono::seconds(1));
  EXPECT_EQ(ready.mode, "echo");
  for (std::uint64_t i = 0; i < 5; ++i) client.send(frag(i));
  client.end();
  ASSERT_TRUE(c.wait([&] { return c.complete; }));
  const std::lock_guard l(c.m);
  ASSERT_EQ(c.results.size(), 3U);  // 0, 1 (failed), 4
  EXPECT_EQ(c.results[0].status, "success");
  EXPECT_EQ(c.results[0].dubbed_audio, (std::vector<std::uint8_t>{0xff, 0xff, 0xfe, 0xff}));  // -1, -2
  EXPECT_EQ(c.results[1].status, "failed");
  EXPECT_EQ(c.results[1].dubbed_audio, (std::vector<std::uint8_t>{1, 0, 2, 0}));  // original on failure
  EXPECT_EQ(c.results[2].sequence_number, 4U);
  ASSERT_EQ(c.errors.size(), 1U);
  EXPECT_EQ(*c.errors[0].sequence_number, 2U);
}

TEST(EchoSts, InjectedConnectFailuresAreSharedByTheFactory) {
  EchoOptions o;
  o.fail_opens = 2;
  auto stats = std::make_shared<EchoStats>();
  auto factory = make_echo_factory(o, stats);
  Collector c;
  EXPECT_THROW(factory()->open(StsStreamConfig{}, c.handlers(), std::chrono::seconds(1)), dub::Error);
  EXPECT_THROW(factory()->open(StsStreamConfig{}, c.handlers(), std::chrono::seconds(1)), dub::Error);
  EXPECT_NO_THROW(factory()->open(StsStreamConfig{}, c.handlers(), std::chrono::seconds(1)));
  EXPECT_EQ(stats->opens.load(), 3);
}

TEST(EchoSts, DisconnectInjection) {
  EchoOptions o;
  o.disconnect_at = 1;
  EchoStsClient client(o, nullptr);
  Collector c;
  (void)client.open(StsStreamConfig{}, c.handlers(), std::chrono::seconds(1));
  client.send(frag(0));
  client.send(frag(1));
  ASSERT_TRUE(c.wait([&] { return !c.disconnects.empty(); }));
  EXPECT_THROW(client.send(frag(2)), dub::Error);
  client.close();
  client.close();
}

}  // namespace
