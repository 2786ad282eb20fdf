#pragma once
// The options of the built-in step kinds (steps/*.cpp), as parsed from a scenario; strings may hold
// ${...} until the runner expands them, once, just before the step runs. A kind nobody else needs
// to see may keep its options in its own file instead.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "content_sync.hpp"
#include "log_fields.hpp"
#include "loudness.hpp"
#include "scenario.hpp"

namespace dubctl {

struct UpStep {
  std::vector<std::string> stacks;
  Duration timeout{std::chrono::seconds(120)};
  // SC-006: each stack, started cold by this step, healthy at most this long after `compose up`
  // (a stack the session reused fails it: its start was not timed).
  std::optional<Duration> max_healthy;
};

struct DownStep {
  std::vector<std::string> stacks;
};

struct WaitHttpStep {
  std::string url;
  int status = 200;
  std::string body_contains;  // optional
  Duration timeout{std::chrono::seconds(30)};
};

// Where a key of a scenario file is, for a problem found once every step is parsed.
struct KeyAt {
  int line = 0;     // 1-based
  std::string key;  // "steps[7].verify.expect.duration_s"
};

struct Expectation {
  std::optional<int> streams;
  std::optional<std::string> video_codec;
  std::optional<std::string> audio_codec;
  std::optional<bool> has_audio;
  std::optional<int> sample_rate;
  std::optional<std::string> audio_language;
  std::optional<double> duration_s;
  // `duration_s: input`: what the scenario's publish step sent instead of a constant (input_duration.hpp),
  // and where that is written.
  std::optional<KeyAt> duration_of_input;
  double duration_tolerance_s = 0.5;
  std::optional<double> max_drift_ms;  // A/V drift from packet timestamps, everywhere in the media
  // How far any video frame's PTS may be from its place on the frame grid (start + index / rate):
  // frames squashed onto one time, or frames lost, read as that far off (drift.hpp's video offset).
  std::optional<double> max_frame_offset_ms;
  std::optional<double> max_drift_trend_ms_per_min;  // |drift growth| bound (soak: drift must not grow)
  // A/V sync from the picture's word markers against the audio's onsets (content_sync.hpp).
  std::optional<ContentSyncExpect> content_sync;
  std::string unlike;           // a file whose audio this media's audio must differ from (FR-024)
  double max_similarity = 0.8;  // Chromaprint similarity above which the audio counts as the same
  // EBU R128 loudness and peaks against the original: audible and clean (loudness.hpp).
  std::optional<LoudnessExpect> loudness;
};

struct VerifyMediaStep {
  std::string source;  // a path (relative to the project root) or URL; ${...} expanded at run time
  Expectation expect;
  std::string golden;  // a golden descriptor file (golden.hpp), relative to the project root; "" none
};

struct PublishStep {
  std::string fixture;  // a name under fixtures/test_streams/, or a path relative to the project root
  std::string to = "${stream.in}";
  bool background = true;      // go on with the next steps while the fixture plays
  bool realtime = true;        // pace packets like a live source
  std::optional<double> pace;  // with realtime: times real time (`pace: 10x`, a client flooding)
  Duration stop_after{0};      // > 0: cut the source after this much media (a source disconnect)
  // > 0: once MediaMTX accepted the stream, hold the media until its path has a reader (the
  // media-service worker), at most this long, so the pipeline sees the stream from its first
  // keyframe; like an encoder that goes live on the go-ahead. Fails the step when nobody reads.
  Duration wait_reader{0};
  std::string mediamtx_api = "${mediamtx.api}";
};

// Waits until every background task of a kind has ended: "publish" (the fixture was sent
// whole), "record" (the recorded stream ended) or "fault" (a delayed fault step has acted).
struct WaitPublishStep {
  std::string what = "publish";
  Duration timeout{std::chrono::seconds(60)};
};

// Records a stream (e.g. the dubbed output) into a file under the scenario's artifacts, in the
// background, until the stream ends or stays idle for `idle_timeout`.
struct RecordStep {
  std::string from;                            // rtsp:// or rtmp:// URL
  std::string to = "dubbed.mp4";               // relative to <artifacts>/<scenario>/
  Duration timeout{std::chrono::seconds(30)};  // how long the stream may take to appear
  Duration idle_timeout{std::chrono::seconds(5)};
};

// Starts watching the STS /monitor namespace (before publishing, so nothing is missed).
struct MonitorStep {
  std::string sts_url = "${sts.url}";
  std::string auth_token = "${STS_AUTH_TOKEN:-}";  // `token:`, as the sts step's (StsDriveStep)
};

// Waits until STS has processed `count` fragments of `stream`.
struct WaitFragmentsStep {
  std::string stream = "${stream}";
  int count = 1;
  Duration timeout{std::chrono::seconds(120)};
};

// What STS reported for a stream: how many fragments, their status and order, real transcripts
// (word error rate against a fixture's sidecar) and translations, and that the audio was dubbed.
struct VerifyFragmentsStep {
  std::string stream = "${stream}";
  std::optional<int> count;  // exactly this many fragments
  // With `count`: one more, last fragment at most this long is the source's remainder (a live source
  // ends where its last audio frame ends, e.g. 16 ms past 30 s), counted apart as the tail.
  std::optional<Duration> tail;
  std::optional<int> min_count;         // at least this many (a short tail fragment may follow the full ones)
  std::string status = "success";       // every fragment must have it ("any": no check)
  std::string reference;                // fixture sidecar (.json) with `transcript` and `expected_translation_es`
  std::optional<double> max_wer;        // word error rate of all transcripts against the reference
  double min_translation_coverage = 0;  // share of the reference's Spanish words found in the translations
  bool dubbed = true;                   // dubbed audio differs from the input (sha256) in every fragment
  // Receipt to answer in STS (queue_time_ms + processing_time_ms) of every fragment at most this.
  std::optional<Duration> max_processing;
};

// Listens to a recording with an independent judge (heard.hpp): Whisper, multilingual, in its own
// container (`python -m dub_judge` in the STS image, not the STS service under test). Per window of
// `window` (the pipeline's fragments) the question is "the dub's language or the original's?": the
// judge's confidence p(language) / (p(language) + p(passthrough_language)) must reach `min_confidence`
// in every dubbed window, and the other way round in a window the media service passed through
// (original audio). With a `reference` sidecar, a window where the original has speech must not be
// silent, and the heard Spanish must hold `min_coverage` of the sidecar's expected Spanish words.
struct VerifyHeardStep {
  std::string media;                           // a recording file or a folder of segments (joined); ${...} expanded
  std::string language = "es";                 // what every dubbed window must be heard as
  double min_confidence = 0.8;                 // p(language) / (p(language) + p(passthrough_language)), per window
  std::string passthrough_language;            // default: the reference's `language`, else "en"
  std::string reference;                       // fixture sidecar (.json) with segments_6s and expected Spanish
  double min_coverage = 0;                     // share of the expected Spanish words heard in the dubbed windows
  std::optional<Duration> window;              // default: the reference's segment_duration_s, else 6 s
  std::string media_service = "${media.api}";  // which windows were passed through
  std::string stream = "${stream}";
  std::string image = "dubctl/sts-service:dev";  // where dub_judge and the Whisper weights are
  std::string model = "base";
  Duration timeout{std::chrono::seconds(120)};
};

// Waits for a line in a stack's container logs (`compose logs`) logged since the scenario started
// (log_wait.hpp).
struct WaitLogStep {
  std::string pattern;                   // a substring, or /an ECMAScript regex/; ${...} expanded at run time
  std::optional<LogFieldsMatch> fields;  // instead of `pattern`: a JSON line matched by field (log_fields.hpp)
  std::string stack;                     // media or sts
  std::string service;                   // a compose service of that stack; empty: all of them
  Duration timeout{std::chrono::seconds(30)};
};

// Drives the STS service directly over Socket.IO, no media service (sts_drive.hpp): a fixture's
// audio cut into consecutive fragments, sent one at a time or all at once, every answer checked.
struct StsDriveStep {
  std::string url = "${sts.url}";
  std::string fixture;  // a name under fixtures/test_streams/, or a path relative to the project root
  Duration fragment{std::chrono::seconds(6)};  // fragment length (the last one may be shorter)
  bool concurrent = false;                     // all fragments in flight together (else one at a time)
  // `pace: 10x` (with `concurrent`): fragment i goes out i * fragment / pace after the first rather
  // than all at once, a live source faster than real time; one refused with BACKPRESSURE goes again
  // after the next answer, before any later one (docs/protocol.md 4.3).
  std::optional<double> pace;
  int repeat = 1;  // the fixture's audio this many times over, in one stream
  int sample_rate = 48000;
  int channels = 1;
  std::string source_language = "en";
  std::string target_language = "es";
  std::string stream = "${stream}";  // stream_id
  Duration timeout{std::chrono::seconds(120)};
  // `token:`, sent as {"token": ...} in the Socket.IO CONNECT; "" sends none. Default: the run's
  // STS_AUTH_TOKEN (--env, a stack's env, the environment), as the media service sends it.
  std::string auth_token = "${STS_AUTH_TOKEN:-}";
  struct Expect {
    std::string status = "success";  // every fragment must have it ("any": no check)
    std::optional<int> fragments;    // exactly this many fragments sent and answered
    std::optional<int> min_fragments;
    std::vector<std::string> transcript_contains;   // words or phrases, in the joined transcripts
    std::vector<std::string> translation_contains;  // same, in the joined translations
    std::string reference;                          // fixture sidecar (.json), as in verify fragments
    std::optional<double> max_wer;
    double min_translation_coverage = 0;
    bool dubbed = true;                      // every fragment's dubbed audio differs from its input
    bool no_speech = false;                  // every transcript and translation empty, dubbed audio silent
    std::optional<int> min_inflight;         // STS acknowledged this many fragments in flight at once
    std::optional<int> min_backpressure;     // with `pace`: at least this many BACKPRESSURE refusals
    std::optional<Duration> max_processing;  // processing_time_ms of every fragment
  } expect;
};

// Injects a fault into a running stack with its compose tool (fault.hpp): `kill` (SIGKILL, like a
// crash), `stop` (SIGTERM, SIGKILL after 10 s), `start` (a stopped or killed service again) or
// `restart`. With `after`, the action happens that long after the step starts, in the background
// (`wait: {fault: done}` waits for it); without, now. start/restart wait until the service is
// running and healthy again, at most `timeout`. The stack is then disturbed: its next `up` starts it
// afresh.
struct FaultStep {
  std::string stack;    // media or sts
  std::string service;  // a compose service of that stack
  std::string action;   // kill, stop, start, restart
  Duration after{0};
  Duration timeout{std::chrono::seconds(120)};
};

// No process of a running container of these stacks runs as root (containers.hpp: `docker top`).
struct VerifyNonRootStep {
  std::vector<std::string> stacks;  // media and/or sts, each declared and up
};

// One run of consecutive fragments in a worker's record (worker_check.hpp): `state` dubbed (dubbed
// or partial audio went out), passthrough or any; `reason` a passthrough_reason (implies passthrough).
struct FragmentPhase {
  std::string state = "dubbed";
  std::string reason;
  int min = 1;
  std::optional<int> max;
};

// What the media service says about a stream's worker (GET /v1/streams/<stream>), checked by type
// once the worker has finished (worker_check.hpp).
struct VerifyWorkerStep {
  std::string media_service = "${media.api}";
  std::string stream = "${stream}";
  std::vector<std::string> state;  // the final state is one of these (empty: any)
  std::string error_contains;      // in the worker's `error`
  std::string end_reason_contains;
  std::optional<int> min_fragments;
  bool all_published = true;             // every fragment reached the output
  std::vector<FragmentPhase> phases;     // the fragments in order fall into these runs (empty: no check)
  std::optional<int> min_reconnections;  // sts.reconnections: the STS link was reopened this often
  // US1-3: every fragment's round trip as the media service measured it (sent -> dubbed audio back,
  // `latency_ms`) at most this; a fragment that timed out waiting for its answer fails it too.
  std::optional<Duration> max_round_trip;
  // At most this many fragments went out with their original audio (passthrough, any reason), as
  // the media service recorded them (its fragments' `state`, its `output_stats.fragments_passthrough`).
  std::optional<int> max_passthrough;
  // US1-5: every fragment pushed to the output (RTMP) at most this long after its audio was final
  // (dubbed audio back, or passthrough decided), as the media service measured it (`output_delay_ms`).
  std::optional<Duration> max_output_delay;
  // End to end: a video frame's arrival at the input to its render time at the output, at most this
  // (the media service's `output_stats.output_lag_max_s`); bounded, the output keeps up with the input.
  std::optional<Duration> max_output_lag;
  // Flow control toward the STS, as the media service recorded it (its `sts.peak_in_flight` and
  // `sts.peak_queued`): never more than `max_in_flight` fragments sent and unanswered at once, and at
  // least `min_queued` fragments at some moment waiting for a slot (a flood that met the limit).
  std::optional<int> max_in_flight;
  std::optional<int> min_queued;
  // US1-1: the worker read its first packet (`input_at`) at most this long after the scenario's
  // publish step sent its first (without wait_reader: the worker joining the live stream).
  std::optional<Duration> max_ingest;
  Duration timeout{std::chrono::seconds(60)};  // for the worker to finish
};

}  // namespace dubctl
