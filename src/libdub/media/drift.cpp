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
  std::size_t decode_index;  // its place in read (decode) order
};

// The streams analyze_drift reads: their indexes (-1: absent), time bases and the audio decoder.
struct Streams {
  int video = -1;
  int audio = -1;
  AVRational video_tb{1, 1};
  AVRational audio_tb{1, 1};
  detail::CodecPtr decoder;
};

// What one pass over the packets collects.
struct Timeline {
  std::vector<AudioPoint> audio;  // one per decoded audio frame with a timestamp
  std::vector<VideoPacket> video;
  std::uint64_t samples = 0;  // decoded audio samples per channel
  double audio_start = 0;     // PTS of the first timed audio frame
  double audio_end = 0;       // latest audio frame end
};

double nominal_frame_rate(const AVStream* st) {
  const auto fps = [](AVRational r) { return (r.num > 0 && r.den > 0) ? av_q2d(r) : 0.0; };
  return timing_frame_rate(fps(st->avg_frame_rate), fps(st->r_frame_rate));
}

// Finds the best audio and video streams, fills the report's static stream facts and opens the
// audio decoder.
Streams find_streams(AVFormatContext* ctx, const std::string& source, DriftReport& report) {
  Streams s;
  s.video = av_find_best_stream(ctx, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  s.audio = av_find_best_stream(ctx, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  if (s.video < 0 && s.audio < 0) throw Error(fmt::format("{} has neither audio nor video", source));
  if (s.audio >= 0) {
    const AVStream* st = ctx->streams[s.audio];
    s.audio_tb = st->time_base;
    report.audio.present = true;
    report.audio.index = s.audio;
    report.audio.codec = avcodec_get_name(st->codecpar->codec_id);
    report.audio.sample_rate = st->codecpar->sample_rate;
    s.decoder = detail::open_decoder(ctx, s.audio, source);
  }
  if (s.video >= 0) {
    const AVStream* st = ctx->streams[s.video];
    s.video_tb = st->time_base;
    report.video.present = true;
    report.video.index = s.video;
    report.video.codec = avcodec_get_name(st->codecpar->codec_id);
    report.video.frame_rate = nominal_frame_rate(st);
  }
  return s;
}

void add_audio_frame(const AVFrame* frame, AVRational tb, Timeline& tl, StreamTiming& audio) {
  const int64_t ts = frame->best_effort_timestamp;
  if (ts != AV_NOPTS_VALUE && audio.sample_rate > 0) {
    const double pts = static_cast<double>(ts) * av_q2d(tb);
    if (tl.audio.empty()) tl.audio_start = pts;
    tl.audio.push_back({pts, static_cast<double>(tl.samples) / audio.sample_rate});
    tl.audio_end = std::max(tl.audio_end, pts + static_cast<double>(frame->nb_samples) / audio.sample_rate);
  }
  tl.samples += static_cast<std::uint64_t>(frame->nb_samples);
  ++audio.packets;
}

// Reads the input once: video packet times, decoded audio frame times (stops early at max_read_s).
Timeline read_timeline(AVFormatContext* ctx, const Streams& s, const std::string& source, const DriftOptions& options,
                       DriftReport& report) {
  Timeline tl;
  const detail::FramePtr frame(av_frame_alloc());
  const auto on_audio = [&](const AVFrame* f) { add_audio_frame(f, s.audio_tb, tl, report.audio); };
  detail::for_each_packet(ctx, source, [&](AVPacket* pkt) {
    if (pkt->stream_index == s.video && pkt->pts != AV_NOPTS_VALUE) {
      const double pts = static_cast<double>(pkt->pts) * av_q2d(s.video_tb);
      const double dur = pkt->duration > 0 ? static_cast<double>(pkt->duration) * av_q2d(s.video_tb) : 0;
      tl.video.push_back({pts, dur, tl.video.size()});
      ++report.video.packets;
      if (options.max_read_s > 0 && pts - tl.video.front().pts_s > options.max_read_s) return false;
    } else if (pkt->stream_index == s.audio && s.decoder) {
      detail::decode_packet(s.decoder.get(), pkt, frame.get(), on_audio);
    }
    return true;
  });
  if (s.decoder) detail::decode_packet(s.decoder.get(), nullptr, frame.get(), on_audio);
  report.audio.samples = tl.samples;
  return tl;
}

void audio_timing(const Timeline& tl, StreamTiming& audio) {
  const auto& points = tl.audio;
  audio.start_s = tl.audio_start;
  audio.end_s = tl.audio_end;
  audio.duration_s = tl.audio_end - tl.audio_start;
  double prev_end = points.front().pts_s;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const double offset = points[i].pts_s - (tl.audio_start + points[i].content_s);
    audio.max_abs_offset_s = std::max(audio.max_abs_offset_s, std::abs(offset));
    if (i > 0) audio.max_gap_s = std::max(audio.max_gap_s, points[i].pts_s - prev_end);
    const double next_content =
        i + 1 < points.size() ? points[i + 1].content_s : static_cast<double>(tl.samples) / audio.sample_rate;
    prev_end = points[i].pts_s + (next_content - points[i].content_s);
  }
}

// Frame i's place on the frame grid: the stream's start + i frames (its own time when the rate is
// unknown). `v` holds the start and the rate. Its offset is its PTS minus this place.
double grid_place_s(const std::vector<VideoPacket>& video, std::size_t i, const StreamTiming& v) {
  return v.frame_rate > 0 ? v.start_s + static_cast<double>(i) / v.frame_rate : video[i].pts_s;
}

void video_timing(const std::vector<VideoPacket>& video, StreamTiming& v) {
  const double frame_s = v.frame_rate > 0 ? 1.0 / v.frame_rate : 0;
  v.start_s = video.front().pts_s;
  const double last_dur = video.back().duration_s > 0 ? video.back().duration_s : frame_s;
  v.end_s = video.back().pts_s + last_dur;
  v.duration_s = v.end_s - v.start_s;
  // How far presentation order strays from decode order (0 without B-frames).
  std::size_t reorder = 0;
  for (std::size_t i = 0; i < video.size(); ++i) {
    const std::size_t d = video[i].decode_index;
    reorder = std::max(reorder, d > i ? d - i : i - d);
  }
  // A recording loses its last packet in decode order (every MediaMTX recording here: 749 frames of
  // 750); with B-frames that is a picture up to `reorder` frames before the end, which would shift
  // the frames after it by one. Those last frames are left out of the offsets, not out of the gaps.
  v.reorder_frames = reorder;
  const std::size_t checked = video.size() - std::min(reorder, video.size());
  for (std::size_t i = 0; i < video.size(); ++i) {
    if (i > 0) v.max_gap_s = std::max(v.max_gap_s, video[i].pts_s - video[i - 1].pts_s - frame_s);
    if (i >= checked) continue;
    v.max_abs_offset_s = std::max(v.max_abs_offset_s, std::abs(video[i].pts_s - grid_place_s(video, i, v)));
  }
}

// The least-squares slope of drift over time (DriftReport::drift_trend_ms_per_min).
double trend_ms_per_min(const std::vector<DriftPoint>& points) {
  if (points.size() < 2) return 0;
  double t_mean = 0;
  double d_mean = 0;
  for (const auto& p : points) {
    t_mean += p.t_s;
    d_mean += p.drift_s;
  }
  t_mean /= static_cast<double>(points.size());
  d_mean /= static_cast<double>(points.size());
  double cov = 0;
  double var = 0;
  for (const auto& p : points) {
    cov += (p.t_s - t_mean) * (p.drift_s - d_mean);
    var += (p.t_s - t_mean) * (p.t_s - t_mean);
  }
  return var > 0 ? cov / var * 60.0 * 1000.0 : 0;
}

// Drift at every video frame (see drift.hpp), its maximum and mean, and the thinned series.
void drift_series(const Timeline& tl, double start, const DriftOptions& options, DriftReport& report) {
  const auto& audio = tl.audio;
  const auto& video = tl.video;
  report.start_offset_s = report.audio.start_s - report.video.start_s;
  report.end_offset_s = report.audio.end_s - report.video.end_s;
  std::size_t a = 0;
  double sum = 0;
  std::vector<DriftPoint> all;
  all.reserve(video.size());
  // Not the last reorder_frames pictures (see video_timing): one of them may be lost.
  const std::size_t checked = video.size() - std::min(report.video.reorder_frames, video.size() - 1);
  for (std::size_t i = 0; i < checked; ++i) {
    const double place = grid_place_s(video, i, report.video);
    const double content = place - report.video.start_s;
    const double v_offset = video[i].pts_s - place;
    // Audio offset at the same content time: the last decoded audio frame that starts at or before it.
    while (a + 1 < audio.size() && audio[a + 1].content_s <= content) ++a;
    const double a_offset = audio[a].pts_s - (report.audio.start_s + audio[a].content_s);
    const double drift = report.start_offset_s - options.source_start_offset_s + a_offset - v_offset;
    report.max_abs_drift_s = std::max(report.max_abs_drift_s, std::abs(drift));
    sum += std::abs(drift);
    all.push_back({video[i].pts_s - start, drift});
  }
  report.mean_abs_drift_s = sum / static_cast<double>(checked);
  report.drift_trend_ms_per_min = trend_ms_per_min(all);
  const std::size_t step =
      std::max<std::size_t>(1, (all.size() + options.max_points - 1) / std::max<std::size_t>(1, options.max_points));
  for (std::size_t i = 0; i < all.size(); i += step) report.series.push_back(all[i]);
}

}  // namespace

