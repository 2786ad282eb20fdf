#include "sts_drive.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <string_view>

#include "dub/media/decode.hpp"
#include "dub/media/probe.hpp"
#include "dub/sts/pcm.hpp"
#include "dub/sts/protocol.hpp"
#include "dub/sts/protocol_gen.hpp"
#include "dub/sts/socketio_client.hpp"
#include "dub/util/error.hpp"
#include "dub/util/wav.hpp"
#include "progress.hpp"
#include "sidecar.hpp"

namespace fs = std::filesystem;

namespace dubctl {

namespace {

using Clock = std::chrono::steady_clock;
namespace protocol = dub::sts::protocol;

constexpr int kSilencePeak = 32;  // |sample| <= 32 is below -60 dBFS: silence

using dub::sts::pcm::sample_at;

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

const dub::sts::StsFragment* sent_with(const StsExchange& x, std::uint64_t sequence) {
  const auto it =
      std::find_if(x.sent.begin(), x.sent.end(), [sequence](const auto& f) { return f.sequence_number == sequence; });
  return it == x.sent.end() ? nullptr : &*it;
}

// The answers to fragments that were sent, in sequence order.
std::vector<const dub::sts::StsResult*> in_sequence(const StsExchange& x) {
  std::vector<const dub::sts::StsResult*> out;
  for (const auto& r : x.results) {
    if (sent_with(x, r.sequence_number) != nullptr) out.push_back(&r);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto* a, const auto* b) { return a->sequence_number < b->sequence_number; });
  return out;
}

// The answers' transcripts (or translations) in sequence order, joined by spaces.
std::string joined(const std::vector<const dub::sts::StsResult*>& answers, std::string dub::sts::StsResult::*text) {
  std::string out;
  for (const auto* r : answers) {
    if (!(r->*text).empty()) out += (out.empty() ? "" : " ") + r->*text;
  }
  return out;
}

double max_of(const std::vector<double>& values) {
  return values.empty() ? 0.0 : *std::max_element(values.begin(), values.end());
}

}  // namespace

std::vector<FragmentSpan> cut_fragments(std::size_t total_frames, std::size_t fragment_frames) {
  if (fragment_frames == 0) throw dub::Error("a fragment must hold at least one frame");
  std::vector<FragmentSpan> spans;
  for (std::size_t first = 0; first < total_frames; first += fragment_frames) {
    spans.push_back({first, std::min(fragment_frames, total_frames - first)});
  }
  return spans;
}

std::vector<std::string> protocol_problems(const StsExchange& x) {
  std::vector<std::string> problems;
  if (!x.lost.empty()) problems.push_back(x.lost);
  for (const auto& e : x.errors) {
    problems.push_back(fmt::format("STS answered `error` {}{}: {}", e.code,
                                   e.fragment_id.empty() ? "" : " for " + e.fragment_id, e.message));
  }
  std::map<std::uint64_t, int> answers;
  for (std::size_t i = 0; i < x.results.size(); ++i) {
    const auto& r = x.results[i];
    ++answers[r.sequence_number];
    if (i > 0 && r.sequence_number <= x.results[i - 1].sequence_number) {
      problems.push_back(
          fmt::format("fragment:processed for sequence {} arrived after sequence {}: not in sequence order",
                      r.sequence_number, x.results[i - 1].sequence_number));
    }
    const auto* f = sent_with(x, r.sequence_number);
    if (f == nullptr) {
      problems.push_back(fmt::format("fragment:processed for sequence {}, which was never sent", r.sequence_number));
      continue;
    }
    if (r.stream_id != x.config.stream_id || r.fragment_id != f->fragment_id || r.pts_ns != f->pts_ns ||
        r.duration_ns != f->duration_ns) {
      problems.push_back(fmt::format(
          "answer to {} does not copy the fragment: stream {}, fragment {}, pts {} ns, duration {} ns (sent {}, {}, "
          "{}, {})",
          f->fragment_id, r.stream_id, r.fragment_id, r.pts_ns, r.duration_ns, x.config.stream_id, f->fragment_id,
          f->pts_ns, f->duration_ns));
    }
    if (r.sample_rate != x.config.sample_rate || r.channels != x.config.channels ||
        r.sample_format != x.config.sample_format) {
      problems.push_back(fmt::format("dubbed audio of {} is {} Hz, {} channel(s), {} (the stream is {} Hz, {}, {})",
                                     f->fragment_id, r.sample_rate, r.channels, r.sample_format, x.config.sample_rate,
                                     x.config.channels, x.config.sample_format));
    }
    if (r.dubbed_audio.size() != f->audio.size()) {
      const auto frame_bytes = static_cast<std::size_t>(2 * std::max(1, x.config.channels));
      problems.push_back(fmt::format("dubbed audio of {} holds {} frames, the input {}", f->fragment_id,
                                     r.dubbed_audio.size() / frame_bytes, f->audio.size() / frame_bytes));
    }
  }
  for (const auto& f : x.sent) {
    const auto it = answers.find(f.sequence_number);
    if (it == answers.end()) {
      problems.push_back(fmt::format("{} (sequence {}) was never answered", f.fragment_id, f.sequence_number));
    } else if (it->second > 1) {
      problems.push_back(fmt::format("{} was answered {} times", f.fragment_id, it->second));
    }
  }
  if (!x.complete) {
    problems.emplace_back("no stream:complete after stream:end");
  } else {
    const auto& c = *x.complete;
    const auto n = static_cast<long long>(x.sent.size());
    const auto received = c.value("fragments_received", -1LL);
    const auto processed = c.value("fragments_processed", -1LL);
    const auto rejected = c.value("fragments_rejected", -1LL);
    const auto refused = static_cast<long long>(x.backpressure.size());
    if (received != n || processed != n || rejected != refused) {
      problems.push_back(
          fmt::format("stream:complete counts {} received, {} processed, {} rejected ({} were sent, {} refused with "
                      "BACKPRESSURE)",
                      received, processed, rejected, n, refused));
    }
  }
  return problems;
}

