#include "segmenter.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "dub/sts/protocol.hpp"
#include "dub/util/error.hpp"

namespace {

using dub::media_service::PcmFragment;
using dub::media_service::Segmenter;

// A ramp of distinct sample values so every frame can be traced through the segmenter.
std::vector<std::int16_t> ramp(std::size_t n, int start) {
  std::vector<std::int16_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::int16_t>((start + static_cast<int>(i)) % 30000);
  return v;
}

TEST(Segmenter, SampleExactFragmentsFromOddSizedBuffers) {
  constexpr int rate = 48000;
  constexpr std::uint64_t per = std::uint64_t{6} * rate;  // 6 s
  Segmenter seg(rate, 1, per);
  std::vector<PcmFragment> out;
  std::vector<std::int16_t> all;
  std::uint64_t frames = 0;
  const std::size_t sizes[] = {1024, 941, 1, 4800, 333, 20000};
  std::size_t k = 0;
  while (frames < std::uint64_t{31} * rate) {  // 31 s: 5 full fragments + 1 s
    const std::size_t n = sizes[k++ % std::size(sizes)];
    const auto buf = ramp(n, static_cast<int>(frames));
    all.insert(all.end(), buf.begin(), buf.end());
    const auto pts = dub::sts::protocol::frames_to_ns(frames, rate);
    for (auto& f : seg.push(pts, buf)) out.push_back(std::move(f));
    frames += n;
  }
  if (auto last = seg.flush()) out.push_back(std::move(*last));

  ASSERT_EQ(out.size(), 6U);
  std::vector<std::int16_t> joined;
  std::int64_t expected_pts = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].sequence, i);
    EXPECT_EQ(out[i].pts_ns, expected_pts) << "fragment " << i;
    EXPECT_EQ(out[i].first_frame, i * per);
    if (i < 5) {
      EXPECT_EQ(out[i].frames(), per);
      EXPECT_EQ(out[i].duration_ns, 6'000'000'000);
    }
    EXPECT_EQ(out[i].drift_ns(), 0);
    expected_pts += out[i].duration_ns;
    joined.insert(joined.end(), out[i].samples.begin(), out[i].samples.end());
  }
  // No gap, no overlap: the concatenation is the input, sample for sample.
  EXPECT_EQ(joined, all);
  EXPECT_EQ(out.back().frames(), frames - 5 * per);
  EXPECT_EQ(expected_pts, dub::sts::protocol::frames_to_ns(frames, rate));
  EXPECT_EQ(seg.stats().frames_in, frames);
  EXPECT_EQ(seg.stats().frames_out, frames);
  EXPECT_EQ(seg.stats().frames_filled, 0U);
  EXPECT_EQ(seg.stats().frames_dropped, 0U);
}

TEST(Segmenter, StereoFramesAndNonZeroStartPts) {
  Segmenter seg(48000, 2, 4800);  // 100 ms fragments
  const std::int64_t start = 3'141'592'653;
  const auto buf = ramp(std::size_t{2} * 12000, 0);  // 250 ms stereo
  auto out = seg.push(start, buf);
  ASSERT_EQ(out.size(), 2U);
  EXPECT_EQ(out[0].pts_ns, start);
  EXPECT_EQ(out[1].pts_ns, start + 100'000'000);
  EXPECT_EQ(out[0].samples.size(), 9600U);
  EXPECT_EQ(out[0].frames(), 4800U);
  const auto last = seg.flush();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->frames(), 2400U);
  EXPECT_EQ(last->pts_ns, start + 200'000'000);
  EXPECT_EQ(last->duration_ns, 50'000'000);
  EXPECT_FALSE(seg.flush().has_value());
  EXPECT_THROW(seg.push(0, std::vector<std::int16_t>(3)), dub::Error);  // half a frame
}

TEST(Segmenter, JitterWithinToleranceIsKeptAndReportedAsDrift) {
  Segmenter seg(1000, 1, 100, 5'000'000);  // 1 kHz, 100-frame fragments, 5 ms tolerance
  // 50 frames at 0, then 50 frames stamped 3 ms late (within tolerance).
  EXPECT_TRUE(seg.push(0, ramp(50, 0)).empty());
  auto out = seg.push(53'000'000, ramp(50, 50));
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].frames(), 100U);
  EXPECT_EQ(seg.stats().frames_filled, 0U);
  EXPECT_EQ(seg.stats().max_abs_drift_ns, 3'000'000);
  // The next fragment starts at timeline 100 ms; its input said 103 ms.
  out = seg.push(103'000'000, ramp(100, 100));
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].pts_ns, 100'000'000);
  EXPECT_EQ(out[0].drift_ns(), -3'000'000);
}