double timing_frame_rate(double average_fps, double base_fps) {
  if (average_fps <= 0) return std::max(base_fps, 0.0);
  return (base_fps > 0 && std::abs(base_fps - average_fps) <= 0.01 * average_fps) ? base_fps : average_fps;
}

DriftReport analyze_drift(const std::string& source, const DriftOptions& options) {
  const auto ctx = detail::open_input(source, {.timeout_s = options.timeout_s, .rtsp_tcp = options.rtsp_tcp});
  DriftReport report;
  report.source = source;
  const Streams streams = find_streams(ctx.get(), source, report);
  Timeline tl = read_timeline(ctx.get(), streams, source, options, report);

  if (!tl.audio.empty()) audio_timing(tl, report.audio);
  // Video timing (PTS order; B-frames arrive out of order).
  std::sort(tl.video.begin(), tl.video.end(),
            [](const VideoPacket& a, const VideoPacket& b) { return a.pts_s < b.pts_s; });
  if (!tl.video.empty()) video_timing(tl.video, report.video);

  const double start = std::min(tl.audio.empty() ? std::numeric_limits<double>::max() : report.audio.start_s,
                                tl.video.empty() ? std::numeric_limits<double>::max() : report.video.start_s);
  const double end = std::max(report.audio.end_s, report.video.end_s);
  report.duration_s = end - start;
  if (!tl.audio.empty() && !tl.video.empty()) drift_series(tl, start, options, report);
  return report;
}

}  // namespace dub::media
