#include "leadin.hpp"

#include <gtest/gtest.h>

using dub::media_service::kAacFrameSamples;
using dub::media_service::rtmp_leadin_samples;
using namespace std::chrono_literals;

namespace {

// The timestamp (ns) of AAC packet k at `rate`.
std::int64_t packet_ns(std::int64_t k, int rate) {
  return k * kAacFrameSamples * 1'000'000'000LL / rate;
}

// Replays the server's probe (every packet until the first at or after the window is consumed)
// and returns how many packets it consumes.
std::int64_t probed_packets(std::chrono::nanoseconds window, int rate) {
  std::int64_t k = 0;
  while (packet_ns(k, rate) < window.count()) ++k;
  return k + 1;  // the packet that ends the probe is consumed too
}

}  // namespace

TEST(RtmpLeadin, NoneWhenDisabled) {
  EXPECT_EQ(rtmp_leadin_samples(0ms, 48000), 0);
  EXPECT_EQ(rtmp_leadin_samples(2000ms, 0), 0);
}

TEST(RtmpLeadin, CoversMediaMtxProbeAt48k) {
  // 2 s at 48 kHz: packets every 21.333 ms; packet 94 (2005.3 ms) ends the probe, so 95 packets.
  EXPECT_EQ(rtmp_leadin_samples(2000ms, 48000), 95 * kAacFrameSamples);
}

TEST(RtmpLeadin, EveryProbedPacketIsLeadinAtCommonRates) {
  for (const int rate : {8000, 16000, 22050, 24000, 32000, 44100, 48000}) {
    for (const auto window : {500ms, 1000ms, 2000ms, 3000ms}) {
      const auto samples = rtmp_leadin_samples(window, rate);
      EXPECT_EQ(samples % kAacFrameSamples, 0) << rate;
      // Exactly the probed packets: nothing of the program is consumed, no extra silence remains.
      EXPECT_EQ(samples / kAacFrameSamples, probed_packets(window, rate)) << rate << " Hz, " << window.count() << " ms";
    }
  }
}

TEST(RtmpLeadin, ReorderDelayMovesTheProgramPastTheWindow) {
  const auto plain = rtmp_leadin_samples(2000ms, 48000);
  const auto reordered = rtmp_leadin_samples(2000ms, 48000, 80'000'000);  // first video DTS 80 ms before its PTS
  EXPECT_EQ(reordered / kAacFrameSamples, probed_packets(2080ms, 48000));
  EXPECT_GT(reordered, plain);
}
