#include "dub/media/fingerprint.hpp"

#include <chromaprint.h>
#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <memory>
#include <string>

#include "dub/media/decode.hpp"
#include "dub/util/error.hpp"

namespace dub::media {

namespace {

struct ChromaprintFree {
  void operator()(ChromaprintContext* c) const { chromaprint_free(c); }
};

}  // namespace

Fingerprint fingerprint_pcm(const std::vector<std::int16_t>& samples, int sample_rate, int channels) {
  if (sample_rate <= 0 || channels <= 0) throw Error("fingerprint: bad sample rate or channel count");
  std::unique_ptr<ChromaprintContext, ChromaprintFree> ctx(chromaprint_new(CHROMAPRINT_ALGORITHM_DEFAULT));
  if (!chromaprint_start(ctx.get(), sample_rate, channels)) throw Error("chromaprint_start failed");
  if (!samples.empty() && !chromaprint_feed(ctx.get(), samples.data(), static_cast<int>(samples.size()))) {
    throw Error("chromaprint_feed failed");
  }
  if (!chromaprint_finish(ctx.get())) throw Error("chromaprint_finish failed");
  Fingerprint fp;
  fp.sample_rate = sample_rate;
  fp.duration_s = static_cast<double>(samples.size()) / channels / sample_rate;
  fp.item_s = chromaprint_get_item_duration_ms(ctx.get()) / 1000.0;
  std::uint32_t* raw = nullptr;
  int size = 0;
  if (chromaprint_get_raw_fingerprint(ctx.get(), &raw, &size) && raw != nullptr) {
    fp.raw.assign(raw, raw + size);
    chromaprint_dealloc(raw);
  }
  return fp;
}

Fingerprint fingerprint(const std::string& source, double max_seconds) {
  const Pcm pcm = decode_audio(source, 0, 1, max_seconds);  // mono at the source rate
  return fingerprint_pcm(pcm.samples, pcm.sample_rate, 1);
}

double similarity(const Fingerprint& a, const Fingerprint& b, int max_offset) {
  if (a.raw.empty() || b.raw.empty()) return 0;
  double best = 0;
  for (int offset = -max_offset; offset <= max_offset; ++offset) {
    std::size_t bits = 0;
    std::size_t differing = 0;
    for (std::size_t i = 0; i < a.raw.size(); ++i) {
      const auto j = static_cast<std::ptrdiff_t>(i) + offset;
      if (j < 0 || j >= static_cast<std::ptrdiff_t>(b.raw.size())) continue;
      differing += static_cast<std::size_t>(std::popcount(a.raw[i] ^ b.raw[static_cast<std::size_t>(j)]));
      bits += 32;
    }
    // Require a real overlap: at least half of the shorter fingerprint.
    if (bits < 32 * std::min(a.raw.size(), b.raw.size()) / 2) continue;
    best = std::max(best, 1.0 - static_cast<double>(differing) / static_cast<double>(bits));
  }
  return best;
}

}  // namespace dub::media