std::vector<std::int16_t> reassemble(const StsExchange& x) {
  std::vector<std::int16_t> out;
  for (const auto* r : in_sequence(x)) {
    const auto samples = dub::sts::pcm::decode_s16le(r->dubbed_audio);
    out.insert(out.end(), samples.begin(), samples.end());
  }
  return out;
}

namespace {

// In flight and BACKPRESSURE: the figures, and `min_inflight` / `min_backpressure` against them.
void flow_control_problems(const StsDriveStep::Expect& expect, const StsExchange& x, Properties& properties,
                           std::vector<std::string>& problems) {
  properties.emplace_back("sts_peak_inflight", std::to_string(x.peak_inflight));
  properties.emplace_back("sts_max_inflight", std::to_string(x.max_inflight));
  properties.emplace_back("sts_backpressure", std::to_string(x.backpressure.size()));
  if (expect.min_inflight && static_cast<int>(x.peak_inflight) < *expect.min_inflight) {
    problems.push_back(fmt::format("STS acknowledged at most {} fragment(s) in flight at once, expected {}",
                                   x.peak_inflight, *expect.min_inflight));
  }
  if (expect.min_backpressure && static_cast<int>(x.backpressure.size()) < *expect.min_backpressure) {
    problems.push_back(fmt::format(
        "STS refused {} fragment(s) with BACKPRESSURE, expected at least {} (limits.max_inflight {}, peak in flight "
        "{}): the load never reached the limit",
        x.backpressure.size(), *expect.min_backpressure, x.max_inflight, x.peak_inflight));
  }
}

}  // namespace

