#include "dub/media/remux.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <string_view>
#include <unordered_map>

#include "av_input.hpp"
#include "dub/util/error.hpp"

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
#include <libavutil/mathematics.h>
}

namespace dub::media {

namespace {

using detail::av_err;

struct OutputCloser {
  void operator()(AVFormatContext* c) const {
    if (c == nullptr) return;
    if (c->oformat != nullptr && (c->oformat->flags & AVFMT_NOFILE) == 0 && c->pb != nullptr) avio_closep(&c->pb);
    avformat_free_context(c);
  }
};
using Output = std::unique_ptr<AVFormatContext, OutputCloser>;

bool is_av(const AVStream* s) {
  const auto type = s->codecpar->codec_type;
  return type == AVMEDIA_TYPE_AUDIO || type == AVMEDIA_TYPE_VIDEO;
}

// The audio/video stream indexes of an input, in order.
std::vector<int> av_streams(const AVFormatContext* in) {
  std::vector<int> list;
  for (unsigned i = 0; i < in->nb_streams; ++i) {
    if (is_av(in->streams[i])) list.push_back(static_cast<int>(i));
  }
  return list;
}

bool wants_faststart(const std::string& file) {
  return file.ends_with(".mp4") || file.ends_with(".mov") || file.ends_with(".m4a") || file.ends_with(".m4v");
}

Output open_output(const std::string& file, const AVFormatContext* first, const std::vector<int>& streams,
                   const RemuxOptions& options) {
  AVFormatContext* raw = nullptr;
  int rc = avformat_alloc_output_context2(&raw, nullptr, nullptr, file.c_str());
  if (rc < 0 || raw == nullptr) throw Error(fmt::format("cannot create an output for {}: {}", file, av_err(rc)));
  Output out(raw);
  for (const int i : streams) {
    const AVStream* ist = first->streams[i];
    AVStream* ost = avformat_new_stream(out.get(), nullptr);
    if (ost == nullptr) throw Error("out of memory creating an output stream");
    if ((rc = avcodec_parameters_copy(ost->codecpar, ist->codecpar)) < 0) {
      throw Error(fmt::format("cannot copy codec parameters for {}: {}", file, av_err(rc)));
    }
    ost->codecpar->codec_tag = 0;
    ost->time_base = ist->time_base;
    av_dict_copy(&ost->metadata, ist->metadata, 0);
  }
  if ((out->oformat->flags & AVFMT_NOFILE) == 0) {
    if ((rc = avio_open(&out->pb, file.c_str(), AVIO_FLAG_WRITE)) < 0) {
      throw Error(fmt::format("cannot open {} for writing: {}", file, av_err(rc)));
    }
  }
  AVDictionary* opts = nullptr;
  if (options.faststart && wants_faststart(file)) av_dict_set(&opts, "movflags", "+faststart", 0);
  rc = avformat_write_header(out.get(), &opts);
  av_dict_free(&opts);
  if (rc < 0) throw Error(fmt::format("cannot write the header of {}: {}", file, av_err(rc)));
  return out;
}

void check_same_streams(const AVFormatContext* first, const std::vector<int>& first_streams, const AVFormatContext* in,
                        const std::vector<int>& streams, const std::string& first_name, const std::string& name) {
  const auto describe = [](const AVFormatContext* c, const std::vector<int>& list) {
    std::string text;
    for (const int i : list) {
      text += fmt::format("{}{}:{}", text.empty() ? "" : ", ",
                          av_get_media_type_string(c->streams[i]->codecpar->codec_type),
                          avcodec_get_name(c->streams[i]->codecpar->codec_id));
    }
    return text.empty() ? std::string("none") : text;
  };
  bool same = streams.size() == first_streams.size();
  for (std::size_t k = 0; same && k < streams.size(); ++k) {
    const auto* a = first->streams[first_streams[k]]->codecpar;
    const auto* b = in->streams[streams[k]]->codecpar;
    same = a->codec_type == b->codec_type && a->codec_id == b->codec_id;
  }
  // Same codec but other parameters (size, rate, H.264 SPS/PPS): the joined file would not decode.
  for (std::size_t k = 0; same && k < streams.size(); ++k) {
    const auto* a = first->streams[first_streams[k]]->codecpar;
    const auto* b = in->streams[streams[k]]->codecpar;
    const bool extradata_same =
        a->extradata_size == b->extradata_size &&
        (a->extradata_size == 0 ||
         std::memcmp(a->extradata, b->extradata, static_cast<std::size_t>(a->extradata_size)) == 0);
    if (a->width != b->width || a->height != b->height || a->sample_rate != b->sample_rate ||
        a->ch_layout.nb_channels != b->ch_layout.nb_channels || !extradata_same) {
      throw Error(
          fmt::format("{} encodes its {} stream with other parameters than {}: cannot join them without "
                      "re-encoding",
                      name, av_get_media_type_string(b->codec_type), first_name));
    }
  }
  if (!same) {
    throw Error(fmt::format("{} holds other streams ({}) than {} ({}): cannot join them without re-encoding", name,
                            describe(in, streams), first_name, describe(first, first_streams)));
  }
}

double ts_seconds(int64_t ts, AVRational tb) {
  return static_cast<double>(ts) * av_q2d(tb);
}

int64_t packet_dts(const AVPacket* pkt) {
  return pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
}

}  // namespace

RemuxResult remux(const std::vector<std::string>& inputs, const std::string& output, const RemuxOptions& options) {
  if (inputs.empty()) throw Error(fmt::format("nothing to write into {}: no input files", output));
  std::vector<detail::InputPtr> opened;
  std::vector<std::vector<int>> streams;
  for (const auto& name : inputs) {
    opened.push_back(detail::open_input(name));
    streams.push_back(av_streams(opened.back().get()));
    if (streams.back().empty()) throw Error(fmt::format("{} has no audio or video stream", name));
    if (opened.size() > 1) {
      check_same_streams(opened.front().get(), streams.front(), opened.back().get(), streams.back(), inputs.front(),
                         name);
    }
  }
  Output out = open_output(output, opened.front().get(), streams.front(), options);

  RemuxResult result;
  result.inputs = inputs.size();
  double first_dts_s_written = 0;                            // where max_duration_s counts from
  double end_s = 0;                                          // latest packet end on the output timeline
  double first_show_s = std::numeric_limits<double>::max();  // earliest presentation time written
  bool any = false;
  bool stop = false;
  const detail::PacketPtr pkt(av_packet_alloc());
  for (std::size_t k = 0; k < inputs.size() && !stop; ++k) {
    AVFormatContext* in = opened[k].get();
    std::vector<int> map(in->nb_streams, -1);
    for (std::size_t j = 0; j < streams[k].size(); ++j) map[streams[k][j]] = static_cast<int>(j);

    // Read ahead until every stream has a packet: the earliest DTS decides the shift that puts this
    // input right after the previous one (DTS, not PTS, so the decode order stays increasing).
    std::deque<detail::PacketPtr> pending;
    std::vector<bool> seen(in->nb_streams, false);
    std::size_t missing = streams[k].size();
    double first_dts_s = std::numeric_limits<double>::max();
    bool eof = false;
    while (missing > 0) {
      detail::PacketPtr p(av_packet_alloc());
      const int rc = av_read_frame(in, p.get());
      if (rc == AVERROR_EOF) {
        eof = true;
        break;
      }
      if (rc < 0) throw Error(fmt::format("reading {} failed: {}", inputs[k], av_err(rc)));
      const int si = p->stream_index;
      if (si < 0 || si >= static_cast<int>(map.size()) || map[si] < 0) continue;
      if (packet_dts(p.get()) != AV_NOPTS_VALUE) {
        first_dts_s = std::min(first_dts_s, ts_seconds(packet_dts(p.get()), in->streams[si]->time_base));
      }
      if (!seen[si]) {
        seen[si] = true;
        --missing;
      }
      pending.push_back(std::move(p));
    }
    if (pending.empty()) continue;  // an empty segment
    if (first_dts_s == std::numeric_limits<double>::max()) first_dts_s = 0;
    const double shift_s = k == 0 ? 0.0 : end_s - first_dts_s;
    result.input_offsets_s.push_back(shift_s);

    while (!stop) {
      AVPacket* p = nullptr;
      if (!pending.empty()) {
        av_packet_unref(pkt.get());
        av_packet_move_ref(pkt.get(), pending.front().get());
        pending.pop_front();
        p = pkt.get();
      } else if (!eof) {
        const int rc = av_read_frame(in, pkt.get());
        if (rc == AVERROR_EOF) break;
        if (rc < 0) throw Error(fmt::format("reading {} failed: {}", inputs[k], av_err(rc)));
        p = pkt.get();
      } else {
        break;
      }
      const int si = p->stream_index;
      if (si < 0 || si >= static_cast<int>(map.size()) || map[si] < 0) {
        av_packet_unref(p);
        continue;
      }
      const AVStream* ist = in->streams[si];
      const AVStream* ost = out->streams[map[si]];
      const int64_t shift = av_rescale_q(std::llround(shift_s * 1e6), AVRational{1, 1000000}, ist->time_base);
      if (p->pts != AV_NOPTS_VALUE) p->pts += shift;
      if (p->dts != AV_NOPTS_VALUE) p->dts += shift;
      const double t_s = packet_dts(p) == AV_NOPTS_VALUE ? end_s : ts_seconds(packet_dts(p), ist->time_base);
      if (!any) first_dts_s_written = t_s;
      if (options.max_duration_s > 0 && any && t_s - first_dts_s_written >= options.max_duration_s) {
        stop = true;
        break;
      }
      const int64_t show = p->pts != AV_NOPTS_VALUE ? p->pts : packet_dts(p);
      if (show != AV_NOPTS_VALUE) {
        first_show_s = std::min(first_show_s, ts_seconds(show, ist->time_base));
        end_s = std::max(end_s, ts_seconds(show + p->duration, ist->time_base));
      }
      av_packet_rescale_ts(p, ist->time_base, ost->time_base);
      p->stream_index = map[si];
      p->pos = -1;
      if (const int rc = av_interleaved_write_frame(out.get(), p); rc < 0) {
        throw Error(fmt::format("writing {} failed (packet from {}): {}", output, inputs[k], av_err(rc)));
      }
      any = true;
      ++result.packets;
    }
  }
  if (const int rc = av_write_trailer(out.get()); rc < 0) {
    throw Error(fmt::format("finishing {} failed: {}", output, av_err(rc)));
  }
  if (!any) throw Error(fmt::format("no packet to write into {}: the inputs are empty", output));
  if (first_show_s < std::numeric_limits<double>::max()) result.start_s = first_show_s;
  result.end_s = end_s;
  result.duration_s = end_s - result.start_s;
  return result;
}

std::vector<PacketInfo> list_packets(const std::string& source) {
  const auto in = detail::open_input(source);
  std::vector<PacketInfo> list;
  const detail::PacketPtr pkt(av_packet_alloc());
  while (true) {
    const int rc = av_read_frame(in.get(), pkt.get());
    if (rc == AVERROR_EOF) break;
    if (rc < 0) throw Error(fmt::format("reading {} failed: {}", source, av_err(rc)));
    const AVStream* st = in->streams[pkt->stream_index];
    if (is_av(st)) {
      PacketInfo p;
      p.stream = pkt->stream_index;
      p.video = st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO;
      p.keyframe = (pkt->flags & AV_PKT_FLAG_KEY) != 0;
      const int64_t ts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
      p.pts_s = ts == AV_NOPTS_VALUE ? std::nan("") : ts_seconds(ts, st->time_base);
      p.duration_s = ts_seconds(pkt->duration, st->time_base);
      p.size = pkt->size;
      p.hash = std::hash<std::string_view>{}(
          std::string_view(reinterpret_cast<const char*>(pkt->data), static_cast<std::size_t>(pkt->size)));
      list.push_back(p);
    }
    av_packet_unref(pkt.get());
  }
  return list;
}

VideoAlignment align_video(const std::string& reference, const std::string& other, std::size_t max_packets) {
  std::unordered_multimap<std::size_t, double> ref_times;
  for (const auto& p : list_packets(reference)) {
    if (p.video && p.size > 0 && !std::isnan(p.pts_s)) ref_times.emplace(p.hash, p.pts_s);
  }
  if (ref_times.empty()) throw Error(fmt::format("{} has no video packets to align on", reference));
  VideoAlignment result;
  std::map<long long, std::vector<double>> votes;  // offset in ms -> exact offsets
  constexpr std::size_t kMaxCandidates = 4;        // a payload found in more places (a repeated frame) says little
  for (const auto& p : list_packets(other)) {
    if (!p.video || p.size == 0 || std::isnan(p.pts_s)) continue;
    if (result.compared >= max_packets) break;
    ++result.compared;
    const auto [lo, hi] = ref_times.equal_range(p.hash);
    if (const auto n = static_cast<std::size_t>(std::distance(lo, hi)); n > 0 && n <= kMaxCandidates) {
      for (auto it = lo; it != hi; ++it)
        votes[std::llround((it->second - p.pts_s) * 1000.0)].push_back(it->second - p.pts_s);
    }
  }
  if (result.compared == 0) throw Error(fmt::format("{} has no video packets to align on", other));
  // The 3 ms window holding the most votes (timestamps in different time bases round differently).
  std::size_t best = 0;
  for (const auto& entry : votes) {
    std::vector<double> window;
    for (long long d = -1; d <= 1; ++d) {
      if (const auto it = votes.find(entry.first + d); it != votes.end()) {
        window.insert(window.end(), it->second.begin(), it->second.end());
      }
    }
    if (window.size() > best) {
      best = window.size();
      double sum = 0;
      for (const double x : window) sum += x;
      result.offset_s = sum / static_cast<double>(window.size());
    }
  }
  result.matched = best;
  result.found = best > 0;
  return result;
}

}  // namespace dub::media
