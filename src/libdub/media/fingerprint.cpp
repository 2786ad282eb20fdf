#include "dub/media/fingerprint.hpp"

#include <chromaprint.h>
#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <memory>

#include "dub/util/error.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libswresample/swresample.h>
}

namespace dub::media {

namespace {

std::string av_err(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buf, sizeof buf);
  return buf;
}

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
  std::uint32_t* raw = nullptr;
  int size = 0;
  if (chromaprint_get_raw_fingerprint(ctx.get(), &raw, &size) && raw != nullptr) {
    fp.raw.assign(raw, raw + size);
    chromaprint_dealloc(raw);
  }
  return fp;
}

Fingerprint fingerprint(const std::string& source, double max_seconds) {
  AVFormatContext* raw_fmt = nullptr;
  if (const int rc = avformat_open_input(&raw_fmt, source.c_str(), nullptr, nullptr); rc < 0) {
    throw Error(fmt::format("cannot open {}: {}", source, av_err(rc)));
  }
  std::unique_ptr<AVFormatContext, void (*)(AVFormatContext*)> fmt_ctx(
      raw_fmt, [](AVFormatContext* c) { avformat_close_input(&c); });
  if (const int rc = avformat_find_stream_info(fmt_ctx.get(), nullptr); rc < 0) {
    throw Error(fmt::format("cannot read the streams of {}: {}", source, av_err(rc)));
  }
  const AVCodec* codec = nullptr;
  const int stream = av_find_best_stream(fmt_ctx.get(), AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
  if (stream < 0 || codec == nullptr) throw Error(fmt::format("{} has no audio stream to fingerprint", source));

  std::unique_ptr<AVCodecContext, void (*)(AVCodecContext*)> dec(avcodec_alloc_context3(codec),
                                                                 [](AVCodecContext* c) { avcodec_free_context(&c); });
  avcodec_parameters_to_context(dec.get(), fmt_ctx->streams[stream]->codecpar);
  if (const int rc = avcodec_open2(dec.get(), codec, nullptr); rc < 0) {
    throw Error(fmt::format("cannot open the {} decoder for {}: {}", codec->name, source, av_err(rc)));
  }

  // Mono s16 at the source rate: what Chromaprint wants, independent of the source layout.
  SwrContext* raw_swr = nullptr;
  AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
  swr_alloc_set_opts2(&raw_swr, &mono, AV_SAMPLE_FMT_S16, dec->sample_rate, &dec->ch_layout, dec->sample_fmt,
                      dec->sample_rate, 0, nullptr);
  std::unique_ptr<SwrContext, void (*)(SwrContext*)> swr(raw_swr, [](SwrContext* s) { swr_free(&s); });
  if (swr == nullptr || swr_init(swr.get()) < 0) throw Error(fmt::format("cannot set up resampling for {}", source));

  std::vector<std::int16_t> pcm;
  const auto limit = max_seconds > 0 ? static_cast<std::size_t>(max_seconds * dec->sample_rate) : SIZE_MAX;
  std::unique_ptr<AVPacket, void (*)(AVPacket*)> pkt(av_packet_alloc(), [](AVPacket* p) { av_packet_free(&p); });
  std::unique_ptr<AVFrame, void (*)(AVFrame*)> frame(av_frame_alloc(), [](AVFrame* f) { av_frame_free(&f); });
  auto drain = [&] {
    while (avcodec_receive_frame(dec.get(), frame.get()) == 0) {
      const std::size_t at = pcm.size();
      pcm.resize(at + static_cast<std::size_t>(frame->nb_samples) + 64);
      auto* out = reinterpret_cast<std::uint8_t*>(pcm.data() + at);
      const int n = swr_convert(swr.get(), &out, frame->nb_samples + 64,
                                const_cast<const std::uint8_t**>(frame->extended_data), frame->nb_samples);
      pcm.resize(at + static_cast<std::size_t>(std::max(n, 0)));
    }
  };
  while (pcm.size() < limit && av_read_frame(fmt_ctx.get(), pkt.get()) >= 0) {
    if (pkt->stream_index == stream && avcodec_send_packet(dec.get(), pkt.get()) >= 0) drain();
    av_packet_unref(pkt.get());
  }
  avcodec_send_packet(dec.get(), nullptr);
  drain();
  if (pcm.size() > limit) pcm.resize(limit);
  return fingerprint_pcm(pcm, dec->sample_rate, 1);
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
