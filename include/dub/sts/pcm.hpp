#pragma once
// The one s16le PCM codec (signed 16-bit, little-endian, interleaved), the protocol's audio
// format: bytes <-> samples, and samples <-> float in [-1, 1). Shared with the service
// (sts_service.audio: decode_pcm / encode_pcm) and checked on both sides by
// docs/protocol/vectors/pcm_s16le.json.
#include <cstdint>
#include <span>
#include <vector>

namespace dub::sts::pcm {

// Samples -> bytes (little-endian whatever the host's byte order).
std::vector<std::uint8_t> encode_s16le(std::span<const std::int16_t> samples);
// Bytes -> samples; throws dub::Error when the byte count is odd.
std::vector<std::int16_t> decode_s16le(std::span<const std::uint8_t> bytes);
// One sample of `bytes` (index in samples, not bytes).
std::int16_t sample_at(std::span<const std::uint8_t> bytes, std::size_t index);

// sample / 32768.
float to_float(std::int16_t sample);
// round(clamp(x, -1, 32767/32768) * 32768): the inverse of to_float for every sample.
std::int16_t from_float(float x);

}  // namespace dub::sts::pcm
