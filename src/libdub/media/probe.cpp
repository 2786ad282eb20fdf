#include "dub/media/probe.hpp"

#include <fmt/format.h>

#include <memory>

#include "dub/util/error.hpp"

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
}

namespace dub::media {

namespace {

std::string av_error_text(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buf, sizeof buf);
  return buf;
}

struct FormatCloser {
  void operator()(AVFormatContext* ctx) const { avformat_close_input(&ctx); }
};
using FormatPtr = std::unique_ptr<AVFormatContext, FormatCloser>;

struct DictFreer {
  void operator()(AVDictionary* d) const { av_dict_free(&d); }
};

double to_seconds(int64_t ts, AVRational base) {
  if (ts == AV_NOPTS_VALUE) return 0;
  return static_cast<double>(ts) * av_q2d(base);
}

}  // namespace

const StreamInfo* MediaInfo::first(StreamType type) const {
  for (const auto& s : streams) {
    if (s.type == type) return &s;
  }
  return nullptr;
}

std::string_view to_string(StreamType type) {
  switch (type) {
    case StreamType::Video:
      return "video";
    case StreamType::Audio:
      return "audio";
    case StreamType::Other:
      break;
  }
  return "other";
}

MediaInfo probe(const std::string& source, const ProbeOptions& options) {
  AVDictionary* opts = nullptr;
  const auto timeout_us = fmt::format("{}", static_cast<int64_t>(options.timeout_s * 1e6));
  if (source.starts_with("rtsp://")) {
    if (options.rtsp_tcp) av_dict_set(&opts, "rtsp_transport", "tcp", 0);
    av_dict_set(&opts, "timeout", timeout_us.c_str(), 0);
  } else if (source.find("://") != std::string::npos) {
    av_dict_set(&opts, "rw_timeout", timeout_us.c_str(), 0);
  }
  std::unique_ptr<AVDictionary, DictFreer> opts_guard(opts);

  AVFormatContext* raw = nullptr;
  AVDictionary* open_opts = opts_guard.release();
  const int rc = avformat_open_input(&raw, source.c_str(), nullptr, &open_opts);
  opts_guard.reset(open_opts);
  if (rc < 0) {
    throw Error(fmt::format("cannot open {}: {}", source, av_error_text(rc)));
  }
  FormatPtr ctx(raw);
  if (const int info_rc = avformat_find_stream_info(ctx.get(), nullptr); info_rc < 0) {
    throw Error(fmt::format("cannot read stream info of {}: {}", source, av_error_text(info_rc)));
  }

  MediaInfo info;
  info.source = source;
  info.container = ctx->iformat != nullptr ? ctx->iformat->name : "";
  info.duration_s = ctx->duration == AV_NOPTS_VALUE ? 0.0 : static_cast<double>(ctx->duration) / AV_TIME_BASE;

  for (unsigned i = 0; i < ctx->nb_streams; ++i) {
    const AVStream* st = ctx->streams[i];
    const AVCodecParameters* par = st->codecpar;
    StreamInfo s;
    s.index = static_cast<int>(i);
    s.codec = avcodec_get_name(par->codec_id);
    if (const AVDictionaryEntry* lang = av_dict_get(st->metadata, "language", nullptr, 0)) {
      s.language = lang->value;
    }
    s.duration_s = to_seconds(st->duration, st->time_base);
    if (par->codec_type == AVMEDIA_TYPE_VIDEO) {
      s.type = StreamType::Video;
      s.width = par->width;
      s.height = par->height;
      if (st->avg_frame_rate.den != 0) s.frame_rate = av_q2d(st->avg_frame_rate);
    } else if (par->codec_type == AVMEDIA_TYPE_AUDIO) {
      s.type = StreamType::Audio;
      s.sample_rate = par->sample_rate;
      s.channels = par->ch_layout.nb_channels;
    }
    info.streams.push_back(std::move(s));
  }
  return info;
}

}  // namespace dub::media
