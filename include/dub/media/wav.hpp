#pragma once
// Minimal 16-bit PCM WAV writer (the media service's SEGMENT_DIR dumps, dubctl's reassembled STS audio).
#include <cstdint>
#include <span>
#include <string>

namespace dub::media {

// Writes interleaved s16 samples. Throws dub::Error naming the path on I/O failure.
void write_wav(const std::string& path, std::span<const std::int16_t> samples, int sample_rate, int channels);

}  // namespace dub::media
