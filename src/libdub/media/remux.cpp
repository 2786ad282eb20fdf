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

bool mapped(const std::vector<int>& map, int si) {
  return si >= 0 && si < static_cast<int>(map.size()) && map[si] >= 0;
}

// The output file and where its timeline stands while the inputs are copied into it.
struct Sink {
  Output out;
  std::string name;
  double max_duration_s = 0;                                 // > 0: stop after this much media time
  double join_at_s = 0;                                      // > 0: drop what a reader joining there misses
  std::vector<bool> joined;                                  // per output stream: past the join
  double first_dts_s = 0;                                    // of the first packet: where max_duration_s counts from
  double end_s = 0;                                          // latest packet end on the output timeline
  double first_show_s = std::numeric_limits<double>::max();  // earliest presentation time written
  bool any = false;
  long long packets = 0;
};

// The first packets of an input, read until every stream it maps has one.
struct Head {
  std::deque<detail::PacketPtr> pending;
  double first_dts_s = std::numeric_limits<double>::max();
  bool eof = false;
};

Head read_head(AVFormatContext* in, const std::vector<int>& map, std::size_t streams, const std::string& name) {
  Head head;
  std::vector<bool> seen(in->nb_streams, false);
  std::size_t missing = streams;
  while (missing > 0) {
    detail::PacketPtr p(av_packet_alloc());
    const int rc = av_read_frame(in, p.get());
    if (rc == AVERROR_EOF) {
      head.eof = true;
      break;
    }
    if (rc < 0) throw Error(fmt::format("reading {} failed: {}", name, av_err(rc)));
    const int si = p->stream_index;
    if (!mapped(map, si)) continue;
    if (packet_dts(p.get()) != AV_NOPTS_VALUE) {
      head.first_dts_s = std::min(head.first_dts_s, ts_seconds(packet_dts(p.get()), in->streams[si]->time_base));
    }
    if (!seen[si]) {
      seen[si] = true;
      --missing;
    }
    head.pending.push_back(std::move(p));
  }
  return head;
}

// join_at_s: true for a packet of output stream `out_index` that a reader joining there never gets
// (presented before it; video before the first keyframe from it on).
bool before_join(Sink& sink, const AVPacket* p, const AVStream* ist, int out_index) {
  if (sink.join_at_s <= 0 || sink.joined[out_index]) return false;
  const int64_t show = p->pts != AV_NOPTS_VALUE ? p->pts : packet_dts(p);
  if (show == AV_NOPTS_VALUE || ts_seconds(show, ist->time_base) < sink.join_at_s) return true;
  if (ist->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && (p->flags & AV_PKT_FLAG_KEY) == 0) return true;
  sink.joined[out_index] = true;
  return false;
}

// Writes one packet of `input`, shifted by shift_s, as output stream `out_index` (not one before
// join_at_s: dropped). Returns false, and writes nothing, once the sink holds max_duration_s of media.
bool write_packet(Sink& sink, AVPacket* p, const AVStream* ist, int out_index, double shift_s,
                  const std::string& input) {
  const AVStream* ost = sink.out->streams[out_index];
  const int64_t shift = av_rescale_q(std::llround(shift_s * 1e6), AVRational{1, 1000000}, ist->time_base);
  if (p->pts != AV_NOPTS_VALUE) p->pts += shift;
  if (p->dts != AV_NOPTS_VALUE) p->dts += shift;
  if (before_join(sink, p, ist, out_index)) {
    av_packet_unref(p);
    return true;
  }
  const double t_s = packet_dts(p) == AV_NOPTS_VALUE ? sink.end_s : ts_seconds(packet_dts(p), ist->time_base);
  if (!sink.any) sink.first_dts_s = t_s;
  if (sink.max_duration_s > 0 && sink.any && t_s - sink.first_dts_s >= sink.max_duration_s) return false;
  const int64_t show = p->pts != AV_NOPTS_VALUE ? p->pts : packet_dts(p);
  if (show != AV_NOPTS_VALUE) {
    sink.first_show_s = std::min(sink.first_show_s, ts_seconds(show, ist->time_base));
    sink.end_s = std::max(sink.end_s, ts_seconds(show + p->duration, ist->time_base));
  }
  av_packet_rescale_ts(p, ist->time_base, ost->time_base);
  p->stream_index = out_index;
  p->pos = -1;
  if (const int rc = av_interleaved_write_frame(sink.out.get(), p); rc < 0) {
    throw Error(fmt::format("writing {} failed (packet from {}): {}", sink.name, input, av_err(rc)));
  }
  sink.any = true;
  ++sink.packets;
  return true;
}

// Copies the `streams` of one input into the sink. The earliest DTS of its first packets decides the
// shift that puts it right after what the sink holds (DTS, not PTS, so the decode order stays
// increasing); the first input is not shifted. Returns false once max_duration_s stopped the copy.
bool copy_input(Sink& sink, AVFormatContext* in, const std::vector<int>& streams, const std::string& name, bool first,
                RemuxResult& result) {
  std::vector<int> map(in->nb_streams, -1);
  for (std::size_t j = 0; j < streams.size(); ++j) map[streams[j]] = static_cast<int>(j);
  Head head = read_head(in, map, streams.size(), name);
  if (head.pending.empty()) return true;  // an empty segment
  if (head.first_dts_s == std::numeric_limits<double>::max()) head.first_dts_s = 0;
  const double shift_s = first ? 0.0 : sink.end_s - head.first_dts_s;
  result.input_offsets_s.push_back(shift_s);

  const detail::PacketPtr pkt(av_packet_alloc());
  while (true) {
    if (!head.pending.empty()) {
      av_packet_unref(pkt.get());
      av_packet_move_ref(pkt.get(), head.pending.front().get());
      head.pending.pop_front();
    } else if (head.eof) {
      return true;
    } else {
      const int rc = av_read_frame(in, pkt.get());
      if (rc == AVERROR_EOF) return true;
      if (rc < 0) throw Error(fmt::format("reading {} failed: {}", name, av_err(rc)));
    }
    const int si = pkt->stream_index;
    if (!mapped(map, si)) {
      av_packet_unref(pkt.get());
      continue;
    }
    if (!write_packet(sink, pkt.get(), in->streams[si], map[si], shift_s, name)) return false;
  }
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
  Sink sink{.out = open_output(output, opened.front().get(), streams.front(), options),
            .name = output,
            .max_duration_s = options.max_duration_s,
            .join_at_s = options.join_at_s,
            .joined = std::vector<bool>(streams.front().size(), false)};

  RemuxResult result;
  result.inputs = inputs.size();
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    if (!copy_input(sink, opened[k].get(), streams[k], inputs[k], k == 0, result)) break;
  }
  if (const int rc = av_write_trailer(sink.out.get()); rc < 0) {
    throw Error(fmt::format("finishing {} failed: {}", output, av_err(rc)));
  }
  if (!sink.any) throw Error(fmt::format("no packet to write into {}: the inputs are empty", output));
  result.packets = sink.packets;
  if (sink.first_show_s < std::numeric_limits<double>::max()) result.start_s = sink.first_show_s;
  result.end_s = sink.end_s;
  result.duration_s = sink.end_s - result.start_s;
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