std::vector<std::string> expectation_problems(const StsDriveStep::Expect& expect, const StsExchange& x,
                                              const nlohmann::json& sidecar, Properties& properties) {
  std::vector<std::string> problems;
  const auto answers = in_sequence(x);
  const auto n = static_cast<int>(x.sent.size());
  properties.emplace_back("sts_fragments_sent", std::to_string(n));
  properties.emplace_back("sts_fragments_answered", std::to_string(answers.size()));
  if (expect.fragments && n != *expect.fragments) {
    problems.push_back(fmt::format("{} fragment(s) were cut from the fixture, expected {}", n, *expect.fragments));
  }
  if (expect.min_fragments && static_cast<int>(answers.size()) < *expect.min_fragments) {
    problems.push_back(
        fmt::format("{} fragment(s) answered, expected at least {}", answers.size(), *expect.min_fragments));
  }

  std::map<std::string, int> statuses;
  for (const auto status : protocol::kStatuses) statuses[std::string(status)] = 0;
  const auto transcript = joined(answers, &dub::sts::StsResult::transcript);
  const auto translation = joined(answers, &dub::sts::StsResult::translated_text);
  double max_processing_ms = 0;
  int peak = 0;
  for (const auto* r : answers) {
    ++statuses[r->status];
    if (expect.status != "any" && r->status != expect.status) {
      problems.push_back(
          fmt::format("{}: status {} (expected {}){}", r->fragment_id, r->status, expect.status,
                      r->error_code.empty() ? "" : fmt::format(": {} {}", r->error_code, r->error_message)));
    }
    max_processing_ms = std::max(max_processing_ms, r->processing_time_ms);
    if (expect.max_processing &&
        r->processing_time_ms > std::chrono::duration<double, std::milli>(*expect.max_processing).count()) {
      problems.push_back(fmt::format("{}: processing took {:.0f} ms (> {} ms)", r->fragment_id, r->processing_time_ms,
                                     expect.max_processing->count()));
    }
    const auto* f = sent_with(x, r->sequence_number);
    if (expect.dubbed && f != nullptr && r->dubbed_audio == f->audio) {
      problems.push_back(fmt::format("{}: dubbed audio is identical to the input (not dubbed)", r->fragment_id));
    }
    for (std::size_t i = 0; i < r->dubbed_audio.size() / 2; ++i) {
      peak = std::max(peak, std::abs(static_cast<int>(sample_at(r->dubbed_audio, i))));
    }
    if (expect.no_speech && (!r->transcript.empty() || !r->translated_text.empty())) {
      problems.push_back(fmt::format("{}: expected no speech, STS heard \"{}\" and translated \"{}\"", r->fragment_id,
                                     r->transcript, r->translated_text));
    }
  }
  for (const auto& [status, count] : statuses) properties.emplace_back("sts_status_" + status, std::to_string(count));
  properties.emplace_back("sts_roundtrip_median_ms", fmt::format("{:.0f}", median(x.round_trip_ms)));
  properties.emplace_back("sts_roundtrip_max_ms", fmt::format("{:.0f}", max_of(x.round_trip_ms)));
  properties.emplace_back("sts_max_processing_ms", fmt::format("{:.0f}", max_processing_ms));
  flow_control_problems(expect, x, properties, problems);
  const double peak_dbfs = peak == 0 ? -std::numeric_limits<double>::infinity() : 20 * std::log10(peak / 32768.0);
  properties.emplace_back("sts_dubbed_peak_dbfs", fmt::format("{:.1f}", peak_dbfs));
  properties.emplace_back("sts_transcript", transcript);
  properties.emplace_back("sts_translation", translation);

  if (expect.no_speech && peak > kSilencePeak) {
    problems.push_back(fmt::format("expected silent dubbed audio, its peak is {:.1f} dBFS (> -60)", peak_dbfs));
  }
  for (const auto& phrase : expect.transcript_contains) {
    if (!contains_words(transcript, phrase)) {
      problems.push_back(fmt::format("the transcripts lack \"{}\" (heard {})", phrase, quoted_or_nothing(transcript)));
    }
  }
  for (const auto& phrase : expect.translation_contains) {
    if (!contains_words(translation, phrase)) {
      problems.push_back(fmt::format("the translations lack \"{}\" (got {})", phrase, quoted_or_nothing(translation)));
    }
  }
  if (sidecar.is_object()) {
    check_against_sidecar(sidecar, transcript, translation, expect.max_wer, expect.min_translation_coverage, properties,
                          problems);
  }
  return problems;
}