TEST(Segmenter, GapIsFilledWithSilence) {
  Segmenter seg(1000, 1, 100, 5'000'000, 0);  // no discont-wait: repair at once
  EXPECT_TRUE(seg.push(0, std::vector<std::int16_t>(40, 7)).empty());
  // Next buffer claims 60 ms: 20 frames missing.
  auto out = seg.push(60'000'000, std::vector<std::int16_t>(40, 9));
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(seg.stats().frames_filled, 20U);
  const auto& s = out[0].samples;
  EXPECT_EQ(s[39], 7);
  EXPECT_EQ(s[40], 0);
  EXPECT_EQ(s[59], 0);
  EXPECT_EQ(s[60], 9);
  EXPECT_EQ(s[99], 9);
  EXPECT_EQ(out[0].duration_ns, 100'000'000);
}

TEST(Segmenter, OverlapIsDropped) {
  Segmenter seg(1000, 1, 100, 5'000'000, 0);
  EXPECT_TRUE(seg.push(0, std::vector<std::int16_t>(50, 1)).empty());
  // Next buffer restarts at 30 ms: its first 20 frames repeat what we have.
  std::vector<std::int16_t> b(60, 2);
  for (int i = 20; i < 60; ++i) b[static_cast<std::size_t>(i)] = 3;
  auto out = seg.push(30'000'000, b);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(seg.stats().frames_dropped, 20U);
  auto last = seg.flush();
  ASSERT_TRUE(last.has_value());
  ASSERT_EQ(last->frames(), 90U);
  EXPECT_EQ(last->samples[49], 1);
  EXPECT_EQ(last->samples[50], 3);
  // A buffer entirely in the past is dropped whole.
  Segmenter seg2(1000, 1, 100, 5'000'000, 0);
  (void)seg2.push(0, std::vector<std::int16_t>(50, 1));
  EXPECT_TRUE(seg2.push(0, std::vector<std::int16_t>(30, 5)).empty());
  EXPECT_EQ(seg2.stats().frames_dropped, 30U);
}

TEST(Segmenter, TransientJitterIsIgnoredPersistentGapIsRepaired) {
  // 1 kHz, 10-frame buffers (10 ms), 5 ms tolerance, 100 ms discont-wait.
  Segmenter seg(1000, 1, 1000, 5'000'000, 100'000'000);
  std::int64_t pts = 0;
  const auto push = [&](std::int64_t stamp) { (void)seg.push(stamp, std::vector<std::int16_t>(10, 1)); };
  for (int i = 0; i < 10; ++i, pts += 10'000'000) push(pts);
  // A burst of late stamps (+30 ms) for 50 ms, then back on time: nothing is repaired.
  for (int i = 0; i < 5; ++i, pts += 10'000'000) push(pts + 30'000'000);
  for (int i = 0; i < 10; ++i, pts += 10'000'000) push(pts);
  EXPECT_EQ(seg.stats().frames_filled, 0U);
  EXPECT_EQ(seg.stats().resyncs, 0U);
  EXPECT_EQ(seg.stats().max_abs_drift_ns, 30'000'000);
  // A real gap of 200 ms that persists: repaired once the deviation has lasted 100 ms.
  pts += 200'000'000;
  for (int i = 0; i < 20; ++i, pts += 10'000'000) push(pts);
  EXPECT_EQ(seg.stats().resyncs, 1U);
  EXPECT_EQ(seg.stats().frames_filled, 200U);
  // After the repair the timeline matches the input again.
  const auto last = seg.flush();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->end_pts_ns(), pts);
}

TEST(Segmenter, DurationsAddUpAtRatesThatDoNotDivideASecond) {
  // 44.1 kHz, 1-second fragments of 44100 frames, but also 1000-frame fragments (22.675.. ms).
  Segmenter seg(44100, 1, 1000);
  std::int64_t total = 0;
  std::uint64_t frames = 0;
  for (int i = 0; i < 100; ++i) {
    for (auto& f : seg.push(std::nullopt, ramp(777, 0))) total += f.duration_ns;
    frames += 777;
  }
  if (auto last = seg.flush()) total += last->duration_ns;
  EXPECT_EQ(total, dub::sts::protocol::frames_to_ns(frames, 44100));
}

TEST(Segmenter, InvalidConfiguration) {
  EXPECT_THROW(Segmenter(0, 1, 10), dub::Error);
  EXPECT_THROW(Segmenter(48000, 0, 10), dub::Error);
  EXPECT_THROW(Segmenter(48000, 1, 0), dub::Error);
  EXPECT_THROW(Segmenter(48000, 1, 10, 0, -1), dub::Error);
}

}  // namespace
