#pragma once
// libdub-internal: the libav plumbing every media function shares (error text, RAII handles,
// opening a file or network source with the project's transport and timeout rules).
#include <functional>
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

// Reads the packets of `input` in file order and hands each to `on_packet`, which returns false to
// stop early; every packet is unreferenced after its call. The end of the input ends the loop; a
// read error throws dub::Error("reading <source>: <reason>").
void for_each_packet(AVFormatContext* input, const std::string& source,
                     const std::function<bool(AVPacket*)>& on_packet);

// Hands every frame `decoder` has ready to `on_frame` (each unreferenced after its call).
void drain_frames(AVCodecContext* decoder, AVFrame* frame, const std::function<void(const AVFrame*)>& on_frame);

// Sends `packet` to `decoder` and, when it was accepted, drains its frames. nullptr flushes the
// decoder: its last frames are drained whatever the send returned.
void decode_packet(AVCodecContext* decoder, const AVPacket* packet, AVFrame* frame,
                   const std::function<void(const AVFrame*)>& on_frame);

}  // namespace dub::media::detail
