#pragma once
// Transitional: the WAV writer moved to dub_base as dub::wav::write ("dub/util/wav.hpp"), so that
// the media service can write WAV files without linking dub_media. Remove once no caller uses it.
#include <cstdint>
#include <span>
#include <string>

#include "dub/util/wav.hpp"

namespace dub::media {

inline void write_wav(const std::string& path, std::span<const std::int16_t> samples, int sample_rate, int channels) {
  wav::write(path, samples, sample_rate, channels);
}

}  // namespace dub::media
