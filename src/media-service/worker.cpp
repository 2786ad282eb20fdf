#include "worker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <thread>

#include "av_pairing.hpp"
#include "dub/util/error.hpp"
#include "dub/util/log.hpp"
#include "dub_session.hpp"
#include "input_pipeline.hpp"
#include "output_pipeline.hpp"
#include "segment_dump.hpp"
#include "worker_common.hpp"
#include "worker_events.hpp"

namespace dub::media_service {

namespace {

// Without a no-more-pads signal, this much video with no audio stream at all means there is none.
constexpr std::int64_t kNoAudioAfterVideoNs = 3'000'000'000;

// When a buffer stamped `out_ts_ns` leaves the output for the sink: at its render time on a paced
// output (`render_base`: OutputPipeline::render_base), else, or when that time has passed, `now`.
Clock::time_point leaves_at(std::optional<std::int64_t> render_base, std::uint64_t out_ts_ns, Clock::time_point now) {
  if (!render_base) return now;
  const auto at = Clock::time_point(std::chrono::nanoseconds(*render_base + static_cast<std::int64_t>(out_ts_ns)));
  return std::max(now, at);
}

}  // namespace

struct Worker::Impl {
  Impl(const WorkerOptions& options, sts::StsClientFactory factory, std::shared_ptr<MediaMetrics> metrics)
      : o(options),
        status(options.name, metrics),
        input(options, events, status),
        output(options, events, status),
        session(options, std::move(factory), std::move(metrics), session_hooks()) {}

  const WorkerOptions& o;
  EventQueue events;
  WorkerStatus status;
  InputPipeline input;
  OutputPipeline output;
  VideoQueue video;  // held until the audio it goes with is published
  // Ready fragments, in order, until they may go out: at once, or MEDIA_FAULT_OUTPUT_HOLD_MS after
  // their audio was final (a test-only fault: output available late, US1-5).
  std::deque<ReadyFragment> ready;
  AvDrift drift;
  std::optional<std::int64_t> first_video_decode_ns;
  // When the paced output will have played all it was given (its clock; none for an unpaced one).
  std::optional<Clock::time_point> output_dry_at;
  bool streams_known = false;
  bool got_data = false;
  bool source_done = false;
  std::string stop_reason;
  // The source's server said the source ended: when to stop waiting for the input to see it, and why.
  std::optional<std::pair<Clock::time_point, std::string>> source_end_due;
  std::mutex join_mutex;
  std::thread thread;
  DubSession session;  // last: its hooks post to `events`

  DubSession::Hooks session_hooks() {
    DubSession::Hooks h;
    h.post = [this](StsEvent e) { events.post(std::move(e)); };
    h.wait = [this](std::chrono::milliseconds d) { return events.sleep_unless_stopped(d); };
    return h;
  }

  [[nodiscard]] nlohmann::json fields(const nlohmann::json& extra = nlohmann::json::object()) const {
    return stream_fields(o.name, extra);
  }

  // ---- events --------------------------------------------------------------------------------

  void handle(Event& ev) {
    std::visit([this](auto& e) { on_event(e); }, ev);
  }

  void on_event(AudioChunk& c) {
    if (source_done) return;
    if (!got_data) status.input_read();
    got_data = true;
    if (c.pts_ns) status.input_started(false, *c.pts_ns);
    session.push_audio(c.pts_ns, c.samples, c.rate, c.channels);
  }

  void on_event(VideoChunk& c) {
    if (source_done) return;
    if (!got_data) status.input_read();
    got_data = true;
    if (!first_video_decode_ns) first_video_decode_ns = c.unit.decode_ns();
    if (!session.started() && c.unit.decode_ns() - *first_video_decode_ns > kNoAudioAfterVideoNs) {
      // Seconds of video and not even an audio stream: the source has none.
      if (!status.streams().audio) throw Error("audio track required for dubbing");
    }
    const auto pts_ns = c.unit.pts_ns;
    if (!video.push(std::move(c.unit))) {
      if (video.dropped_before_keyframe() == 1) {
        dub::log::warn("joined the source mid-GOP: video before its first keyframe is dropped",
                       fields({{"source", o.source}}));
      }
      return;
    }
    status.input_started(true, pts_ns);
    status.video_received(video.buffered_ns());
  }

