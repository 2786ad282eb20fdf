#pragma once
// Media probing with libav (no shelling out): what streams a file or URL holds,
// their codecs, profiles, language tags, sample rates, durations and (on request) packet counts.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dub::media {

enum class StreamType { Video, Audio, Other };

struct StreamInfo {
  int index = -1;
  StreamType type = StreamType::Other;
  std::string codec;      // libav codec name: "h264", "aac", ...
  std::string profile;    // libav profile name: "High", "LC", ...; empty when it names none
  std::string language;   // the "language" tag, empty when absent
  int sample_rate = 0;    // audio only
  int channels = 0;       // audio only
  int width = 0;          // video only
  int height = 0;         // video only
  double frame_rate = 0;  // video only, average frames per second
  int has_b_frames = 0;   // video only: frames of reordering delay (0: no B-frames)
  double start_s = 0;     // the stream's first timestamp; 0 when unknown
  double duration_s = 0;  // from the container; 0 when unknown
  int64_t packets = -1;   // with ProbeOptions::count_packets (one per frame for H.264 and AAC); -1 not counted
};

struct MediaInfo {
  std::string source;     // path or URL as given
  std::string container;  // libav demuxer name: "mov,mp4,m4a,3gp,3g2,mj2", "flv", ...
  double duration_s = 0;  // container duration; 0 when unknown (live streams)
  double start_s = 0;     // container start time (first timestamp); 0 when unknown
  // With ProbeOptions::count_packets: from the container's start to the latest packet's end, as
  // read (-1: not read). A fragmented MP4 whose track starts late (MediaMTX's recording of a stream
  // whose picture began after its sound) can say more in its header than its packets hold.
  double packet_span_s = -1;
  // How much media the file really holds: duration minus a leading offset (a recording that
  // starts at t=3 s and ends at 30 s holds 27 s, though its container says 30); from the packets
  // themselves when they were read.
  [[nodiscard]] double span_s() const { return packet_span_s >= 0 ? packet_span_s : duration_s - start_s; }
  std::vector<StreamInfo> streams;

  // The first stream of the given type, or nullptr.
  [[nodiscard]] const StreamInfo* first(StreamType type) const;
  [[nodiscard]] bool has(StreamType type) const { return first(type) != nullptr; }
};

struct ProbeOptions {
  // For network sources: how long to wait for the source to answer.
  double timeout_s = 10.0;
  // Force RTSP over TCP (what MediaMTX is configured for).
  bool rtsp_tcp = true;
  // Read every packet to count them per stream (StreamInfo::packets) and measure their span
  // (MediaInfo::packet_span_s): a file is read whole, a live URL until its stream ends.
  bool count_packets = false;
};

// Opens `source` (file path or URL) and reads its stream headers.
// Throws dub::Error naming the source and libav's reason when it cannot be opened.
MediaInfo probe(const std::string& source, const ProbeOptions& options = {});

std::string_view to_string(StreamType type);

}  // namespace dub::media
