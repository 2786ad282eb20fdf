#include "dub/media/probe.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <memory>

#include "av_input.hpp"
#include "dub/util/error.hpp"

extern "C" {
#include <libavutil/dict.h>
}

namespace dub::media {

namespace {

double to_seconds(int64_t ts, AVRational base) {
  if (ts == AV_NOPTS_VALUE) return 0;
  return static_cast<double>(ts) * av_q2d(base);
}

// Reads `input` to its end, counting the packets of each stream and measuring the span they cover:
// from the container's start (which knows about edit lists, e.g. AAC priming before 0) to the
// latest packet end.
void count_packets(AVFormatContext* input, MediaInfo& info) {
  for (auto& s : info.streams) s.packets = 0;
  double last = std::numeric_limits<double>::lowest();
  detail::for_each_packet(input, info.source, [&](const AVPacket* pkt) {
    if (pkt->stream_index < 0 || pkt->stream_index >= static_cast<int>(info.streams.size())) return true;
    ++info.streams[static_cast<std::size_t>(pkt->stream_index)].packets;
    const int64_t ts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
    if (ts != AV_NOPTS_VALUE) {
      const AVRational base = input->streams[pkt->stream_index]->time_base;
      last = std::max(last, to_seconds(ts + pkt->duration, base));
    }
    return true;
  });
  if (last >= info.start_s) info.packet_span_s = last - info.start_s;
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
  const auto ctx = detail::open_input(source, {.timeout_s = options.timeout_s, .rtsp_tcp = options.rtsp_tcp});

  MediaInfo info;
  info.source = source;
  info.container = ctx->iformat != nullptr ? ctx->iformat->name : "";
  info.duration_s = ctx->duration == AV_NOPTS_VALUE ? 0.0 : static_cast<double>(ctx->duration) / AV_TIME_BASE;
  info.start_s = ctx->start_time == AV_NOPTS_VALUE ? 0.0 : static_cast<double>(ctx->start_time) / AV_TIME_BASE;

  for (unsigned i = 0; i < ctx->nb_streams; ++i) {
    const AVStream* st = ctx->streams[i];
    const AVCodecParameters* par = st->codecpar;
    StreamInfo s;
    s.index = static_cast<int>(i);
    s.codec = avcodec_get_name(par->codec_id);
    if (const char* profile = avcodec_profile_name(par->codec_id, par->profile)) s.profile = profile;
    if (const AVDictionaryEntry* lang = av_dict_get(st->metadata, "language", nullptr, 0)) {
      s.language = lang->value;
    }
    s.start_s = to_seconds(st->start_time, st->time_base);
    s.duration_s = to_seconds(st->duration, st->time_base);
    if (par->codec_type == AVMEDIA_TYPE_VIDEO) {
      s.type = StreamType::Video;
      s.width = par->width;
      s.height = par->height;
      if (st->avg_frame_rate.den != 0) s.frame_rate = av_q2d(st->avg_frame_rate);
      s.has_b_frames = par->video_delay;
    } else if (par->codec_type == AVMEDIA_TYPE_AUDIO) {
      s.type = StreamType::Audio;
      s.sample_rate = par->sample_rate;
      s.channels = par->ch_layout.nb_channels;
    }
    info.streams.push_back(std::move(s));
  }
  if (options.count_packets) count_packets(ctx.get(), info);
  return info;
}

}  // namespace dub::media
