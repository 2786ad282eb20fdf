#pragma once
// Minimal 16-bit PCM WAV writer (for SEGMENT_DIR fragment dumps).
#include <cstdint>
#include <span>
#include <string>

namespace dub::media_service {

// Writes interleaved s16 samples. Throws dub::Error naming the path on I/O failure.
void write_wav(const std::string& path, std::span<const std::int16_t> samples, int sample_rate, int channels);

}  // namespace dub::media_service