namespace {

// State shared with the client's thread; outlives the client (declared before it).
struct Shared {
  std::mutex mutex;
  std::condition_variable cv;
  StsExchange* x = nullptr;
  std::map<std::uint64_t, Clock::time_point> sent_at;
  std::map<std::uint64_t, bool> settled;  // answered or refused
  bool broken = false;                    // connection lost or a stream-level error
  // Paced: BACKPRESSURE is no failure but "send it again after the next answer" (docs/protocol.md 4.3).
  bool resend_on_backpressure = false;
  std::set<std::uint64_t> acked;                 // fragment:ack seen
  std::map<std::uint64_t, std::size_t> refused;  // refused with BACKPRESSURE -> answers seen by then
};

dub::sts::StsClient::Handlers handlers_for(Shared& s) {
  dub::sts::StsClient::Handlers h;
  h.on_result = [&s](dub::sts::StsResult r) {
    const auto now = Clock::now();
    const std::lock_guard lock(s.mutex);
    if (const auto it = s.sent_at.find(r.sequence_number); it != s.sent_at.end()) {
      s.x->round_trip_ms.push_back(std::chrono::duration<double, std::milli>(now - it->second).count());
    }
    s.settled[r.sequence_number] = true;
    s.x->results.push_back(std::move(r));
    s.cv.notify_all();
  };
  h.on_error = [&s](dub::sts::StsError e) {
    const std::lock_guard lock(s.mutex);
    if (s.resend_on_backpressure && e.code == protocol::code::kBackpressure && e.sequence_number) {
      s.refused[*e.sequence_number] = s.x->results.size();
      s.x->backpressure.push_back(*e.sequence_number);
      s.cv.notify_all();
      return;
    }
    if (e.sequence_number) {
      s.settled[*e.sequence_number] = true;
    } else {
      s.broken = true;
    }
    s.x->errors.push_back(std::move(e));
    s.cv.notify_all();
  };
  h.on_ack = [&s](const dub::sts::StsAck& a) {
    const std::lock_guard lock(s.mutex);
    s.x->peak_inflight = std::max(s.x->peak_inflight, a.inflight);
    s.acked.insert(a.sequence_number);
    s.cv.notify_all();
  };
  h.on_disconnect = [&s](const std::string& reason) {
    const std::lock_guard lock(s.mutex);
    if (s.x->lost.empty()) s.x->lost = "connection to STS lost: " + reason;
    s.broken = true;
    s.cv.notify_all();
  };
  h.on_complete = [&s](nlohmann::json payload) {
    const std::lock_guard lock(s.mutex);
    s.x->complete = std::move(payload);
    s.cv.notify_all();
  };
  return h;
}

// The stream's config and its fragments: the fixture's audio (as long as the container says: AAC's
// trailing encoder padding is not media) in the stream's format, cut into consecutive fragments.
void prepare(const StsDriveStep& step, const fs::path& fixture, StsExchange& x) {
  auto& config = x.config;
  config.stream_id = protocol::sanitize_id(step.stream);
  config.source_language = step.source_language;
  config.target_language = step.target_language;
  config.sample_rate = step.sample_rate;
  config.channels = step.channels;
  config.sample_format = "s16le";
  config.fragment_duration_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(step.fragment).count();
  const auto info = dub::media::probe(fixture.string());
  const auto* track = info.first(dub::media::StreamType::Audio);
  if (track == nullptr) throw dub::Error(fmt::format("{} has no audio track to send to STS", fixture.string()));
  auto pcm = dub::media::decode_audio(fixture.string(), step.sample_rate, step.channels, track->duration_s);
  const auto once = pcm.samples;
  for (int i = 1; i < step.repeat; ++i) pcm.samples.insert(pcm.samples.end(), once.begin(), once.end());
  const auto fragment_frames =
      static_cast<std::size_t>(static_cast<long long>(step.sample_rate) * step.fragment.count() / 1000);
  const auto ch = static_cast<std::size_t>(step.channels);
  for (const auto& span : cut_fragments(pcm.frames(), fragment_frames)) {
    dub::sts::StsFragment f;
    f.stream_id = config.stream_id;
    f.sequence_number = x.sent.size();
    f.fragment_id = protocol::fragment_id(config.stream_id, f.sequence_number);
    f.pts_ns = protocol::frames_to_ns(span.first_frame, step.sample_rate);
    f.duration_ns = protocol::frames_to_ns(span.frames, step.sample_rate);
    f.audio = dub::sts::pcm::encode_s16le(std::span(pcm.samples).subspan(span.first_frame * ch, span.frames * ch));
    x.sent.push_back(std::move(f));
  }
  if (x.sent.empty()) throw dub::Error(fmt::format("{} decoded to no audio at all", fixture.string()));
}

// Opens the stream; refuses `concurrent` when STS allows fewer fragments in flight than it would send.
void open_stream(const StsDriveStep& step, dub::sts::SocketIoStsClient& client, Shared& shared,
                 Properties& properties) {
  auto& x = *shared.x;
  const auto open_timeout = std::min<Duration>(step.timeout, std::chrono::seconds(30));
  dub::sts::StsReady ready;
  try {
    ready = client.open(x.config, handlers_for(shared), open_timeout);
  } catch (const dub::Error& e) {
    // A refused token is no stack that is down: say which token the STS wants instead.
    const bool refused = std::string_view(e.what()).find(protocol::code::kUnauthorized) != std::string_view::npos;
    throw dub::Error(fmt::format("cannot open a stream on STS at {}: {} ({})", step.url, e.what(),
                                 refused ? "the STS wants the STS_AUTH_TOKEN its stack runs with: set the step's "
                                           "`token:`, or STS_AUTH_TOKEN with --env"
                                         : "is the sts stack up? start it with an `up: sts` step"));
  }
  x.mode = ready.mode;
  x.max_inflight = ready.max_inflight;
  properties.emplace_back("sts_mode", ready.mode);
  if (step.concurrent && !step.pace && ready.max_inflight > 0 && ready.max_inflight < x.sent.size()) {
    throw dub::Error(fmt::format(
        "`concurrent: true` sends all {} fragments at once, but STS allows {} in flight (limits.max_inflight): "
        "set MAX_INFLIGHT of the sts stack to at least {} (stacks: {{sts: {{env: {{MAX_INFLIGHT: \"{}\"}}}}}}) or "
        "use longer fragments",
        x.sent.size(), ready.max_inflight, x.sent.size(), x.sent.size()));
  }
}

using SendFn = std::function<void(const dub::sts::StsFragment&)>;
// Waits until a condition holds (under the lock), looking at it again at the given time at the latest.
using WaitFn = std::function<bool(const std::function<bool()>&, Clock::time_point)>;

// `pace`: fragment i goes out i * fragment / pace after the first (late ones at once), each after
// the previous one was acknowledged or refused; one refused with BACKPRESSURE goes again after the
// next fragment:processed, before any later one (docs/protocol.md 4.3). Returns whether every
// fragment was accepted before the exchange broke or timed out.
bool send_paced(const StsDriveStep& step, Shared& shared, const SendFn& send, const WaitFn& wait_until) {
  const auto& sent = shared.x->sent;
  const auto start = Clock::now();
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double, std::milli>(step.fragment) / step.pace.value_or(1.0));
  const auto later = Clock::time_point::max();
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const auto& f = sent[i];
    const auto seq = f.sequence_number;
    const auto due = start + interval * static_cast<Clock::rep>(i);
    if (!wait_until([&] { return Clock::now() >= due; }, due)) return false;
    // Acknowledged, refused with BACKPRESSURE, or settled by another error (a protocol problem).
    const auto heard = [&] {
      return shared.acked.contains(seq) || shared.refused.contains(seq) || shared.settled.contains(seq);
    };
    for (;;) {
      send(f);
      if (!wait_until(heard, later)) return false;
      std::size_t answers = 0;
      {
        const std::lock_guard lock(shared.mutex);
        const auto it = shared.refused.find(seq);
        if (it == shared.refused.end()) break;  // accepted (or refused for good)
        answers = it->second;
        shared.refused.erase(it);
      }
      if (!wait_until([&] { return shared.x->results.size() > answers; }, later)) return false;
    }
  }
  return true;
}

