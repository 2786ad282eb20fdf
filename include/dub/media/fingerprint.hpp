#pragma once
// Audio fingerprints (Chromaprint) and how alike two of them are: the proof that the output's
// audio is not the input's (FR-024), measured rather than assumed.
#include <cstdint>
#include <string>
#include <vector>

namespace dub::media {

struct Fingerprint {
  std::vector<std::uint32_t> raw;  // Chromaprint raw fingerprint, one item per ~0.124 s
  double duration_s = 0;           // audio decoded
  double item_s = 0;               // time between consecutive items (Chromaprint's hop)
  int sample_rate = 0;
};

// Decodes the first audio stream of `source` (up to `max_seconds`, 0 = all) and fingerprints it.
// Throws dub::Error when there is no audio stream or decoding fails.
Fingerprint fingerprint(const std::string& source, double max_seconds = 0);

// Fingerprint of interleaved 16-bit PCM.
Fingerprint fingerprint_pcm(const std::vector<std::int16_t>& samples, int sample_rate, int channels);

// 1 - bit error rate of the best alignment within +-max_offset items: 1.0 identical, about 0.5
// unrelated audio. Returns 0 when either fingerprint is empty.
double similarity(const Fingerprint& a, const Fingerprint& b, int max_offset = 8);

}  // namespace dub::media
