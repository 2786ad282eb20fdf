// FragmentTracker: in-flight limit, timeout -> passthrough, failure -> passthrough, ordered output.
#include "fragment_tracker.hpp"

#include <gtest/gtest.h>

#include <cstring>

namespace {

using dub::media_service::FragmentState;
using dub::media_service::FragmentTracker;
using dub::media_service::PassthroughReason;
using dub::media_service::PcmFragment;
using dub::media_service::ResultOutcome;
using dub::sts::StsFragment;
using dub::sts::StsResult;
using Clock = FragmentTracker::Clock;
using std::chrono::milliseconds;

PcmFragment fragment(std::uint64_t seq, std::int16_t value, std::size_t frames = 480) {
  PcmFragment f;
  f.sequence = seq;
  f.first_frame = seq * frames;
  f.pts_ns = static_cast<std::int64_t>(seq) * 10'000'000;
  f.duration_ns = 10'000'000;
  f.input_pts_ns = f.pts_ns;
  f.sample_rate = 48000;
  f.channels = 1;
  f.samples.assign(frames, value);
  return f;
}

StsResult answer(const StsFragment& sent, const std::string& status, std::int16_t value) {
  StsResult r;
  r.stream_id = sent.stream_id;
  r.fragment_id = sent.fragment_id;
  r.sequence_number = sent.sequence_number;
  r.pts_ns = sent.pts_ns;
  r.duration_ns = sent.duration_ns;
  r.status = status;
  r.sample_rate = 48000;
  r.channels = 1;
  r.sample_format = "s16le";
  r.transcript = "one two";
  r.translated_text = "uno dos";
  std::vector<std::int16_t> pcm(sent.audio.size() / 2, value);
  r.dubbed_audio.resize(sent.audio.size());
  std::memcpy(r.dubbed_audio.data(), pcm.data(), r.dubbed_audio.size());
  if (status != "success") r.error_code = "STAGE_FAILED";
  return r;
}

TEST(Tracker, RespectsMaxInflightAndSendsInOrder) {
  FragmentTracker t("s", 2, milliseconds(30000));
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);
  for (std::uint64_t i = 0; i < 4; ++i) t.add(fragment(i, 1));
  auto sent = t.take_sendable(t0);
  ASSERT_EQ(sent.size(), 2U);
  EXPECT_EQ(sent[0].sequence_number, 0U);
  EXPECT_EQ(sent[1].sequence_number, 1U);
  EXPECT_EQ(sent[0].fragment_id, "s-0000");
  EXPECT_EQ(sent[0].audio.size(), 960U);
  EXPECT_TRUE(t.take_sendable(t0).empty());
  EXPECT_EQ(t.in_flight(), 2U);
  EXPECT_EQ(t.queued(), 2U);
  // Answer #1 first: nothing is ready (head #0 missing) but a slot frees up.
  EXPECT_EQ(t.on_result(answer(sent[1], "success", 7), t0 + milliseconds(100)), ResultOutcome::Accepted);
  EXPECT_TRUE(t.pop_ready().empty());
  auto more = t.take_sendable(t0 + milliseconds(100));
  ASSERT_EQ(more.size(), 1U);
  EXPECT_EQ(more[0].sequence_number, 2U);
  EXPECT_EQ(t.on_result(answer(sent[0], "success", 5), t0 + milliseconds(250)), ResultOutcome::Accepted);
  auto ready = t.pop_ready();
  ASSERT_EQ(ready.size(), 2U);
  EXPECT_EQ(ready[0].record.sequence, 0U);
  EXPECT_TRUE(ready[0].dubbed);
  EXPECT_EQ(ready[0].audio.samples[0], 5);
  EXPECT_EQ(ready[1].audio.samples[0], 7);
  EXPECT_DOUBLE_EQ(*ready[0].record.latency_ms, 250.0);
  EXPECT_EQ(ready[0].record.transcript, "one two");
  EXPECT_EQ(ready[0].record.translation, "uno dos");
  EXPECT_EQ(ready[0].record.state, FragmentState::Dubbed);
}

