#pragma once
// Publishing and recording streams with libav, in-process (no ffmpeg subprocess):
// remux only, never re-encode, so what goes out is exactly the fixture's bitstream.
#include <atomic>
#include <chrono>
#include <functional>
#include <string>

namespace dub::media {

struct PublishOptions {
  bool realtime = true;                             // pace packets on their timestamps (a live source)
  double speed = 1.0;                               // with realtime: times real time (10 = a 10x flood)
  double stop_after_s = 0;                          // > 0: stop after this much media time (a source cut mid-stream)
  double timeout_s = 10.0;                          // connect / write timeout for network outputs
  const std::atomic<bool>* cancel = nullptr;        // set to true to stop early
  std::function<void(double media_s)> on_progress;  // called about once a second
  std::function<void()> on_started;                 // the output accepted the stream (header written)
};

struct PublishResult {
  double media_s = 0;  // media time sent
  double wall_s = 0;   // wall-clock time it took
  long long packets = 0;
  bool cancelled = false;
};

// Sends `input` (a file) to `output_url` (rtsp:// over TCP, rtmp://, or a file path; the
// muxer is chosen from the scheme). Throws dub::Error naming the input or output on failure.
PublishResult publish(const std::string& input, const std::string& output_url, const PublishOptions& options = {});

struct RecordOptions {
  double timeout_s = 15.0;      // how long to wait for the source to appear / answer
  double idle_timeout_s = 5.0;  // stop when no packet arrives for this long (end of a live stream)
  double max_duration_s = 0;    // > 0: stop after this much media time
  // Start at the first video keyframe, dropping audio before it, as a player joining a live
  // stream shows it: a reader that joins mid-GOP otherwise gets audio first and video later.
  bool start_at_keyframe = true;
  const std::atomic<bool>* cancel = nullptr;
};

struct RecordResult {
  double media_s = 0;
  double skipped_s = 0;  // media dropped before the first video keyframe (start_at_keyframe)
  long long packets = 0;
  bool ended_by_eof = false;  // the source closed (vs idle timeout / cancel)
};

// Copies the streams of `source_url` into `output_file` (container from the file extension,
// e.g. .mp4 with faststart) until the source ends, goes idle, or is cancelled.
RecordResult record(const std::string& source_url, const std::string& output_file, const RecordOptions& options = {});

// libav prints warnings to stderr by default; the tools keep it to errors unless asked.
void set_libav_verbose(bool verbose);

}  // namespace dub::media
