#include "dub/media/decode.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <memory>

#include "av_input.hpp"
#include "dub/util/error.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>
}

namespace dub::media {

Pcm decode_audio(const std::string& source, int sample_rate, int channels, double max_seconds) {
  const auto fmt_ctx = detail::open_input(source);
  const int stream = av_find_best_stream(fmt_ctx.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  if (stream < 0) throw Error(fmt::format("{} has no audio stream", source));
  const auto dec = detail::open_decoder(fmt_ctx.get(), stream, source);

  Pcm pcm;
  pcm.sample_rate = sample_rate > 0 ? sample_rate : dec->sample_rate;
  pcm.channels = channels > 0 ? channels : dec->ch_layout.nb_channels;
  AVChannelLayout out_layout;
  av_channel_layout_default(&out_layout, pcm.channels);
  SwrContext* raw_swr = nullptr;
  swr_alloc_set_opts2(&raw_swr, &out_layout, AV_SAMPLE_FMT_S16, pcm.sample_rate, &dec->ch_layout, dec->sample_fmt,
                      dec->sample_rate, 0, nullptr);
  std::unique_ptr<SwrContext, void (*)(SwrContext*)> swr(raw_swr, [](SwrContext* s) { swr_free(&s); });
  if (swr == nullptr || swr_init(swr.get()) < 0) throw Error(fmt::format("cannot set up resampling for {}", source));

  const auto limit_frames =
      max_seconds > 0 ? static_cast<std::size_t>(max_seconds * pcm.sample_rate) : static_cast<std::size_t>(SIZE_MAX);
  const auto ch = static_cast<std::size_t>(pcm.channels);
  const detail::PacketPtr pkt(av_packet_alloc());
  const detail::FramePtr frame(av_frame_alloc());
  auto convert = [&](const std::uint8_t** in, int in_frames) {
    const int room = swr_get_out_samples(swr.get(), in_frames);
    if (room <= 0) return;
    const std::size_t at = pcm.samples.size();
    pcm.samples.resize(at + static_cast<std::size_t>(room) * ch);
    auto* out = reinterpret_cast<std::uint8_t*>(pcm.samples.data() + at);
    const int n = swr_convert(swr.get(), &out, room, in, in_frames);
    pcm.samples.resize(at + static_cast<std::size_t>(std::max(n, 0)) * ch);
  };
  auto drain = [&] {
    while (avcodec_receive_frame(dec.get(), frame.get()) == 0) {
      convert(const_cast<const std::uint8_t**>(frame->extended_data), frame->nb_samples);
    }
  };
  while (pcm.frames() < limit_frames && av_read_frame(fmt_ctx.get(), pkt.get()) >= 0) {
    if (pkt->stream_index == stream && avcodec_send_packet(dec.get(), pkt.get()) >= 0) drain();
    av_packet_unref(pkt.get());
  }
  avcodec_send_packet(dec.get(), nullptr);
  drain();
  convert(nullptr, 0);  // flush the resampler's delay
  if (pcm.frames() > limit_frames) pcm.samples.resize(limit_frames * ch);
  return pcm;
}

}  // namespace dub::media
