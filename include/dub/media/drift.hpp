#pragma once
// A/V timing analysis of a media file or URL with libav: reads every packet, decodes the audio to
// count its samples, and measures how far the audio and video timelines drift apart.
//
// For each stream, a packet's "offset" is its PTS minus where the stream's own content says it
// should be: for audio, stream start + samples before it / sample rate; for video, stream start +
// frame index / nominal frame rate. Audio/video drift at video frame i is
//   (audio start - video start) + audio offset at that content time - video offset of frame i
// i.e. how much later (positive) the audio plays than the picture it was recorded with, assuming
// both started together at the source (true for dubctl's fixtures and for media-service output).
// A gap in the audio timestamps (missing samples) or dropped video frames show up as drift.
//
// Limitation: encoder priming (e.g. AAC's 1024 samples) is not visible in packet timestamps of
// containers without edit lists (FLV); it adds a constant ~21 ms at 48 kHz not counted here.
#include <cstdint>
#include <string>
#include <vector>

namespace dub::media {

struct StreamTiming {
  bool present = false;
  int index = -1;
  std::string codec;
  std::uint64_t packets = 0;  // packets (video) or decoded frames (audio)
  double start_s = 0;         // first PTS
  double end_s = 0;           // last PTS + its duration
  double duration_s = 0;      // end_s - start_s
  double max_abs_offset_s = 0;  // largest |offset| (see above)
  double max_gap_s = 0;       // largest hole between consecutive packets (PTS order)
  std::uint64_t samples = 0;  // audio: decoded samples per channel
  int sample_rate = 0;        // audio
  double frame_rate = 0;      // video: nominal rate used for offsets
};

struct DriftPoint {
  double t_s = 0;      // video PTS (relative to the earlier stream start)
  double drift_s = 0;  // audio minus video, see above
};

struct DriftReport {
  std::string source;
  StreamTiming audio;
  StreamTiming video;
  double start_offset_s = 0;  // audio start - video start
  double end_offset_s = 0;    // audio end - video end
  double max_abs_drift_s = 0;
  double mean_abs_drift_s = 0;
  double duration_s = 0;      // from the earliest start to the latest end
  std::vector<DriftPoint> series;  // one point per video frame (thinned to `max_points`)
};

struct DriftOptions {
  double timeout_s = 10.0;      // network sources
  bool rtsp_tcp = true;
  double max_read_s = 0;        // stop after this much media time (0 = whole input)
  std::size_t max_points = 2000;
};

// Throws dub::Error naming the source when it cannot be opened or read, or has neither stream.
DriftReport analyze_drift(const std::string& source, const DriftOptions& options = {});

}  // namespace dub::media
