#include "dub/media/live_order.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using dub::media::LiveOrder;

struct Sent {
  std::string name;
  double send_s;
};

// Pushes (name, stream, dts, pts) in read order and drains as the publisher does.
std::vector<Sent> replay(const std::vector<std::tuple<std::string, int, double, double>>& packets) {
  LiveOrder<std::string> order;
  std::vector<Sent> sent;
  for (const auto& [name, stream, dts, pts] : packets) {
    order.push(name, stream, dts, pts);
    while (order.ready(false)) {
      auto item = order.pop();
      sent.push_back({item.value, item.send_s});
    }
  }
  while (order.ready(true)) {
    auto item = order.pop();
    sent.push_back({item.value, item.send_s});
  }
  return sent;
}

std::vector<std::string> names(const std::vector<Sent>& sent) {
  std::vector<std::string> out;
  out.reserve(sent.size());
  for (const auto& s : sent) out.push_back(s.name);
  return out;
}

TEST(LiveOrder, WithoutReorderingEveryPacketLeavesAtItsOwnTimeInReadOrder) {
  const auto sent = replay({{"a0", 1, 0.0, 0.0}, {"v0", 0, 0.0, 0.0}, {"a1", 1, 0.02, 0.02}, {"v1", 0, 0.04, 0.04}});
  EXPECT_EQ(names(sent), (std::vector<std::string>{"a0", "v0", "a1", "v1"}));
  EXPECT_DOUBLE_EQ(sent[3].send_s, 0.04);
}

// x264 with B-frames, as its MP4 stores it: decode times run 2 frames behind the pictures.
// I0 P3 B1 B2 P6 B4 B5 in decode order; a frame is 1 s here for readability.
TEST(LiveOrder, AFrameNeverLeavesBeforeItsPictureAndEachStreamKeepsDecodeOrder) {
  const auto sent = replay({{"I0", 0, -2, 0},
                            {"P3", 0, -1, 3},
                            {"B1", 0, 0, 1},
                            {"B2", 0, 1, 2},
                            {"P6", 0, 2, 6},
                            {"B4", 0, 3, 4},
                            {"B5", 0, 4, 5}});
  EXPECT_EQ(names(sent), (std::vector<std::string>{"I0", "P3", "B1", "B2", "P6", "B4", "B5"}));
  const std::vector<double> want{0, 3, 3, 3, 6, 6, 6};  // a P-frame waits for its picture
  for (size_t i = 0; i < sent.size(); ++i) EXPECT_DOUBLE_EQ(sent[i].send_s, want[i]) << sent[i].name;
}

// Sound read just after a held P-frame is not held with it: it leaves at its own time.
TEST(LiveOrder, OtherStreamsAreNotHeldBehindAWaitingFrame) {
  const auto sent = replay({{"I0", 0, -2, 0},
                            {"P3", 0, -1, 3},
                            {"a0", 1, 0, 0},
                            {"a1", 1, 1, 1},
                            {"B1", 0, 0, 1},
                            {"a2", 1, 2, 2},
                            {"B2", 0, 1, 2},
                            {"a3", 1, 3, 3}});
  EXPECT_EQ(names(sent), (std::vector<std::string>{"I0", "a0", "a1", "a2", "P3", "B1", "B2", "a3"}));
}

TEST(LiveOrder, HoldsAPacketUntilNothingStillToBeReadCanComeFirst) {
  LiveOrder<std::string> order;
  order.push("P3", 0, -1, 3);
  EXPECT_FALSE(order.ready(false));  // sound up to 3 s may still come
  order.push("a2", 1, 2, 2);
  ASSERT_TRUE(order.ready(false));
  EXPECT_EQ(order.pop().value, "a2");
  EXPECT_FALSE(order.ready(false));
  EXPECT_TRUE(order.ready(true));  // the input ended: nothing else can come
  EXPECT_EQ(order.pop().value, "P3");
  EXPECT_TRUE(order.empty());
}

}  // namespace