// The peaks a flood leaves (a client faster than the service: issue 13's 10x load): never more than
// max_inflight in flight, and the rest waiting for a slot.
TEST(Tracker, PeaksShowTheFloodMetTheLimit) {
  FragmentTracker t("s", 3, milliseconds(30000));
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);
  EXPECT_EQ(t.peak_in_flight(), 0U);
  EXPECT_EQ(t.peak_queued(), 0U);
  t.add(fragment(0, 1));
  auto first = t.take_sendable(t0);
  EXPECT_EQ(t.peak_in_flight(), 1U);
  EXPECT_EQ(t.peak_queued(), 0U) << "one fragment at a time never waits";
  for (std::uint64_t i = 1; i < 8; ++i) t.add(fragment(i, 1));
  auto sent = t.take_sendable(t0 + milliseconds(10));
  EXPECT_EQ(sent.size(), 2U);
  EXPECT_EQ(t.peak_in_flight(), 3U);
  EXPECT_EQ(t.peak_queued(), 5U);
  EXPECT_EQ(t.on_result(answer(first[0], "success", 5), t0 + milliseconds(100)), ResultOutcome::Accepted);
  (void)t.take_sendable(t0 + milliseconds(100));
  EXPECT_EQ(t.peak_in_flight(), 3U) << "the limit held";
  EXPECT_EQ(t.peak_queued(), 5U) << "a peak stays";
  EXPECT_EQ(t.queued(), 4U);
}

TEST(Tracker, TimeoutBecomesPassthroughWithOriginalAudio) {
  FragmentTracker t("s", 3, milliseconds(30000));
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);
  t.add(fragment(0, 11));
  t.add(fragment(1, 22));
  auto sent = t.take_sendable(t0);
  ASSERT_EQ(sent.size(), 2U);
  EXPECT_EQ(t.next_deadline(), t0 + milliseconds(30000));
  EXPECT_TRUE(t.expire(t0 + milliseconds(29999)).empty());
  (void)t.on_result(answer(sent[1], "success", 99), t0 + milliseconds(1000));
  const auto expired = t.expire(t0 + milliseconds(30000));
  ASSERT_EQ(expired.size(), 1U);
  EXPECT_EQ(expired[0], 0U);
  auto ready = t.pop_ready();
  ASSERT_EQ(ready.size(), 2U);
  EXPECT_FALSE(ready[0].dubbed);
  EXPECT_EQ(ready[0].audio.samples[0], 11);  // the original audio
  EXPECT_EQ(ready[0].record.state, FragmentState::Passthrough);
  EXPECT_EQ(ready[0].record.reason, PassthroughReason::Timeout);
  EXPECT_TRUE(ready[1].dubbed);
  EXPECT_EQ(ready[1].audio.samples[0], 99);
  EXPECT_TRUE(t.idle());
  // The late answer changes nothing but is recorded.
  EXPECT_EQ(t.on_result(answer(sent[0], "success", 1), t0 + milliseconds(31000)), ResultOutcome::Late);
  EXPECT_EQ(t.record(0)->state, FragmentState::Passthrough);
  EXPECT_EQ(t.record(0)->transcript, "one two");
  EXPECT_EQ(t.on_result(answer(sent[0], "success", 1), t0), ResultOutcome::Late);
  StsResult unknown = answer(sent[0], "success", 1);
  unknown.sequence_number = 77;
  EXPECT_EQ(t.on_result(unknown, t0), ResultOutcome::Unknown);
}

// The output cannot wait any longer for the next fragment (OUTPUT_MAX_STALL): only that one, the
// head of the sequence, keeps its original audio, long before its FRAGMENT_TIMEOUT; the ones after
// it stay in flight, and its late answer changes nothing.
TEST(Tracker, TheHeadPassesThroughWhenTheOutputCannotWait) {
  FragmentTracker t("s", 3, milliseconds(30000));
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);
  t.add(fragment(0, 11));
  t.add(fragment(1, 22));
  auto sent = t.take_sendable(t0);
  ASSERT_EQ(sent.size(), 2U);
  EXPECT_EQ(t.expire_head(PassthroughReason::OutputStall, "waited 3000 ms", t0 + milliseconds(3000)),
            std::optional<std::uint64_t>(0));
  auto ready = t.pop_ready();
  ASSERT_EQ(ready.size(), 1U);
  EXPECT_FALSE(ready[0].dubbed);
  EXPECT_EQ(ready[0].audio.samples[0], 11);
  EXPECT_EQ(ready[0].record.reason, PassthroughReason::OutputStall);
  EXPECT_EQ(ready[0].record.to_json()["passthrough_reason"], "output_stall");
  EXPECT_EQ(ready[0].record.error, "waited 3000 ms");
  EXPECT_EQ(t.in_flight(), 1U);  // fragment 1 is still awaited
  EXPECT_EQ(t.on_result(answer(sent[0], "success", 1), t0 + milliseconds(5000)), ResultOutcome::Late);
  (void)t.on_result(answer(sent[1], "success", 99), t0 + milliseconds(5000));
  ready = t.pop_ready();
  ASSERT_EQ(ready.size(), 1U);
  EXPECT_TRUE(ready[0].dubbed);
  // Nothing in flight or queued at the head: nothing to pass through.
  EXPECT_EQ(t.expire_head(PassthroughReason::OutputStall, "x", t0 + milliseconds(6000)), std::nullopt);
}

