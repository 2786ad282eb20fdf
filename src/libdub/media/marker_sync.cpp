// analyze_marker_sync (declared in dub/media/drift.hpp): content-based A/V sync of the fixtures'
// white box against the counted words' audio onsets.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "av_input.hpp"
#include "dub/media/drift.hpp"
#include "dub/util/error.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/samplefmt.h>
}

namespace dub::media {

namespace {

using TimedValues = std::vector<std::pair<double, double>>;  // (time in seconds, value)

float sample_at(const AVFrame* f, int ch, int i) {
  const auto format = static_cast<AVSampleFormat>(f->format);
  const bool planar = av_sample_fmt_is_planar(format) != 0;
  const int channels = f->ch_layout.nb_channels;
  const int idx = planar ? i : i * channels + ch;
  const uint8_t* data = planar ? f->extended_data[ch] : f->extended_data[0];
  switch (av_get_packed_sample_fmt(format)) {
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
}

// Mean luma of the box region of a decoded video frame (appended to `luma` at time t).
void add_box_luma(const AVFrame* frame, double t, const MarkerSyncOptions& options, TimedValues& luma) {
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
}

// The peak of every 1 ms block of a decoded audio frame starting at time t.
void add_block_peaks(const AVFrame* frame, double t, TimedValues& peaks) {
  if (frame->sample_rate <= 0) return;
  const int block = std::max(1, frame->sample_rate / 1000);
  const int channels = frame->ch_layout.nb_channels;
  for (int s0 = 0; s0 < frame->nb_samples; s0 += block) {
    float peak = 0;
    for (int i = s0; i < std::min(frame->nb_samples, s0 + block); ++i) {
      for (int ch = 0; ch < channels; ++ch) peak = std::max(peak, std::abs(sample_at(frame, ch, i)));
    }
    peaks.emplace_back(t + static_cast<double>(s0) / frame->sample_rate, peak);
  }
}

// Times at which the box appears: luma crossing the midpoint upwards, when it varies at all.
std::vector<double> box_appearances(const TimedValues& luma) {
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
  return boxes;
}

// Times of the first loud block after at least min_silence_s of quiet.
std::vector<double> audio_onsets(const TimedValues& peaks, const MarkerSyncOptions& options) {
  std::vector<double> onsets;
  double last_loud = -1e9;
  for (const auto& [t, peak] : peaks) {
    if (peak > options.audio_threshold) {
      if (t - last_loud > options.min_silence_s) onsets.push_back(t);
      last_loud = t;
    }
  }
  return onsets;
}

MarkerSyncReport pair_markers(const std::vector<double>& boxes, const std::vector<double>& onsets,
                              const MarkerSyncOptions& options) {
  MarkerSyncReport report;
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

}  // namespace

MarkerSyncReport analyze_marker_sync(const std::string& source, const MarkerSyncOptions& options) {
  const auto ctx = detail::open_input(source);
  const int vi = av_find_best_stream(ctx.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  const int ai = av_find_best_stream(ctx.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  if (vi < 0 || ai < 0) throw Error(fmt::format("{}: marker sync needs both audio and video", source));
  const auto vdec = detail::open_decoder(ctx.get(), vi, source);
  const auto adec = detail::open_decoder(ctx.get(), ai, source);
  const AVRational vtb = ctx->streams[vi]->time_base;
  const AVRational atb = ctx->streams[ai]->time_base;

  TimedValues luma;   // video PTS, mean luma of the box region
  TimedValues peaks;  // start of each 1 ms audio block, its peak
  const detail::FramePtr frame(av_frame_alloc());
  const auto on_video = [&](const AVFrame* f) {
    if (f->best_effort_timestamp != AV_NOPTS_VALUE) {
      add_box_luma(f, static_cast<double>(f->best_effort_timestamp) * av_q2d(vtb), options, luma);
    }
  };
  const auto on_audio = [&](const AVFrame* f) {
    if (f->best_effort_timestamp != AV_NOPTS_VALUE) {
      add_block_peaks(f, static_cast<double>(f->best_effort_timestamp) * av_q2d(atb), peaks);
    }
  };
  detail::for_each_packet(ctx.get(), source, [&](AVPacket* pkt) {
    if (pkt->stream_index == vi) detail::decode_packet(vdec.get(), pkt, frame.get(), on_video);
    if (pkt->stream_index == ai) detail::decode_packet(adec.get(), pkt, frame.get(), on_audio);
    return true;
  });
  detail::decode_packet(vdec.get(), nullptr, frame.get(), on_video);
  detail::decode_packet(adec.get(), nullptr, frame.get(), on_audio);

  std::sort(luma.begin(), luma.end());
  std::sort(peaks.begin(), peaks.end());
  if (luma.empty() || peaks.empty()) return {};
  return pair_markers(box_appearances(luma), audio_onsets(peaks, options), options);
}

}  // namespace dub::media
