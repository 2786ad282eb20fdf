#pragma once
// Packet-level tools with libav (no decoding, no re-encoding, no ffmpeg subprocess): copying one
// or more files into one file, and lining up two files that carry the same video bitstream.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dub::media {

struct RemuxOptions {
  bool faststart = true;      // .mp4/.mov outputs: the index (moov) before the media, for playback while loading
  double max_duration_s = 0;  // > 0: stop after this much media time (from the first packet)
  // > 0: start as a reader joining a live stream this far in does: packets presented before it are
  // dropped, and video packets until its first keyframe from there on (a reader that joins mid-GOP
  // keeps the audio from the join and the picture from the next keyframe).
  double join_at_s = 0;
};

struct RemuxResult {
  std::size_t inputs = 0;
  long long packets = 0;
  double start_s = 0;     // earliest presentation time written
  double end_s = 0;       // latest packet end written
  double duration_s = 0;  // end_s - start_s
  // What was added to each input's timestamps (seconds), in input order: 0 for the first.
  std::vector<double> input_offsets_s;
};

// Copies the audio and video packets of `inputs`, in order, into `output` (container chosen from
// its extension). Every input must hold the same audio/video streams (same order, types and
// codecs) as the first; input k+1 is shifted to start where input k ended, so recording segments
// (MediaMTX writes one file per segment) become one continuous file. Timestamps, keyframe flags and
// payloads are kept as they are. Throws dub::Error naming the input or output on any failure.
RemuxResult remux(const std::vector<std::string>& inputs, const std::string& output, const RemuxOptions& options = {});

// One packet as stored (no decoding): enough to prove two files carry the same bitstream.
struct PacketInfo {
  int stream = -1;     // stream index in its file
  bool video = false;  // else audio (other streams are not listed)
  bool keyframe = false;
  double pts_s = 0;  // presentation time (decode time when the packet has no PTS)
  double duration_s = 0;
  int size = 0;
  std::size_t hash = 0;  // of the payload
};

// The audio and video packets of `source` in file order. Throws dub::Error when it cannot be read.
std::vector<PacketInfo> list_packets(const std::string& source);

struct VideoAlignment {
  bool found = false;
  double offset_s = 0;       // reference time = other time + offset_s
  std::size_t matched = 0;   // video packets of `other` that voted for offset_s
  std::size_t compared = 0;  // video packets of `other` looked up
};

// Lines up two files that carry the same video bitstream (the media service passes H.264 through
// untouched): looks up the payload of each of the first `max_packets` video packets of `other` among
// the video packets of `reference` and returns the timestamp offset most of them agree on. `found`
// is false when no packet payload is shared. Throws dub::Error when a file cannot be read.
VideoAlignment align_video(const std::string& reference, const std::string& other, std::size_t max_packets = 500);

}  // namespace dub::media
