#pragma once
// A/V timing analysis of a media file or URL with libav: reads every packet, decodes the audio to
// count its samples, and measures how far the audio and video timelines drift apart.
//
// For each stream, a packet's "offset" is its PTS minus where the stream's own content says it
// should be: for audio, stream start + samples before it / sample rate; for video, stream start +
// frame index / nominal frame rate. Audio/video drift at video frame i is
//   (audio start - video start) + audio offset at that content time - video offset of frame i
// i.e. how much later (positive) the audio plays than the picture it was recorded with, assuming
// both started together at the source (true for dubctl's fixtures and for media-service output),
// or as far apart as DriftOptions::source_start_offset_s says (a reader that joined mid-GOP).
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
  std::uint64_t packets = 0;       // packets (video) or decoded frames (audio)
  double start_s = 0;              // first PTS
  double end_s = 0;                // last PTS + its duration
  double duration_s = 0;           // end_s - start_s
  double max_abs_offset_s = 0;     // largest |offset| (see above)
  double max_gap_s = 0;            // largest hole between consecutive packets (PTS order)
  std::uint64_t samples = 0;       // audio: decoded samples per channel
  int sample_rate = 0;             // audio
  double frame_rate = 0;           // video: nominal rate used for offsets
  std::size_t reorder_frames = 0;  // video: how far presentation order strays from decode order
                                   // (B-frames); the last this many pictures are not in the offsets
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
  // How fast the drift grows: the least-squares slope of drift against time, in ms per minute of
  // media (0 for a constant offset, however large; a clock that runs 0.1 % slow reads 60).
  double drift_trend_ms_per_min = 0;
  double duration_s = 0;           // from the earliest start to the latest end
  std::vector<DriftPoint> series;  // one point per video frame (thinned to `max_points`)
};

struct DriftOptions {
  double timeout_s = 10.0;  // network sources
  bool rtsp_tcp = true;
  double max_read_s = 0;  // stop after this much media time (0 = whole input)
  std::size_t max_points = 2000;
  // Audio start - video start at the source, subtracted from every drift figure. 0: both started
  // together (a stream read from its first packet). A reader that joins a live stream mid-GOP gets
  // its picture from the next keyframe, later than its sound: that start is not drift.
  double source_start_offset_s = 0;
};

// Throws dub::Error naming the source when it cannot be opened or read, or has neither stream.
DriftReport analyze_drift(const std::string& source, const DriftOptions& options = {});

// The frame rate a video's frames are timed on, from the stream's average rate and its base rate
// (libav's avg_frame_rate, r_frame_rate; 0 when unknown): the base rate when the two agree within 1%,
// else the average. An MP4 with B-frames can state its video a few frames shorter than they span
// (25.067 fps averaged for 25), which read as an offset growing to 80 ms over 30 s.
double timing_frame_rate(double average_fps, double base_fps);

// Content-based A/V sync for media made from fixtures/test_streams (see its README): the picture
// shows a white box in the top right corner from the instant each counted word starts. Decodes
// both streams and pairs each box appearance (video PTS of the first frame with the box) with the
// nearest audio onset (first 1 ms block above `audio_threshold` after at least `min_silence_s` of
// quiet). offset = audio onset - box appearance: positive when the sound is late.
// Only meaningful while the audio is the original (or echoed) speech, not a dub.
struct MarkerSyncOptions {
  // Box region as fractions of the frame (left, top, right, bottom).
  double box_left = 5.0 / 6.0;
  double box_top = 1.0 / 30.0;
  double box_right = 29.0 / 30.0;
  double box_bottom = 1.0 / 6.0;
  double audio_threshold = 0.02;  // of full scale
  // Quiet before an onset. The counting words are at least 0.24 s apart ("twenty-seven" ends 26.877 s,
  // "twenty-eight" starts 27.120 s); 0.3 missed the onsets after the four longest words.
  double min_silence_s = 0.2;
  double max_pair_s = 0.5;  // a box with no onset this close is not paired
};

struct MarkerPair {
  double video_s = 0;
  double audio_s = 0;
  double offset_s = 0;
};

struct MarkerSyncReport {
  std::size_t video_markers = 0;
  std::size_t audio_onsets = 0;
  std::vector<MarkerPair> pairs;
  double mean_offset_s = 0;
  double max_abs_offset_s = 0;
};

// Throws dub::Error when the source cannot be read or lacks audio or video.
MarkerSyncReport analyze_marker_sync(const std::string& source, const MarkerSyncOptions& options = {});

}  // namespace dub::media
