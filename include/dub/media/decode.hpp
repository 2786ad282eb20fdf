#pragma once
// Decoding a file's or stream's first audio track to interleaved 16-bit PCM with libav.
#include <cstdint>
#include <string>
#include <vector>

namespace dub::media {

struct Pcm {
  std::vector<std::int16_t> samples;  // interleaved
  int sample_rate = 0;
  int channels = 0;
  [[nodiscard]] std::size_t frames() const {
    return channels > 0 ? samples.size() / static_cast<std::size_t>(channels) : 0;
  }
  [[nodiscard]] double duration_s() const { return sample_rate > 0 ? static_cast<double>(frames()) / sample_rate : 0; }
};

// Decodes up to `max_seconds` (0 = all) of the first audio stream, converted to `sample_rate`
// and `channels` (0 = keep the source's). Throws dub::Error when there is no audio stream.
Pcm decode_audio(const std::string& source, int sample_rate = 0, int channels = 0, double max_seconds = 0);

}  // namespace dub::media