  void on_event(SourceStreams& /*unused*/) {
    if (streams_known) return;
    streams_known = true;
    input.await_pads(true);  // before reading the streams: a pad attached after the read re-posts this event
    const auto s = status.streams();
    // rtspsrc signals no-more-pads once every stream is *added*, but each stream's pad-added runs
    // on its own thread and may still be on its way: a missing stream here is not yet proof that
    // the source lacks it. Wait for its pad (attach_* posts SourceStreams again); a source that
    // really has no audio is caught by the video-without-audio rule (kNoAudioAfterVideoNs) or EOS.
    if (!s.audio || !s.video) {
      dub::log::debug("source streams incomplete at no-more-pads: waiting for the other pad",
                      fields({{"audio", s.audio_caps}, {"video", s.video_caps}}));
      streams_known = false;
      return;
    }
    input.await_pads(false);
    dub::log::info("source streams", fields({{"source", o.source}, {"audio", s.audio_caps}, {"video", s.video_caps}}));
    // The output opens with the first fragment to publish, not here: an RTMP server expects media
    // soon after a publish starts (MediaMTX closes a silent one after its 10 s read timeout), and
    // the first dubbed fragment is one segment plus one STS round trip away.
  }

  void on_event(BusEvent& b) {
    if (b.output) {
      if (b.eos) {
        output.set_done();
        return;
      }
      const std::string what =
          is_rtmp(o.sink) ? fmt::format("RTMP publish to {} failed", o.sink) : fmt::format("writing {} failed", o.sink);
      throw Error(fmt::format("{}: {} ({})", what, b.message, b.element));
    }
    if (b.eos) {
      dub::log::info("source ended", fields({{"source", o.source}, {"streams_known", streams_known}}));
      if (!status.streams().audio) throw Error("audio track required for dubbing");
      begin_finish("source ended", false);
      return;
    }
    if (!got_data) throw Error(fmt::format("cannot read {}: {} ({})", o.source, b.message, b.element));
    dub::log::warn("source disconnected mid-stream: finishing what was received",
                   fields({{"source", o.source}, {"error", b.message}, {"element", b.element}}));
    begin_finish(fmt::format("source disconnected: {}", b.message), false);
  }

  void on_event(Fatal& f) { throw Error(f.message); }

  void on_event(StsEvent& e) { session.handle(e); }

  void on_event(StopEvent& s) {
    if (s.source_ended) {
      dub::log::info("the source's server says the source ended",
                     fields({{"reason", s.reason}, {"input_ended", source_done}}));
      if (!source_done && !source_end_due) {
        source_end_due.emplace(Clock::now() + kSourceEndGrace + o.config.rtsp_latency, s.reason);
      }
      return;
    }
    dub::log::info("stop requested", fields({{"reason", s.reason}, {"fast", s.fast}, {"source_ended", source_done}}));
    // A stop after the source already ended (MediaMTX's runOnNotReady) does not change the outcome.
    if (!source_done) stop_reason = s.reason;
    begin_finish(s.reason, s.fast);
  }

  // The source is done (ended, disconnected, or we stop): no more input; finish the rest.
  void begin_finish(const std::string& reason, bool fast) {
    if (source_done) {
      if (fast) session.stop_waiting();
      return;
    }
    source_done = true;
    input.stop();
    status.draining(reason);
    session.end_of_input();
    if (fast) session.stop_waiting();
  }

  // ---- output --------------------------------------------------------------------------------

  void ensure_base() {
    auto& timeline = output.timeline();
    if (timeline.base_ns) return;
    std::int64_t b = session.timeline_start().value_or(0);
    if (first_video_decode_ns) b = std::min(b, *first_video_decode_ns);
    timeline.base_ns = b;
    dub::log::debug("output timeline", fields({{"base_ns", b}}));
  }

