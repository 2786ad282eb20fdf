#include "dub_session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "dub/sts/pcm.hpp"
#include "dub/sts/protocol.hpp"
#include "dub/sts/stream_name.hpp"
#include "dub/util/error.hpp"
#include "dub/util/log.hpp"
#include "segment_dump.hpp"
#include "worker_common.hpp"

namespace dub::media_service {

namespace {

StsLinkOptions link_options(const WorkerOptions& o) {
  StsLinkOptions l;
  l.stream = o.name;
  l.connect = o.config.sts_backoff();
  l.reconnect_max_backoff = o.config.sts_reconnect_max_backoff;
  l.open_timeout = o.config.sts_connect_timeout;
  return l;
}

}  // namespace

DubSession::DubSession(WorkerOptions options, sts::StsClientFactory factory, std::shared_ptr<MediaMetrics> metrics,
                       Hooks hooks)
    : o_(std::move(options)),
      metrics_(std::move(metrics)),
      hooks_(std::move(hooks)),
      tracker_(sts::stream_name::stream_id(o_.name), o_.max_inflight(), o_.config.fragment_timeout),
      link_(std::make_unique<StsLink>(std::move(factory), link_options(o_), link_hooks())) {}

DubSession::~DubSession() = default;

nlohmann::json DubSession::fields(const nlohmann::json& extra) const {
  return stream_fields(o_.name, extra);
}

// The link's hooks only count and post events: everything else happens on the session's thread.
StsLink::Hooks DubSession::link_hooks() {
  StsLink::Hooks h;
  h.handlers = [this](int generation) {
    sts::StsClient::Handlers handlers;
    handlers.on_result = [this, generation](sts::StsResult r) {
      hooks_.post(StsResultEvent{generation, std::move(r)});
    };
    handlers.on_error = [this, generation](sts::StsError e) { hooks_.post(StsErrorEvent{generation, std::move(e)}); };
    handlers.on_disconnect = [this, generation](std::string reason) {
      hooks_.post(StsDisconnectEvent{generation, std::move(reason)});
    };
    handlers.on_complete = [this, generation](nlohmann::json p) {
      hooks_.post(StsCompleteEvent{generation, std::move(p)});
    };
    return handlers;
  };
  h.on_attempt = [this](const StsAttempt& a) {
    metrics_->sts_connects.labels({o_.name, a.ok ? "ok" : "failed"}).inc();
    const std::lock_guard lock(mutex_);
    ++attempts_;
  };
  h.on_reopen = [this](int generation, const sts::StsReady& ready) {
    hooks_.post(StsReopenedEvent{generation, ready});
  };
  return h;
}

// ---- audio in ------------------------------------------------------------------------------

void DubSession::push_audio(std::optional<std::int64_t> pts_ns, std::span<const std::int16_t> samples, int rate,
                            int channels) {
  if (!segmenter_) start(rate, channels);
  if (rate != segmenter_->sample_rate() || channels != segmenter_->channels()) {
    throw Error(fmt::format("the source's audio format changed mid-stream ({} Hz {} ch -> {} Hz {} ch)",
                            segmenter_->sample_rate(), segmenter_->channels(), rate, channels));
  }
  auto fragments = segmenter_->push(pts_ns, samples);
  const std::lock_guard lock(mutex_);
  seg_stats_ = segmenter_->stats();
  for (auto& f : fragments) add_locked(std::move(f));
}

void DubSession::start(int rate, int channels) {
  const auto frames = static_cast<std::uint64_t>(std::llround(static_cast<double>(o_.segment_ns()) * rate / 1e9));
  segmenter_ = std::make_unique<Segmenter>(rate, channels, std::max<std::uint64_t>(frames, 1), o_.jitter_tolerance_ns(),
                                           o_.discont_wait_ns());
  {
    const std::lock_guard lock(mutex_);
    rate_ = rate;
    channels_ = channels;
  }
  dub::log::info(
      "audio format",
      fields({{"sample_rate", rate}, {"channels", channels}, {"fragment_frames", segmenter_->frames_per_fragment()}}));
  connect();
}

void DubSession::end_of_input() {
  if (!segmenter_) return;
  const std::lock_guard lock(mutex_);
  if (auto last = segmenter_->flush()) add_locked(std::move(*last));
  seg_stats_ = segmenter_->stats();
}

void DubSession::add_locked(PcmFragment f) {
  dub::log::debug("fragment cut", fields({{"sequence_number", f.sequence},
                                          {"pts_ns", f.pts_ns},
                                          {"duration_ns", f.duration_ns},
                                          {"frames", f.frames()}}));
  tracker_.add(std::move(f));
}

// ---- STS connection ------------------------------------------------------------------------

// The stream's first connection (retries with backoff; throws dub::Error when it gives up).
void DubSession::connect() {
  sts::StsStreamConfig config;
  config.stream_id = sts::stream_name::stream_id(o_.name);
  config.source_language = o_.config.source_language;
  config.target_language = o_.config.target_language;
  config.sample_rate = segmenter_->sample_rate();
  config.channels = segmenter_->channels();
  config.fragment_duration_ns = o_.segment_ns();
  const auto ready = link_->connect(config, hooks_.wait);
  on_ready(ready);
  std::size_t max_inflight = 0;
  {
    const std::lock_guard lock(mutex_);
    max_inflight = tracker_.max_inflight();
  }
  dub::log::info("sts stream open", fields({{"stage", "sts"},
                                            {"sts", link_->description()},
                                            {"mode", ready.mode},
                                            {"max_inflight", max_inflight},
                                            {"models", ready.models}}));
}

void DubSession::on_ready(const sts::StsReady& ready) {
  const std::lock_guard lock(mutex_);
  if (ready.limits.max_inflight > 0) tracker_.set_max_inflight(std::min(o_.max_inflight(), ready.limits.max_inflight));
  sts_mode_ = ready.mode;
  connected_ = true;
}

// Once on air, a lost STS connection never ends the stream: the fragments in flight go out with
// their original audio (disconnected), so do the following ones while the link reconnects in the
// background (sts_unavailable, in pump()), and dubbing resumes once it is open again.
void DubSession::lost(int generation, const std::string& reason) {
  std::vector<std::uint64_t> lost;
  {
    const std::lock_guard lock(mutex_);
    connected_ = false;
    lost = tracker_.fail_in_flight(PassthroughReason::Disconnected, fmt::format("STS connection lost: {}", reason),
                                   Clock::now());
  }
  if (!lost_at_) lost_at_ = Clock::now();
  dub::log::warn("sts connection lost: original audio until it is back, reconnecting in the background",
                 fields({{"stage", "sts"}, {"error", reason}, {"fragments_lost", lost}}));
  link_->lost(generation, reason);
}

void DubSession::close() {
  link_->close(true);  // also stops a reconnection under way
  const std::lock_guard lock(mutex_);
  connected_ = false;
}

// ---- STS events ----------------------------------------------------------------------------

void DubSession::handle(StsEvent& event) {
  std::visit([this](auto& e) { on_event(e); }, event);
}

void DubSession::on_event(StsResultEvent& e) {
  if (e.generation != link_->generation()) return;
  const auto now = Clock::now();
  const std::lock_guard lock(mutex_);
  const auto outcome = tracker_.on_result(e.result, now);
  const auto rec = tracker_.record(e.result.sequence_number);
  if (outcome != ResultOutcome::Accepted || !rec) {
    dub::log::info("late fragment result ignored",
                   fields({{"sequence_number", e.result.sequence_number}, {"status", e.result.status}}));
    return;
  }
  metrics_->fragments_processed.labels({o_.name, e.result.status}).inc();
  if (rec->latency_ms) metrics_->fragment_roundtrip.labels({o_.name}).observe(*rec->latency_ms / 1000.0);
  dub::log::info("fragment processed", fields({{"sequence_number", e.result.sequence_number},
                                               {"status", e.result.status},
                                               {"transcript", e.result.transcript},
                                               {"translated_text", e.result.translated_text},
                                               {"latency_ms", rec->latency_ms ? *rec->latency_ms : 0.0},
                                               {"processing_ms", e.result.processing_time_ms}}));
  if (!e.result.error_code.empty()) {
    dub::log::warn("sts reported a fragment problem", fields({{"sequence_number", e.result.sequence_number},
                                                              {"code", e.result.error_code},
                                                              {"error", e.result.error_message}}));
  }
}

void DubSession::on_event(StsErrorEvent& e) {
  if (e.generation != link_->generation()) return;
  const auto& err = e.error;
  dub::log::warn("sts error", fields({{"code", err.code},
                                      {"error", err.message},
                                      {"retryable", err.retryable},
                                      {"event", err.event},
                                      {"sequence_number", err.sequence_number ? nlohmann::json(*err.sequence_number)
                                                                              : nlohmann::json(nullptr)}}));
  if (err.sequence_number) {
    const std::lock_guard lock(mutex_);
    tracker_.on_refused(*err.sequence_number, err.code, err.message, err.code == sts::protocol::code::kBackpressure,
                        Clock::now());
    return;
  }
  if (err.event == sts::protocol::kStreamInit || err.code == sts::protocol::code::kStreamNotInitialized) {
    // The service lost our stream: start over on a fresh connection.
    lost(e.generation, fmt::format("{}: {}", err.code, err.message));
  }
}

void DubSession::on_event(StsDisconnectEvent& e) {
  if (e.generation != link_->generation()) return;
  lost(e.generation, e.reason);
}

void DubSession::on_event(StsReopenedEvent& e) {
  if (e.generation != link_->generation()) return;
  on_ready(e.ready);
  const double down_s = lost_at_ ? static_cast<double>(ns_since(*lost_at_, Clock::now())) / 1e9 : 0.0;
  lost_at_.reset();
  dub::log::info("sts stream reopened", fields({{"stage", "sts"},
                                                {"sts", link_->description()},
                                                {"reconnections", link_->reconnections()},
                                                {"unavailable_s", down_s}}));
}

void DubSession::on_event(StsCompleteEvent& e) {
  if (e.generation != link_->generation()) return;
  dub::log::info("sts stream complete", fields({{"summary", e.payload}}));
}

// ---- fragments out -------------------------------------------------------------------------

std::vector<ReadyFragment> DubSession::pump(Clock::time_point now) {
  std::vector<sts::StsFragment> to_send;
  std::vector<std::uint64_t> unavailable;
  const auto link_state = link_->state();
  {
    const std::lock_guard lock(mutex_);
    for (const auto seq : tracker_.expire(now)) {
      dub::log::warn("fragment timed out: using its original audio",
                     fields({{"sequence_number", seq}, {"timeout_ms", o_.config.fragment_timeout.count()}}));
    }
    if (link_state == StsLinkState::Open && !fast_stop_) to_send = tracker_.take_sendable(now);
    if (link_state == StsLinkState::Reconnecting) {
      // The program stays on air: no waiting for the STS to come back.
      unavailable = tracker_.fail_all_pending(PassthroughReason::StsUnavailable,
                                              "the STS service is unavailable (reconnecting in the background)", now);
    }
  }
  for (const auto seq : unavailable) {
    dub::log::warn("sts unavailable: the fragment keeps its original audio",
                   fields({{"sequence_number", seq}, {"stage", "sts"}, {"reason", "sts_unavailable"}}));
  }
  send(to_send);
  const std::lock_guard lock(mutex_);
  auto ready = tracker_.pop_ready();
  metrics_->fragments_inflight.labels({o_.name}).set(static_cast<double>(tracker_.in_flight()));
  return ready;
}

void DubSession::went_out(const ReadyFragment& fragment, Clock::time_point pushed_at, Clock::time_point on_air_at) {
  const std::lock_guard lock(mutex_);
  tracker_.went_out(fragment, pushed_at, on_air_at);
}

void DubSession::send(std::vector<sts::StsFragment>& to_send) {
  for (std::size_t i = 0; i < to_send.size(); ++i) {
    auto& f = to_send[i];
    try {
      if (!o_.config.segment_dir.empty()) {
        const auto pcm = sts::pcm::decode_s16le(f.audio);
        dump_fragment_wav(o_.config.segment_dir, o_.name, f.sequence_number, "in", pcm, segmenter_->sample_rate(),
                          segmenter_->channels());
      }
      if (o_.config.faults.drops(f.sequence_number)) {
        // MEDIA_FAULT_DROP_FRAGMENT: lost on the way; in flight until FRAGMENT_TIMEOUT passes it through.
        dub::log::warn("fault injection: fragment dropped instead of sent to the STS",
                       fields({{"sequence_number", f.sequence_number}, {"fragment_id", f.fragment_id}}));
        continue;
      }
      if (const auto leaked = o_.config.faults.leak()) {  // MEDIA_FAULT_LEAK_MB (faults.hpp)
        dub::log::warn("fault injection: memory leaked",
                       fields({{"sequence_number", f.sequence_number}, {"leaked_mb", leaked}}));
      }
      link_->send(f);
      metrics_->fragments_sent.labels({o_.name}).inc();
      dub::log::info("fragment sent", fields({{"sequence_number", f.sequence_number},
                                              {"fragment_id", f.fragment_id},
                                              {"pts_ns", f.pts_ns},
                                              {"duration_ns", f.duration_ns},
                                              {"bytes", f.audio.size()}}));
    } catch (const dub::Error& e) {
      // Not sent: this one and the rest are queued again (and pass through while reconnecting).
      {
        const std::lock_guard lock(mutex_);
        for (std::size_t k = i; k < to_send.size(); ++k) tracker_.unsend(to_send[k].sequence_number);
      }
      lost(link_->generation(), e.what());
      break;
    }
  }
}

std::vector<ReadyFragment> DubSession::pass_head_through(std::chrono::milliseconds waited, Clock::time_point now) {
  const std::lock_guard lock(mutex_);
  const auto seq = tracker_.expire_head(
      PassthroughReason::OutputStall,
      fmt::format("not back after the output had waited {} ms for it (OUTPUT_MAX_STALL)", waited.count()), now);
  if (seq) {
    dub::log::warn("output stalled: the fragment keeps its original audio",
                   fields({{"sequence_number", *seq}, {"stage", "output"}, {"waited_ms", waited.count()}}));
  }
  return tracker_.pop_ready();
}

std::vector<ReadyFragment> DubSession::give_up(PassthroughReason reason, const std::string& message) {
  const std::lock_guard lock(mutex_);
  tracker_.fail_all_pending(reason, message, Clock::now());
  return tracker_.pop_ready();
}

void DubSession::stop_waiting() {
  fast_stop_ = true;
  const std::lock_guard lock(mutex_);
  tracker_.fail_all_pending(PassthroughReason::NoSts, "worker stopping: not waiting for the STS service", Clock::now());
}

// ---- state ---------------------------------------------------------------------------------

std::optional<std::int64_t> DubSession::timeline_start() const {
  if (!segmenter_) return std::nullopt;
  return segmenter_->pts_of_frame(0);
}

std::optional<DubSession::Clock::time_point> DubSession::next_deadline() const {
  const std::lock_guard lock(mutex_);
  return tracker_.next_deadline();
}

bool DubSession::idle() const {
  const std::lock_guard lock(mutex_);
  return tracker_.idle();
}

int DubSession::sample_rate() const {
  const std::lock_guard lock(mutex_);
  return rate_;
}

int DubSession::channels() const {
  const std::lock_guard lock(mutex_);
  return channels_;
}

nlohmann::json DubSession::sts_json() const {
  const std::lock_guard lock(mutex_);
  return {{"client", link_->description()},
          {"mode", sts_mode_},
          {"connected", connected_},
          {"link", to_string(link_->state())},
          {"open_attempts", attempts_},
          {"reconnections", link_->reconnections()},
          {"last_error", link_->last_error()},
          {"max_inflight", tracker_.max_inflight()},
          {"in_flight", tracker_.in_flight()},
          {"queued", tracker_.queued()},
          {"peak_in_flight", tracker_.peak_in_flight()},
          {"peak_queued", tracker_.peak_queued()}};
}

nlohmann::json DubSession::segmenter_json() const {
  const std::lock_guard lock(mutex_);
  return {{"frames_in", seg_stats_.frames_in},
          {"frames_out", seg_stats_.frames_out},
          {"frames_filled", seg_stats_.frames_filled},
          {"frames_dropped", seg_stats_.frames_dropped},
          {"resyncs", seg_stats_.resyncs},
          {"max_kept_deviation_ms", static_cast<double>(seg_stats_.max_abs_drift_ns) / 1e6},
          {"fragments", seg_stats_.fragments}};
}

nlohmann::json DubSession::fragments_json() const {
  const std::lock_guard lock(mutex_);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : tracker_.records()) list.push_back(r.to_json());
  return list;
}

}  // namespace dub::media_service