TEST(Tracker, FailedAndBadAudioArePassthroughPartialIsDubbed) {
  FragmentTracker t("s", 4, milliseconds(30000));
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);
  for (std::uint64_t i = 0; i < 4; ++i) t.add(fragment(i, static_cast<std::int16_t>(i + 1)));
  auto sent = t.take_sendable(t0);
  ASSERT_EQ(sent.size(), 4U);
  (void)t.on_result(answer(sent[0], "failed", 50), t0);
  (void)t.on_result(answer(sent[1], "partial", 60), t0);
  auto wrong_rate = answer(sent[2], "success", 70);
  wrong_rate.sample_rate = 16000;
  (void)t.on_result(wrong_rate, t0);
  auto short_audio = answer(sent[3], "success", 80);
  short_audio.dubbed_audio.resize(short_audio.dubbed_audio.size() - 20);  // 10 frames short
  (void)t.on_result(short_audio, t0);
  auto ready = t.pop_ready();
  ASSERT_EQ(ready.size(), 4U);
  EXPECT_FALSE(ready[0].dubbed);
  EXPECT_EQ(ready[0].audio.samples[0], 1);
  EXPECT_EQ(ready[0].record.reason, PassthroughReason::Failed);
  EXPECT_EQ(ready[1].record.state, FragmentState::Partial);
  EXPECT_TRUE(ready[1].dubbed);
  EXPECT_FALSE(ready[2].dubbed);
  EXPECT_EQ(ready[2].record.reason, PassthroughReason::BadAudio);
  EXPECT_TRUE(ready[3].dubbed);
  EXPECT_EQ(ready[3].record.length_fixed_frames, 10);
  ASSERT_EQ(ready[3].audio.samples.size(), 480U);  // padded back to the exact length
  EXPECT_EQ(ready[3].audio.samples[469], 80);
  EXPECT_EQ(ready[3].audio.samples[470], 0);
}

TEST(Tracker, BackpressureRequeuesInOrderAndHolds) {
  FragmentTracker t("s", 3, milliseconds(30000));
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);
  for (std::uint64_t i = 0; i < 3; ++i) t.add(fragment(i, 1));
  auto sent = t.take_sendable(t0);
  ASSERT_EQ(sent.size(), 3U);
  t.on_refused(1, "BACKPRESSURE", "full", true, t0, milliseconds(1000));
  EXPECT_EQ(t.queued(), 2U);                                                // #1 and #2
  EXPECT_TRUE(t.take_sendable(t0 + milliseconds(10)).empty());              // held
  (void)t.on_result(answer(sent[0], "success", 3), t0 + milliseconds(20));  // releases the hold
  auto again = t.take_sendable(t0 + milliseconds(20));
  ASSERT_EQ(again.size(), 2U);
  EXPECT_EQ(again[0].sequence_number, 1U);
  EXPECT_EQ(again[1].sequence_number, 2U);
  EXPECT_EQ(t.record(1)->sends, 2);
  // Deadlines still count from the first send.
  EXPECT_EQ(t.expire(t0 + milliseconds(30000)).size(), 2U);
  // A non-retryable refusal is passthrough right away.
  FragmentTracker u("s", 3, milliseconds(30000));
  u.add(fragment(0, 1));
  (void)u.take_sendable(t0);
  u.on_refused(0, "INVALID_PAYLOAD", "bad", false, t0);
  auto ready = u.pop_ready();
  ASSERT_EQ(ready.size(), 1U);
  EXPECT_EQ(ready[0].record.reason, PassthroughReason::Rejected);
  EXPECT_EQ(ready[0].record.error, "INVALID_PAYLOAD: bad");
}

