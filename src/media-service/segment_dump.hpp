#pragma once
// SEGMENT_DIR: each fragment as <dir>/<stream id>/<sequence>-{in,out}.wav, for inspection.
// A failed write is logged, never fatal.
#include <cstdint>
#include <span>
#include <string>

namespace dub::media_service {

void dump_fragment_wav(const std::string& dir, const std::string& stream, std::uint64_t sequence, const char* side,
                       std::span<const std::int16_t> samples, int sample_rate, int channels);

}  // namespace dub::media_service