// Sends every fragment (all at once, each after the previous answer, or at a pace) and waits for the
// answers and stream:complete, at most step.timeout; then closes the client.
void exchange(const StsDriveStep& step, dub::sts::SocketIoStsClient& client, Shared& shared,
              const std::function<void()>& poll) {
  auto& x = *shared.x;
  const auto deadline = Clock::now() + step.timeout;
  const auto how = step.pace         ? fmt::format(" at {:g}x real time", *step.pace)
                   : step.concurrent ? std::string(" at once")
                                     : std::string(", one at a time");
  Progress progress(fmt::format("driving STS at {} with {} fragment(s){}", step.url, x.sent.size(), how), step.timeout);
  auto send = [&](const dub::sts::StsFragment& f) {
    {
      const std::lock_guard lock(shared.mutex);
      shared.sent_at[f.sequence_number] = Clock::now();
    }
    client.send(f);
  };
  // Waits until `done()` holds (under the lock), the exchange breaks, or the deadline passes;
  // looks again at `wake` at the latest (a paced fragment's time).
  auto wait_until = [&](const std::function<bool()>& done, Clock::time_point wake = Clock::time_point::max()) {
    std::unique_lock lock(shared.mutex);
    while (!done() && !shared.broken && Clock::now() < deadline) {
      shared.cv.wait_until(lock, std::min(wake, Clock::now() + std::chrono::milliseconds(250)));
      const auto answered = shared.settled.size();
      const auto refused = x.backpressure.size();
      lock.unlock();
      if (poll) poll();
      progress.tick(fmt::format("{}/{} answered{}", answered, x.sent.size(),
                                refused > 0 ? fmt::format(", {} BACKPRESSURE", refused) : ""));
      lock.lock();
    }
    return done();
  };
  bool all_settled = true;
  if (step.pace) {
    all_settled = send_paced(step, shared, send, wait_until) &&
                  wait_until([&] { return shared.settled.size() == x.sent.size(); });
  } else if (step.concurrent) {
    for (const auto& f : x.sent) send(f);
    all_settled = wait_until([&] { return shared.settled.size() == x.sent.size(); });
  } else {
    for (const auto& f : x.sent) {
      send(f);
      all_settled = wait_until([&] { return shared.settled.contains(f.sequence_number); });
      if (!all_settled) break;
    }
  }
  if (all_settled) {
    client.end();
    wait_until([&] { return x.complete.has_value(); });
  }
  client.close();  // no handler runs after this: `x` is ours alone
  if (!all_settled && x.lost.empty()) {
    x.lost = fmt::format("{} of {} fragment(s) answered within {:.0f}s", shared.settled.size(), x.sent.size(),
                         std::chrono::duration<double>(step.timeout).count());
  }
  progress.done(fmt::format("{} answered", x.results.size()));
}