TEST(Tracker, DisconnectFailsInFlightOnly) {
  FragmentTracker t("s", 1, milliseconds(30000));
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);
  t.add(fragment(0, 1));
  t.add(fragment(1, 2));
  (void)t.take_sendable(t0);
  const auto failed = t.fail_in_flight(PassthroughReason::Disconnected, "lost", t0);
  ASSERT_EQ(failed.size(), 1U);
  EXPECT_EQ(t.queued(), 1U);
  EXPECT_EQ(t.pop_ready().size(), 1U);
  EXPECT_EQ(t.fail_all_pending(PassthroughReason::NoSts, "gone", t0).size(), 1U);
  EXPECT_EQ(t.pop_ready().size(), 1U);
  EXPECT_TRUE(t.idle());
}

// US1-5: a fragment's output delay runs from its audio being final (dubbed audio back, or its
// passthrough decided), not from its turn in the sequence, to its push into the output; its on-air
// delay to when the paced output sends it.
TEST(Tracker, OutputDelayRunsFromTheAudioBeingFinal) {
  FragmentTracker t("s", 2, milliseconds(3000));
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);
  t.add(fragment(0, 1));
  t.add(fragment(1, 2));
  auto sent = t.take_sendable(t0);
  ASSERT_EQ(sent.size(), 2U);
  // #1 is dubbed at once; #0 never answers and passes through at its timeout, 3 s later.
  EXPECT_EQ(t.on_result(answer(sent[1], "success", 7), t0 + milliseconds(200)), ResultOutcome::Accepted);
  EXPECT_EQ(t.expire(t0 + milliseconds(3000)).size(), 1U);
  auto ready = t.pop_ready();
  ASSERT_EQ(ready.size(), 2U);
  EXPECT_EQ(ready[0].final_at, t0 + milliseconds(3000));
  EXPECT_EQ(ready[1].final_at, t0 + milliseconds(200));
  EXPECT_TRUE(t.record(0)->to_json()["output_delay_ms"].is_null()) << "not out yet";
  const auto pushed = t0 + milliseconds(3010);
  t.went_out(ready[0], pushed, pushed);
  t.went_out(ready[1], pushed, t0 + milliseconds(9000));  // the paced output sends it at its render time
  EXPECT_DOUBLE_EQ(*t.record(0)->output_delay_ms, 10.0);
  EXPECT_DOUBLE_EQ(*t.record(0)->on_air_delay_ms, 10.0);
  const auto j = t.record(1)->to_json();
  EXPECT_DOUBLE_EQ(j["output_delay_ms"].get<double>(), 2810.0) << "waited for #0: in order";
  EXPECT_DOUBLE_EQ(j["on_air_delay_ms"].get<double>(), 8800.0);
}

TEST(Tracker, RecordJson) {
  FragmentTracker t("live/a b", 1, milliseconds(100));
  t.add(fragment(3, 1));
  const auto j = t.record(3)->to_json();
  EXPECT_EQ(j["sequence_number"], 3);
  EXPECT_EQ(j["fragment_id"], "live/a_b-0003");
  EXPECT_EQ(j["state"], "queued");
  EXPECT_TRUE(j["status"].is_null()) << "the STS's status, none before its answer";
  EXPECT_EQ(j["translated_text"], "");
  for (const char* old : {"sequence", "translation", "sts_status"}) EXPECT_FALSE(j.contains(old)) << old;
  EXPECT_TRUE(j["latency_ms"].is_null());
  EXPECT_TRUE(j["passthrough_reason"].is_null());
}

}  // namespace

namespace {

TEST(Tracker, UnsentFragmentsGoBackToTheQueueInOrder) {
  FragmentTracker t("s", 3, milliseconds(30000));
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);
  for (std::uint64_t i = 0; i < 3; ++i) t.add(fragment(i, 1));
  auto sent = t.take_sendable(t0);
  ASSERT_EQ(sent.size(), 3U);
  t.unsend(1);
  t.unsend(2);
  EXPECT_EQ(t.in_flight(), 1U);
  EXPECT_EQ(t.fail_in_flight(PassthroughReason::Disconnected, "lost", t0).size(), 1U);
  auto again = t.take_sendable(t0 + milliseconds(5));
  ASSERT_EQ(again.size(), 2U);
  EXPECT_EQ(again[0].sequence_number, 1U);
  EXPECT_EQ(t.record(1)->sends, 1);
}

}  // namespace
