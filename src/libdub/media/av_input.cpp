#include "av_input.hpp"

#include <fmt/format.h>

#include "dub/util/error.hpp"

extern "C" {
#include <libavutil/dict.h>
#include <libavutil/error.h>
}

namespace dub::media::detail {

std::string av_err(int code) {
  if (code == AVERROR_EXIT) return "timed out or cancelled";
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buf, sizeof buf);
  return buf;
}

InputPtr open_input(const std::string& source, const OpenOptions& options) {
  AVDictionary* opts = nullptr;
  const auto timeout_us = fmt::format("{}", static_cast<int64_t>(options.timeout_s * 1e6));
  if (source.starts_with("rtsp://")) {
    if (options.rtsp_tcp) av_dict_set(&opts, "rtsp_transport", "tcp", 0);
    if (options.timeout_s > 0) av_dict_set(&opts, "timeout", timeout_us.c_str(), 0);
  } else if (source.starts_with("rtmp://")) {
    av_dict_set(&opts, "rtmp_live", "live", 0);
  } else if (source.find("://") != std::string::npos && options.timeout_s > 0) {
    av_dict_set(&opts, "rw_timeout", timeout_us.c_str(), 0);
  }
  AVFormatContext* raw = avformat_alloc_context();
  if (raw == nullptr) throw Error("out of memory opening " + source);
  if (options.interrupt != nullptr) raw->interrupt_callback = *options.interrupt;
  const int rc = avformat_open_input(&raw, source.c_str(), nullptr, &opts);  // frees raw on failure
  av_dict_free(&opts);
  if (rc < 0) throw Error(fmt::format("cannot open {}: {}", source, av_err(rc)));
  InputPtr input(raw);
  if (const int info = avformat_find_stream_info(input.get(), nullptr); info < 0) {
    throw Error(fmt::format("cannot read the streams of {}: {}", source, av_err(info)));
  }
  return input;
}

CodecPtr open_decoder(AVFormatContext* input, int index, const std::string& source) {
  const AVCodecParameters* par = input->streams[index]->codecpar;
  const AVCodec* codec = avcodec_find_decoder(par->codec_id);
  if (codec == nullptr) throw Error(fmt::format("{}: no decoder for {}", source, avcodec_get_name(par->codec_id)));
  CodecPtr dec(avcodec_alloc_context3(codec));
  if (!dec || avcodec_parameters_to_context(dec.get(), par) < 0) {
    throw Error(fmt::format("{}: cannot set up the {} decoder", source, codec->name));
  }
  dec->pkt_timebase = input->streams[index]->time_base;
  if (const int rc = avcodec_open2(dec.get(), codec, nullptr); rc < 0) {
    throw Error(fmt::format("{}: cannot open the {} decoder: {}", source, codec->name, av_err(rc)));
  }
  return dec;
}

void for_each_packet(AVFormatContext* input, const std::string& source,
                     const std::function<bool(AVPacket*)>& on_packet) {
  const PacketPtr pkt(av_packet_alloc());
  while (true) {
    const int rc = av_read_frame(input, pkt.get());
    if (rc == AVERROR_EOF) return;
    if (rc < 0) throw Error(fmt::format("reading {}: {}", source, av_err(rc)));
    const bool more = on_packet(pkt.get());
    av_packet_unref(pkt.get());
    if (!more) return;
  }
}

void drain_frames(AVCodecContext* decoder, AVFrame* frame, const std::function<void(const AVFrame*)>& on_frame) {
  while (avcodec_receive_frame(decoder, frame) == 0) {
    on_frame(frame);
    av_frame_unref(frame);
  }
}

void decode_packet(AVCodecContext* decoder, const AVPacket* packet, AVFrame* frame,
                   const std::function<void(const AVFrame*)>& on_frame) {
  const int rc = avcodec_send_packet(decoder, packet);
  if (rc == 0 || packet == nullptr) drain_frames(decoder, frame, on_frame);
}

}  // namespace dub::media::detail