// The dubbed fragments, put back together in sequence order, as <artifacts>/<stream>-dubbed.wav;
// returns ", dubbed audio in FILE" (or "" when nothing was saved).
std::string save_dubbed(const StsExchange& x, const fs::path& artifacts) {
  if (artifacts.empty() || x.results.empty()) return {};
  auto name = x.config.stream_id;
  std::replace(name.begin(), name.end(), '/', '_');
  const auto file = artifacts / (name + "-dubbed.wav");
  fs::create_directories(file.parent_path());
  dub::wav::write(file.string(), reassemble(x), x.config.sample_rate, x.config.channels);
  return fmt::format(", dubbed audio in {}", file.string());
}

}  // namespace

std::string drive_sts(const StsDriveStep& step, const fs::path& fixture, const fs::path& root,
                      const fs::path& artifacts, Properties& properties, const std::function<void()>& poll) {
  if (!fs::exists(fixture)) {
    throw dub::Error(
        fmt::format("fixture not found: {} (bundled fixtures are in fixtures/test_streams/; regenerate them with "
                    "scripts/make-fixtures)",
                    fixture.string()));
  }
  nlohmann::json sidecar;
  if (!step.expect.reference.empty()) sidecar = read_sidecar(root / step.expect.reference);
  StsExchange x;
  prepare(step, fixture, x);
  Shared shared;
  shared.x = &x;
  shared.resend_on_backpressure = step.pace.has_value();
  dub::sts::SocketIoOptions options;
  options.url = step.url;
  options.auth_token = step.auth_token;
  dub::sts::SocketIoStsClient client(options);
  open_stream(step, client, shared, properties);
  exchange(step, client, shared, poll);

  auto problems = protocol_problems(x);
  const auto expected = expectation_problems(step.expect, x, sidecar, properties);
  problems.insert(problems.end(), expected.begin(), expected.end());
  const auto saved = save_dubbed(x, artifacts);
  if (!problems.empty()) {
    throw dub::Error(fmt::format("STS answers do not match{}:\n  - {}", saved, fmt::join(problems, "\n  - ")));
  }
  const auto refused = x.backpressure.empty()
                           ? std::string()
                           : fmt::format(" ({} BACKPRESSURE refusal(s), each sent again)", x.backpressure.size());
  return fmt::format(
      "{} fragment(s) of {:.1f}s answered in order{}, round trip median {:.0f} ms / max {:.0f} ms, "
      "heard {}{}",
      x.results.size(), std::chrono::duration<double>(step.fragment).count(), refused, median(x.round_trip_ms),
      max_of(x.round_trip_ms), quoted_or_nothing(joined(in_sequence(x), &dub::sts::StsResult::transcript)), saved);
}

}  // namespace dubctl