  // The video units up to `audio_end_ns` go out; their output lag (arrival -> rendered) is measured.
  void release_video(std::int64_t audio_end_ns, std::optional<std::int64_t> render_base, PublishedFragment& p) {
    const auto now = Clock::now();
    for (auto& v : video.release_until(audio_end_ns)) {
      output.push_video(v);
      const auto render_at = leaves_at(render_base, output.timeline().video_out_ts(v.pts_ns), now);
      const double lag = static_cast<double>(ns_since(v.arrival, render_at)) / 1e9;
      p.lag_max_s = std::max(p.lag_max_s, lag);
      status.observe_lag(lag);
      ++p.video_units;
    }
  }

  void publish(ReadyFragment& r) {
    auto& a = r.audio;
    if (!output.opened()) {
      std::int64_t reorder_ns = 0;
      if (const auto* v = video.front(); v != nullptr && v->dts_ns) {
        reorder_ns = std::max<std::int64_t>(0, v->pts_ns - *v->dts_ns);
      }
      output.open(a.sample_rate, reorder_ns, status.streams().video);
    }
    ensure_base();
    const auto program_ns = static_cast<std::int64_t>(output.timeline().program_ts(a.pts_ns));
    if (!o.config.faults.clip_to_output_limit(a, program_ns)) {
      dub::log::warn("fault injection: fragment past MEDIA_FAULT_OUTPUT_LIMIT_MS not published",
                     fields({{"sequence_number", r.record.sequence}}));
      return;
    }
    const auto pushed_at = Clock::now();
    output.push_audio(a);
    drift.audio(a.pts_ns, a.input_pts_ns);
    PublishedFragment p;
    p.dubbed = r.dubbed;
    p.reason = r.record.reason;
    const auto render_base = output.render_base(Clock::now(), a.pts_ns);
    release_video(a.end_pts_ns(), render_base, p);
    // US1-5: pushed now; on air (sent to the server) at its render time, MEDIA_FAULT_AUDIO_SHIFT_MS included.
    const auto on_air_at =
        leaves_at(render_base, o.config.faults.audio_ts(output.timeline().out_ts(a.pts_ns)), pushed_at);
    session.went_out(r, pushed_at, on_air_at);
    const double delay_ms = std::chrono::duration<double, std::milli>(pushed_at - r.final_at).count();
    if (render_base) {
      output_dry_at = Clock::time_point(
          std::chrono::nanoseconds(*render_base + static_cast<std::int64_t>(output.timeline().out_ts(a.end_pts_ns()))));
    }
    p.drift_last_ns = drift.last_ns();
    p.drift_max_ns = drift.max_abs_ns();
    p.published_until_ns = static_cast<std::int64_t>(output.timeline().program_ts(a.end_pts_ns()));
    p.video_buffered_ns = video.buffered_ns();
    status.published(p);
    if (r.dubbed) {
      dub::log::info("fragment published", fields({{"sequence_number", r.record.sequence},
                                                   {"audio", "dubbed"},
                                                   {"pts_ns", a.pts_ns},
                                                   {"video_units", p.video_units},
                                                   {"drift_ms", static_cast<double>(drift.last_ns()) / 1e6},
                                                   {"output_delay_ms", delay_ms}}));
    } else {
      dub::log::warn("fragment published with its original audio (passthrough)",
                     fields({{"sequence_number", r.record.sequence},
                             {"reason", to_string(r.record.reason)},
                             {"error", r.record.error},
                             {"pts_ns", a.pts_ns},
                             {"video_units", p.video_units},
                             {"output_delay_ms", delay_ms}}));
    }
    if (!o.config.segment_dir.empty()) {
      dump_fragment_wav(o.config.segment_dir, o.name, r.record.sequence, "out", a.samples, a.sample_rate, a.channels);
    }
  }

