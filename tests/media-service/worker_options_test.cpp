// WorkerOptions: every setting comes from ServiceConfig (one default each); what depends on the
// output (pacing, RTMP lead-in) is derived from the sink.
#include "worker_options.hpp"

#include <gtest/gtest.h>

namespace {

using dub::media_service::ServiceConfig;
using dub::media_service::WorkerOptions;
using namespace std::chrono_literals;

TEST(WorkerOptions, TakesTheServiceDefaults) {
  const WorkerOptions o;
  const ServiceConfig c;
  EXPECT_EQ(o.segment_ns(), 6'000'000'000);
  EXPECT_EQ(o.segment_ns(), std::chrono::nanoseconds(c.segment_duration).count());
  EXPECT_EQ(o.max_inflight(), 3U);
  EXPECT_EQ(o.jitter_tolerance_ns(), 40'000'000);
  EXPECT_EQ(o.discont_wait_ns(), 1'000'000'000);
  EXPECT_EQ(o.config.sts_backoff().retries, 3);
  EXPECT_EQ(o.config.sts_backoff().initial_delay, 1000ms);
}

TEST(WorkerOptions, FollowsTheConfig) {
  WorkerOptions o;
  o.config.segment_duration = 3s;
  o.config.max_inflight = 5;
  o.config.audio_jitter_tolerance = 10ms;
  EXPECT_EQ(o.segment_ns(), 3'000'000'000);
  EXPECT_EQ(o.max_inflight(), 5U);
  EXPECT_EQ(o.jitter_tolerance_ns(), 10'000'000);
}

TEST(WorkerOptions, AnRtmpOutputIsPacedAndLedInAFileIsNot) {
  WorkerOptions o;
  o.sink = "rtmp://mediamtx:1935/live/x/out";
  EXPECT_TRUE(o.sync_output());
  EXPECT_EQ(o.output_leadin(), 2000ms);
  o.config.output_pacing = false;
  o.config.rtmp_leadin = 500ms;
  EXPECT_FALSE(o.sync_output());
  EXPECT_EQ(o.output_leadin(), 500ms);
  o.sink = "/tmp/out.flv";
  o.config.output_pacing = true;
  EXPECT_FALSE(o.sync_output());
  EXPECT_EQ(o.output_leadin(), 0ms);
}

}  // namespace
