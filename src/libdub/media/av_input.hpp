#pragma once
// libdub-internal: the libav plumbing every media function shares (error text, RAII handles,
// opening a file or network source with the project's transport and timeout rules).
#include <memory>
#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

namespace dub::media::detail {

std::string av_err(int code);

struct InputCloser {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
struct CodecFreer {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct PacketFreer {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FrameFreer {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
using InputPtr = std::unique_ptr<AVFormatContext, InputCloser>;
using CodecPtr = std::unique_ptr<AVCodecContext, CodecFreer>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFreer>;
using FramePtr = std::unique_ptr<AVFrame, FrameFreer>;

struct OpenOptions {
  double timeout_s = 10.0;  // network sources: how long a read may block (0 = libav's default)
  bool rtsp_tcp = true;     // RTSP interleaved over TCP, as MediaMTX is configured
  // Optional: lets a caller abort blocking calls (cancel, deadlines). Must outlive the input.
  const AVIOInterruptCB* interrupt = nullptr;
};

// Opens `source` (path or rtsp:// / rtmp:// / other URL) and reads its stream info.
// Throws dub::Error naming the source and libav's reason.
InputPtr open_input(const std::string& source, const OpenOptions& options = {});

// Opens a decoder for stream `index` of `input`. Throws dub::Error naming `source`.
CodecPtr open_decoder(AVFormatContext* input, int index, const std::string& source);

}  // namespace dub::media::detail