  // Publishes the ready fragments whose time has come (all of them unless a fault holds them back;
  // all of them anyway with `everything`, on failure).
  void publish_due(Clock::time_point now, bool everything = false) {
    while (!ready.empty() && (everything || now >= ready.front().final_at + o.config.faults.output_hold)) {
      auto r = std::move(ready.front());
      ready.pop_front();
      publish(r);
    }
  }

  // After the last fragment: the rest of the video, then end of stream on the output.
  void close_output() {
    if (!output.begin_close()) return;
    if (!o.config.faults.output_unlimited()) {
      video.drain();  // MEDIA_FAULT_OUTPUT_LIMIT_MS: nothing past the limit goes out
    } else if (!video.empty() && output.has_video() && output.timeline().base_ns) {
      auto rest = video.drain();
      for (auto& v : rest) output.push_video(v);
      status.video_published(rest.size());
    }
    output.end_of_stream();
  }

  // ---- main loop -----------------------------------------------------------------------------

  // The program stays on air: once the paced output has played everything it was given and has
  // waited OUTPUT_MAX_STALL for the next fragment, that fragment goes out with its original audio
  // (an RTMP server closes a publisher that sends nothing for its read timeout: MediaMTX's 10 s).
  // Returns when to look again.
  std::optional<Clock::time_point> keep_output_fed(Clock::time_point now) {
    if (!output_dry_at || session.idle() || !ready.empty()) return std::nullopt;
    const auto give_up_at = *output_dry_at + o.config.output_max_stall;
    if (now < give_up_at) return give_up_at;
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - *output_dry_at);
    for (auto& r : session.pass_head_through(waited, now)) ready.push_back(std::move(r));
    publish_due(now);
    return std::nullopt;
  }

  void loop() {
    std::optional<Clock::time_point> stall_check;
    while (true) {
      auto wake = Clock::now() + std::chrono::milliseconds(250);
      if (stall_check && *stall_check < wake) wake = *stall_check;
      if (const auto d = session.next_deadline(); d && *d < wake) wake = *d;
      if (const auto d = output.deadline(); d && *d < wake) wake = *d;
      if (!ready.empty()) wake = std::min(wake, ready.front().final_at + o.config.faults.output_hold);
      if (source_end_due && !source_done) wake = std::min(wake, source_end_due->first);
      for (auto& ev : events.take(wake)) handle(ev);
      if (source_end_due && !source_done && Clock::now() >= source_end_due->first) {
        begin_finish(source_end_due->second, false);  // the input never saw the end: finish as if it had
      }
      for (auto& r : session.pump(Clock::now())) ready.push_back(std::move(r));
      publish_due(Clock::now());
      stall_check = keep_output_fed(Clock::now());
      if (!source_done) continue;
      if (session.idle() && ready.empty()) close_output();
      if (output.done()) return;
      if (const auto d = output.deadline(); d && Clock::now() >= *d) {
        throw Error(fmt::format("the output {} did not finish within {} ms", o.sink, o.output_close_timeout.count()));
      }
    }
  }

  // On failure: what we already have goes out with its original audio, and the viewers get a
  // clean end of what was published.
  void recover(const std::string& failure) {
    dub::log::error(failure, fields({{"source", o.source}, {"output", o.sink}}));
    input.stop();
    try {
      for (auto& r : session.give_up(PassthroughReason::NoSts, "worker failed")) ready.push_back(std::move(r));
      if (output.opened()) publish_due(Clock::now(), /*everything=*/true);
    } catch (const std::exception& e) {
      dub::log::debug("could not publish the remaining fragments", fields({{"error", e.what()}}));
    }
    if (!output.opened() || output.closing() || !output.audio_started()) return;
    try {
      close_output();
      const auto until = Clock::now() + std::chrono::seconds(3);
      while (!output.done() && Clock::now() < until) {
        for (auto& ev : events.take(until)) {
          if (auto* b = std::get_if<BusEvent>(&ev); b != nullptr && b->output) {
            output.set_done();  // EOS, or an error: either way, done
          }
        }
      }
    } catch (const std::exception& e) {
      dub::log::debug("output not closed cleanly", fields({{"error", e.what()}}));
    }
  }

