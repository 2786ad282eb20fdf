#pragma once
// Minimal 16-bit PCM WAV writer (the media service's SEGMENT_DIR dumps, dubctl's reassembled STS
// audio). In dub_base, not dub_media: it needs no libav, and both binaries use it.
#include <cstdint>
#include <span>
#include <string>

namespace dub::wav {

// Writes interleaved s16 samples. Throws dub::Error naming the path on I/O failure.
void write(const std::string& path, std::span<const std::int16_t> samples, int sample_rate, int channels);

}  // namespace dub::wav
