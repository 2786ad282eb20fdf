#include "dub/media/drift.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "av_input.hpp"
#include "dub/util/error.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <libavutil/samplefmt.h>
}

namespace dub::media {

namespace {

struct AudioPoint {
  double pts_s;      // packet/frame PTS
  double content_s;  // samples before it / rate
};

struct VideoPacket {
  double pts_s;
  double duration_s;
};

}  // namespace

DriftReport analyze_drift(const std::string& source, const DriftOptions& options) {
  const auto ctx = detail::open_input(source, {.timeout_s = options.timeout_s, .rtsp_tcp = options.rtsp_tcp});

  DriftReport report;
  report.source = source;
  const int vi = av_find_best_stream(ctx.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  const int ai = av_find_best_stream(ctx.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  if (vi < 0 && ai < 0) throw Error(fmt::format("{} has neither audio nor video", source));

  detail::CodecPtr dec;
  AVRational a_tb{1, 1};
  AVRational v_tb{1, 1};
  if (ai >= 0) {
    const AVStream* st = ctx->streams[ai];
    a_tb = st->time_base;
    report.audio.present = true;
    report.audio.index = ai;
    report.audio.codec = avcodec_get_name(st->codecpar->codec_id);
    report.audio.sample_rate = st->codecpar->sample_rate;
    dec = detail::open_decoder(ctx.get(), ai, source);
  }
  if (vi >= 0) {
    const AVStream* st = ctx->streams[vi];
    v_tb = st->time_base;
    report.video.present = true;
    report.video.index = vi;
    report.video.codec = avcodec_get_name(st->codecpar->codec_id);
    AVRational fr = st->avg_frame_rate;
    if (fr.num <= 0 || fr.den <= 0) fr = st->r_frame_rate;
    report.video.frame_rate = (fr.num > 0 && fr.den > 0) ? av_q2d(fr) : 0;
  }

  std::vector<AudioPoint> audio;
  std::vector<VideoPacket> video;
  detail::PacketPtr pkt(av_packet_alloc());
  detail::FramePtr frame(av_frame_alloc());
  std::uint64_t samples = 0;
  double audio_end = 0;
  bool audio_started = false;
  double audio_start = 0;

  const auto drain_audio = [&] {
    while (avcodec_receive_frame(dec.get(), frame.get()) == 0) {
      const int64_t ts = frame->best_effort_timestamp;
      if (ts != AV_NOPTS_VALUE && report.audio.sample_rate > 0) {
        const double pts = static_cast<double>(ts) * av_q2d(a_tb);
        if (!audio_started) {
          audio_started = true;
          audio_start = pts;
        }
        audio.push_back({pts, static_cast<double>(samples) / report.audio.sample_rate});
        audio_end = std::max(audio_end, pts + static_cast<double>(frame->nb_samples) / report.audio.sample_rate);
      }
      samples += static_cast<std::uint64_t>(frame->nb_samples);
      ++report.audio.packets;
      av_frame_unref(frame.get());
    }
  };

  while (true) {
    const int r = av_read_frame(ctx.get(), pkt.get());
    if (r == AVERROR_EOF) break;
    if (r < 0) throw Error(fmt::format("reading {}: {}", source, detail::av_err(r)));
    if (pkt->stream_index == vi && pkt->pts != AV_NOPTS_VALUE) {
      const double pts = static_cast<double>(pkt->pts) * av_q2d(v_tb);
      const double dur = pkt->duration > 0 ? static_cast<double>(pkt->duration) * av_q2d(v_tb) : 0;
      video.push_back({pts, dur});
      ++report.video.packets;
      if (options.max_read_s > 0 && pts - video.front().pts_s > options.max_read_s) {
        av_packet_unref(pkt.get());
        break;
      }
    } else if (pkt->stream_index == ai && dec) {
      if (avcodec_send_packet(dec.get(), pkt.get()) == 0) drain_audio();
    }
    av_packet_unref(pkt.get());
  }
  if (dec) {
    avcodec_send_packet(dec.get(), nullptr);
    drain_audio();
  }
  report.audio.samples = samples;

  // Audio timing.
  if (!audio.empty()) {
    report.audio.start_s = audio_start;
    report.audio.end_s = audio_end;
    report.audio.duration_s = audio_end - audio_start;
    double prev_end = audio.front().pts_s;
    for (std::size_t i = 0; i < audio.size(); ++i) {
      const double offset = audio[i].pts_s - (audio_start + audio[i].content_s);
      report.audio.max_abs_offset_s = std::max(report.audio.max_abs_offset_s, std::abs(offset));
      if (i > 0) report.audio.max_gap_s = std::max(report.audio.max_gap_s, audio[i].pts_s - prev_end);
      const double next_content =
          i + 1 < audio.size() ? audio[i + 1].content_s : static_cast<double>(samples) / report.audio.sample_rate;
      prev_end = audio[i].pts_s + (next_content - audio[i].content_s);
    }
  }
  // Video timing (PTS order; B-frames arrive out of order).
  std::sort(video.begin(), video.end(), [](const VideoPacket& a, const VideoPacket& b) { return a.pts_s < b.pts_s; });
  if (!video.empty()) {
    const double frame_s = report.video.frame_rate > 0 ? 1.0 / report.video.frame_rate : 0;
    report.video.start_s = video.front().pts_s;
    const double last_dur = video.back().duration_s > 0 ? video.back().duration_s : frame_s;
    report.video.end_s = video.back().pts_s + last_dur;
    report.video.duration_s = report.video.end_s - report.video.start_s;
    for (std::size_t i = 1; i < video.size(); ++i) {
      report.video.max_gap_s = std::max(report.video.max_gap_s, video[i].pts_s - video[i - 1].pts_s - frame_s);
    }
  }

  const double start = std::min(audio.empty() ? std::numeric_limits<double>::max() : report.audio.start_s,
                                video.empty() ? std::numeric_limits<double>::max() : report.video.start_s);
  const double end = std::max(report.audio.end_s, report.video.end_s);
  report.duration_s = end - start;

  if (!audio.empty() && !video.empty()) {
    report.start_offset_s = report.audio.start_s - report.video.start_s;
    report.end_offset_s = report.audio.end_s - report.video.end_s;
    const double frame_s = report.video.frame_rate > 0 ? 1.0 / report.video.frame_rate : 0;
    std::size_t a = 0;
    double sum = 0;
    std::vector<DriftPoint> all;
    all.reserve(video.size());
    for (std::size_t i = 0; i < video.size(); ++i) {
      const double content = frame_s > 0 ? static_cast<double>(i) * frame_s : video[i].pts_s - report.video.start_s;
      const double v_offset = video[i].pts_s - (report.video.start_s + content);
      report.video.max_abs_offset_s = std::max(report.video.max_abs_offset_s, std::abs(v_offset));
      // Audio offset at the same content time: the last decoded audio frame that starts at or before it.
      while (a + 1 < audio.size() && audio[a + 1].content_s <= content) ++a;
      const double a_offset = audio[a].pts_s - (report.audio.start_s + audio[a].content_s);
      const double drift = report.start_offset_s + a_offset - v_offset;
      report.max_abs_drift_s = std::max(report.max_abs_drift_s, std::abs(drift));
      sum += std::abs(drift);
      all.push_back({video[i].pts_s - start, drift});
    }
    report.mean_abs_drift_s = sum / static_cast<double>(video.size());
    const std::size_t step =
        std::max<std::size_t>(1, (all.size() + options.max_points - 1) / std::max<std::size_t>(1, options.max_points));
    for (std::size_t i = 0; i < all.size(); i += step) report.series.push_back(all[i]);
  }
  return report;
}

MarkerSyncReport analyze_marker_sync(const std::string& source, const MarkerSyncOptions& options) {
  const auto ctx = detail::open_input(source);
  const int vi = av_find_best_stream(ctx.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  const int ai = av_find_best_stream(ctx.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  if (vi < 0 || ai < 0) throw Error(fmt::format("{}: marker sync needs both audio and video", source));
  auto vdec = detail::open_decoder(ctx.get(), vi, source);
  auto adec = detail::open_decoder(ctx.get(), ai, source);
  const AVRational vtb = ctx->streams[vi]->time_base;
  const AVRational atb = ctx->streams[ai]->time_base;

  std::vector<std::pair<double, double>> luma;  // video PTS, mean luma of the box region
  std::vector<std::pair<double, float>> peaks;  // start of each 1 ms audio block, its peak
  detail::PacketPtr pkt(av_packet_alloc());
  detail::FramePtr frame(av_frame_alloc());

  const auto sample_at = [](const AVFrame* f, int ch, int i) -> float {
    const auto fmt_ = static_cast<AVSampleFormat>(f->format);
    const bool planar = av_sample_fmt_is_planar(fmt_) != 0;
    const int channels = f->ch_layout.nb_channels;
    const int idx = planar ? i : i * channels + ch;
    const uint8_t* data = planar ? f->extended_data[ch] : f->extended_data[0];
    switch (av_get_packed_sample_fmt(fmt_)) {
      case AV_SAMPLE_FMT_FLT:
        return reinterpret_cast<const float*>(data)[idx];
      case AV_SAMPLE_FMT_S16:
        return static_cast<float>(reinterpret_cast<const int16_t*>(data)[idx]) / 32768.0F;
      case AV_SAMPLE_FMT_S32:
        return static_cast<float>(reinterpret_cast<const int32_t*>(data)[idx]) / 2147483648.0F;
      case AV_SAMPLE_FMT_DBL:
        return static_cast<float>(reinterpret_cast<const double*>(data)[idx]);
      default:
        return 0.0F;
    }
  };

  const auto drain = [&](AVCodecContext* dec, bool video) {
    while (avcodec_receive_frame(dec, frame.get()) == 0) {
      const int64_t ts = frame->best_effort_timestamp;
      if (ts != AV_NOPTS_VALUE) {
        const double t = static_cast<double>(ts) * av_q2d(video ? vtb : atb);
        if (video) {
          const int w = frame->width;
          const int h = frame->height;
          const int x0 = static_cast<int>(options.box_left * w);
          const int x1 = static_cast<int>(options.box_right * w);
          const int y0 = static_cast<int>(options.box_top * h);
          const int y1 = static_cast<int>(options.box_bottom * h);
          double sum = 0;
          long n = 0;
          for (int y = y0; y < y1; ++y) {
            const uint8_t* row = frame->data[0] + static_cast<std::ptrdiff_t>(y) * frame->linesize[0];
            for (int x = x0; x < x1; ++x) {
              sum += row[x];
              ++n;
            }
          }
          if (n > 0) luma.emplace_back(t, sum / static_cast<double>(n));
        } else if (frame->sample_rate > 0) {
          const int block = std::max(1, frame->sample_rate / 1000);
          const int channels = frame->ch_layout.nb_channels;
          for (int s0 = 0; s0 < frame->nb_samples; s0 += block) {
            float peak = 0;
            for (int i = s0; i < std::min(frame->nb_samples, s0 + block); ++i) {
              for (int ch = 0; ch < channels; ++ch) peak = std::max(peak, std::abs(sample_at(frame.get(), ch, i)));
            }
            peaks.emplace_back(t + static_cast<double>(s0) / frame->sample_rate, peak);
          }
        }
      }
      av_frame_unref(frame.get());
    }
  };

  while (true) {
    const int r = av_read_frame(ctx.get(), pkt.get());
    if (r == AVERROR_EOF) break;
    if (r < 0) throw Error(fmt::format("reading {}: {}", source, detail::av_err(r)));
    if (pkt->stream_index == vi) {
      if (avcodec_send_packet(vdec.get(), pkt.get()) == 0) drain(vdec.get(), true);
    } else if (pkt->stream_index == ai) {
      if (avcodec_send_packet(adec.get(), pkt.get()) == 0) drain(adec.get(), false);
    }
    av_packet_unref(pkt.get());
  }
  avcodec_send_packet(vdec.get(), nullptr);
  drain(vdec.get(), true);
  avcodec_send_packet(adec.get(), nullptr);
  drain(adec.get(), false);

  std::sort(luma.begin(), luma.end());
  std::sort(peaks.begin(), peaks.end());
  MarkerSyncReport report;
  if (luma.empty() || peaks.empty()) return report;
  double lo = luma.front().second;
  double hi = lo;
  for (const auto& [t, l] : luma) {
    lo = std::min(lo, l);
    hi = std::max(hi, l);
  }
  std::vector<double> boxes;
  if (hi - lo > 32) {  // a visible marker at all
    const double threshold = (lo + hi) / 2;
    for (std::size_t i = 1; i < luma.size(); ++i) {
      if (luma[i - 1].second < threshold && luma[i].second >= threshold) boxes.push_back(luma[i].first);
    }
  }
  std::vector<double> onsets;
  double last_loud = -1e9;
  for (const auto& [t, peak] : peaks) {
    if (peak > options.audio_threshold) {
      if (t - last_loud > options.min_silence_s) onsets.push_back(t);
      last_loud = t;
    }
  }
  report.video_markers = boxes.size();
  report.audio_onsets = onsets.size();
  double sum = 0;
  for (const double tv : boxes) {
    const auto nearest = std::min_element(onsets.begin(), onsets.end(),
                                          [tv](double a, double b) { return std::abs(a - tv) < std::abs(b - tv); });
    if (nearest == onsets.end() || std::abs(*nearest - tv) > options.max_pair_s) continue;
    report.pairs.push_back({tv, *nearest, *nearest - tv});
    sum += *nearest - tv;
    report.max_abs_offset_s = std::max(report.max_abs_offset_s, std::abs(*nearest - tv));
  }
  if (!report.pairs.empty()) report.mean_offset_s = sum / static_cast<double>(report.pairs.size());
  return report;
}

}  // namespace dub::media