  void run() {
    status.begin();
    dub::log::info("worker started", fields({{"source", o.source},
                                             {"output", o.sink},
                                             {"segment_ms", o.segment_ns() / 1'000'000},
                                             {"max_inflight", o.max_inflight()},
                                             {"fragment_timeout_ms", o.config.fragment_timeout.count()},
                                             {"target_language", o.config.target_language}}));
    std::string failure;
    try {
      if (const auto delay = o.config.faults.input_delay; delay.count() > 0) {
        dub::log::warn("fault: opening the source late", fields({{"input_delay_ms", delay.count()}}));
        std::this_thread::sleep_for(delay);  // MEDIA_FAULT_INPUT_DELAY_MS (faults.hpp)
      }
      input.start();
      status.running();
      loop();
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (!failure.empty()) recover(failure);
    session.close();
    input.release();
    output.release();
    video.drain();
    events.clear();
    const auto final_state = status.end(failure, !stop_reason.empty());
    const auto summary = fields(status.summary());
    if (final_state == WorkerState::Failed) {
      dub::log::error("worker failed", summary);
    } else {
      dub::log::info("worker finished", summary);
    }
    events.set_finished();
  }

  [[nodiscard]] nlohmann::json to_json(bool with_fragments) const {
    nlohmann::json j = status.to_json();
    j["name"] = o.name;
    j["source"] = o.source;
    j["output"] = o.sink;
    j["languages"] = {{"source", o.config.source_language}, {"target", o.config.target_language}};
    j["segment_duration_ms"] = o.segment_ns() / 1'000'000;
    j["audio"]["sample_rate"] = session.sample_rate();
    j["audio"]["channels"] = session.channels();
    j["sts"] = session.sts_json();
    j["segmenter"] = session.segmenter_json();
    if (with_fragments) j["fragments"] = session.fragments_json();
    return j;
  }
};

// =============================================================================================

Worker::Worker(WorkerOptions options, sts::StsClientFactory sts_factory, std::shared_ptr<MediaMetrics> metrics)
    : options_(std::move(options)) {
  if (options_.name.empty()) throw Error("a worker needs a stream name");
  if (options_.segment_ns() <= 0) throw Error("SEGMENT_DURATION must be positive");
  if (!metrics) throw Error("a worker needs metrics");
  impl_ = std::make_unique<Impl>(options_, std::move(sts_factory), std::move(metrics));
}

Worker::~Worker() {
  if (!impl_) return;
  const std::lock_guard lock(impl_->join_mutex);
  if (impl_->thread.joinable()) {
    request_stop("worker destroyed", true);
    impl_->thread.join();
  }
}

void Worker::start() {
  if (impl_->thread.joinable()) throw Error("worker already started");
  impl_->thread = std::thread([this] { impl_->run(); });
}

void Worker::request_stop(const std::string& reason, bool fast) {
  impl_->events.request_stop();
  impl_->events.post(StopEvent{reason, fast});
}

void Worker::source_ended(const std::string& reason) {
  impl_->events.post(StopEvent{.reason = reason, .source_ended = true});
}

bool Worker::wait(std::chrono::milliseconds timeout) {
  if (!impl_->events.wait_finished(timeout)) return false;
  const std::lock_guard lock(impl_->join_mutex);
  if (impl_->thread.joinable()) impl_->thread.join();
  return true;
}

bool Worker::finished() const {
  return impl_->events.finished();
}

WorkerState Worker::state() const {
  return impl_->status.state();
}

std::string Worker::error() const {
  return impl_->status.error();
}

nlohmann::json Worker::to_json(bool fragments) const {
  return impl_->to_json(fragments);
}

}  // namespace dub::media_service
