#include "dub/media/publish.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include "av_input.hpp"
#include "dub/media/live_order.hpp"
#include "dub/util/error.hpp"

extern "C" {
#include <libavcodec/bsf.h>
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libavutil/mathematics.h>
#include <libavutil/time.h>
}

namespace dub::media {

namespace {

using Clock = std::chrono::steady_clock;

using detail::av_err;

// Lets libav's blocking calls give up: on cancel, on a deadline, or when a stream goes idle.
struct Interrupt {
  const std::atomic<bool>* cancel = nullptr;
  std::atomic<int64_t> deadline_us{0};  // av_gettime_relative() based; 0 = none
  static int callback(void* opaque) {
    const auto* self = static_cast<Interrupt*>(opaque);
    if (self->cancel != nullptr && self->cancel->load()) return 1;
    const int64_t deadline = self->deadline_us.load();
    return deadline != 0 && av_gettime_relative() > deadline ? 1 : 0;
  }
  void arm(double seconds) { deadline_us = av_gettime_relative() + static_cast<int64_t>(seconds * 1e6); }
};

struct OutputCloser {
  void operator()(AVFormatContext* c) const {
    if (c == nullptr) return;
    if (c->oformat != nullptr && (c->oformat->flags & AVFMT_NOFILE) == 0 && c->pb != nullptr) avio_closep(&c->pb);
    avformat_free_context(c);
  }
};
struct DictFreer {
  void operator()(AVDictionary* d) const { av_dict_free(&d); }
};
using Input = detail::InputPtr;
using Output = std::unique_ptr<AVFormatContext, OutputCloser>;
using Dict = std::unique_ptr<AVDictionary, DictFreer>;

bool is_url(const std::string& s) {
  return s.find("://") != std::string::npos;
}

Input open_input(const std::string& source, Interrupt& interrupt, double timeout_s) {
  // Deadlines come from the interrupt callback (armed here for the open, then per read/write).
  const AVIOInterruptCB cb{&Interrupt::callback, &interrupt};
  interrupt.arm(timeout_s);
  Input in = detail::open_input(source, {.timeout_s = 0, .rtsp_tcp = true, .interrupt = &cb});
  interrupt.deadline_us = 0;
  return in;
}

// AAC as MPEG-TS carries it: every frame behind an ADTS header, no AudioSpecificConfig in the
// stream's parameters. RTSP's SDP and FLV both need that config and raw frames, so the publisher
// makes the config from the stream's parameters and strips the headers (aac_adtstoasc), as an
// encoder sending its AAC over RTSP would.
struct BsfFreer {
  void operator()(AVBSFContext* c) const { av_bsf_free(&c); }
};
using Bsf = std::unique_ptr<AVBSFContext, BsfFreer>;

bool is_adts_aac(const AVCodecParameters* p) {
  return p->codec_id == AV_CODEC_ID_AAC && p->extradata_size == 0;
}

// ISO/IEC 14496-3 AudioSpecificConfig: object type (5 bits), sampling frequency index (4), channel
// configuration (4), then three zero bits.
void set_audio_specific_config(AVCodecParameters* p) {
  static constexpr std::array<int, 13> kRates{96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                              22050, 16000, 12000, 11025, 8000,  7350};
  const auto* it = std::find(kRates.begin(), kRates.end(), p->sample_rate);
  const int channels = p->ch_layout.nb_channels;
  if (it == kRates.end() || channels < 1 || channels > 8) {
    throw Error(fmt::format("AAC at {} Hz with {} channel(s) has no AudioSpecificConfig to send it with",
                            p->sample_rate, channels));
  }
  const int object = p->profile >= 0 ? p->profile + 1 : 2;  // FF_PROFILE_AAC_LOW (1) is object type 2
  const int freq = static_cast<int>(it - kRates.begin());
  const int config = channels == 8 ? 7 : channels;
  auto* data = static_cast<uint8_t*>(av_mallocz(2 + AV_INPUT_BUFFER_PADDING_SIZE));
  if (data == nullptr) throw Error("out of memory making an AudioSpecificConfig");
  data[0] = static_cast<uint8_t>((object << 3) | (freq >> 1));
  data[1] = static_cast<uint8_t>(((freq & 1) << 7) | (config << 3));
  av_freep(&p->extradata);
  p->extradata = data;
  p->extradata_size = 2;
}

Bsf adts_stripper(const AVStream* ist) {
  AVBSFContext* raw = nullptr;
  const AVBitStreamFilter* filter = av_bsf_get_by_name("aac_adtstoasc");
  if (filter == nullptr || av_bsf_alloc(filter, &raw) < 0) throw Error("libavcodec has no aac_adtstoasc filter");
  Bsf bsf(raw);
  avcodec_parameters_copy(bsf->par_in, ist->codecpar);
  bsf->time_base_in = ist->time_base;
  if (const int rc = av_bsf_init(bsf.get()); rc < 0) throw Error(fmt::format("aac_adtstoasc: {}", av_err(rc)));
  return bsf;
}

// One stripper per mapped input stream that needs it (null for the others).
std::vector<Bsf> adts_strippers(const AVFormatContext* in, const std::vector<int>& map) {
  std::vector<Bsf> out(in->nb_streams);
  for (unsigned i = 0; i < in->nb_streams; ++i) {
    if (map[i] >= 0 && is_adts_aac(in->streams[i]->codecpar)) out[i] = adts_stripper(in->streams[i]);
  }
  return out;
}

const char* muxer_for(const std::string& url) {
  if (url.starts_with("rtsp://")) return "rtsp";
  if (url.starts_with("rtmp://")) return "flv";
  return nullptr;  // guess from the file name
}

// Creates the output with one stream per audio/video input stream; returns the input->output map.
Output open_output(const std::string& url, AVFormatContext* in, Interrupt& interrupt, double timeout_s,
                   std::vector<int>& map) {
  AVFormatContext* raw = nullptr;
  int rc = avformat_alloc_output_context2(&raw, nullptr, muxer_for(url), url.c_str());
  if (rc < 0 || raw == nullptr) throw Error(fmt::format("cannot create an output for {}: {}", url, av_err(rc)));
  Output out(raw);
  out->interrupt_callback = {&Interrupt::callback, &interrupt};
  map.assign(in->nb_streams, -1);
  for (unsigned i = 0; i < in->nb_streams; ++i) {
    const AVStream* ist = in->streams[i];
    const auto type = ist->codecpar->codec_type;
    if (type != AVMEDIA_TYPE_AUDIO && type != AVMEDIA_TYPE_VIDEO) continue;
    AVStream* ost = avformat_new_stream(out.get(), nullptr);
    if (ost == nullptr) throw Error("out of memory creating an output stream");
    if ((rc = avcodec_parameters_copy(ost->codecpar, ist->codecpar)) < 0) {
      throw Error(fmt::format("cannot copy codec parameters: {}", av_err(rc)));
    }
    ost->codecpar->codec_tag = 0;
    if (is_adts_aac(ist->codecpar)) set_audio_specific_config(ost->codecpar);
    ost->time_base = ist->time_base;
    av_dict_copy(&ost->metadata, ist->metadata, 0);
    map[i] = ost->index;
  }
  if (out->nb_streams == 0) throw Error(fmt::format("{} has no audio or video stream to send", url));

  Dict opts;
  AVDictionary* raw_opts = nullptr;
  if (url.starts_with("rtsp://")) av_dict_set(&raw_opts, "rtsp_transport", "tcp", 0);
  if (!is_url(url) && url.ends_with(".mp4")) av_dict_set(&raw_opts, "movflags", "+faststart", 0);
  interrupt.arm(timeout_s);
  if ((out->oformat->flags & AVFMT_NOFILE) == 0) {
    rc = avio_open2(&out->pb, url.c_str(), AVIO_FLAG_WRITE, &out->interrupt_callback, nullptr);
    if (rc < 0) {
      av_dict_free(&raw_opts);
      throw Error(fmt::format("cannot open {} for writing: {}", url, av_err(rc)));
    }
  }
  rc = avformat_write_header(out.get(), &raw_opts);
  opts.reset(raw_opts);
  if (rc < 0) {
    throw Error(fmt::format("cannot start publishing to {}: {}", url,
                            rc == AVERROR_EXIT ? "timed out (is the server up and the port right?)" : av_err(rc)));
  }
  interrupt.deadline_us = 0;
  return out;
}

// Moves one input packet to output stream `out_index` (through `bsf` when there is one, timestamps
// rescaled) and writes it.
int write_mapped(AVPacket* pkt, const AVStream* ist, AVFormatContext* out, int out_index, AVBSFContext* bsf) {
  if (bsf != nullptr) {
    if (const int rc = av_bsf_send_packet(bsf, pkt); rc < 0) return rc;
    if (const int rc = av_bsf_receive_packet(bsf, pkt); rc < 0) return rc;
  }
  av_packet_rescale_ts(pkt, ist->time_base, out->streams[out_index]->time_base);
  pkt->stream_index = out_index;
  pkt->pos = -1;
  return av_interleaved_write_frame(out, pkt);
}

double packet_seconds(const AVPacket* pkt, AVRational tb) {
  const int64_t ts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
  return ts == AV_NOPTS_VALUE ? 0.0 : static_cast<double>(ts) * av_q2d(tb);
}

// Its presentation time, or its decode time when it has none.
double packet_pts_seconds(const AVPacket* pkt, AVRational tb) {
  return pkt->pts != AV_NOPTS_VALUE ? static_cast<double>(pkt->pts) * av_q2d(tb) : packet_seconds(pkt, tb);
}

}  // namespace

PublishResult publish(const std::string& input, const std::string& output_url, const PublishOptions& options) {
  if (!is_url(input) && !std::filesystem::exists(input)) {
    throw Error(fmt::format("fixture not found: {} (the bundled ones are in fixtures/test_streams/)", input));
  }
  Interrupt interrupt;
  interrupt.cancel = options.cancel;
  Input in = open_input(input, interrupt, options.timeout_s);
  std::vector<int> map;
  Output out = open_output(output_url, in.get(), interrupt, options.timeout_s, map);
  const auto strippers = adts_strippers(in.get(), map);

  if (options.on_started) options.on_started();
  PublishResult result;
  const auto start = Clock::now();
  // Packets leave as a live encoder would send them (see live_order.hpp), not by decode time.
  LiveOrder<detail::PacketPtr> order;
  double first_s = -1;
  double last_report = -1;
  bool ended = false;
  bool stopped = false;
  while (!ended && !stopped) {
    if (options.cancel != nullptr && options.cancel->load()) {
      result.cancelled = true;
      break;
    }
    detail::PacketPtr pkt(av_packet_alloc());
    const int rc = av_read_frame(in.get(), pkt.get());
    if (rc == AVERROR_EOF) {
      ended = true;
    } else if (rc < 0) {
      throw Error(fmt::format("reading {} failed: {}", input, av_err(rc)));
    } else if (const int si = pkt->stream_index; si >= 0 && si < static_cast<int>(map.size()) && map[si] >= 0) {
      const AVRational tb = in->streams[si]->time_base;
      const double dts_s = packet_seconds(pkt.get(), tb);
      const double pts_s = packet_pts_seconds(pkt.get(), tb);
      order.push(std::move(pkt), si, dts_s, pts_s);
    }
    while (!stopped && order.ready(ended)) {
      auto item = order.pop();
      if (first_s < 0) first_s = item.send_s;
      const double media_s = item.send_s - first_s;
      if (options.stop_after_s > 0 && media_s >= options.stop_after_s) {
        stopped = true;
        break;
      }
      if (options.realtime) {
        std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                                  std::chrono::duration<double>(media_s / options.speed)));
      }
      const int si = item.value->stream_index;
      interrupt.arm(options.timeout_s);
      const int wrc = write_mapped(item.value.get(), in->streams[si], out.get(), map[si], strippers[si].get());
      interrupt.deadline_us = 0;
      if (wrc < 0) {
        throw Error(fmt::format("sending to {} failed after {:.1f}s of media: {}", output_url, media_s,
                                wrc == AVERROR_EXIT ? "timed out" : av_err(wrc)));
      }
      result.media_s = media_s;
      ++result.packets;
      if (options.on_progress && media_s - last_report >= 1.0) {
        options.on_progress(media_s);
        last_report = media_s;
      }
    }
  }
  interrupt.arm(options.timeout_s);
  av_write_trailer(out.get());
  result.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

RecordResult record(const std::string& source_url, const std::string& output_file, const RecordOptions& options) {
  Interrupt interrupt;
  interrupt.cancel = options.cancel;
  Input in = open_input(source_url, interrupt, options.timeout_s);
  std::vector<int> map;
  Output out = open_output(output_file, in.get(), interrupt, options.timeout_s, map);
  const auto strippers = adts_strippers(in.get(), map);
  detail::PacketPtr pkt(av_packet_alloc());
  RecordResult result;
  double first_s = -1;
  bool has_video = false;
  for (unsigned i = 0; i < in->nb_streams; ++i) {
    has_video = has_video || (map[i] >= 0 && in->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO);
  }
  const bool gated = options.start_at_keyframe && has_video;
  double gate_s = -1;  // PTS of the first video keyframe
  double seen_s = -1;  // PTS of the first packet seen
  while (true) {
    interrupt.arm(options.idle_timeout_s);  // a read that blocks this long means the stream went idle
    const int rc = av_read_frame(in.get(), pkt.get());
    if (rc == AVERROR_EOF) {
      result.ended_by_eof = true;
      break;
    }
    if (rc == AVERROR_EXIT) break;  // idle or cancelled
    if (rc < 0) {
      // A live source that closes mid-read shows up as an I/O error: keep what we have.
      result.ended_by_eof = true;
      break;
    }
    const int si = pkt->stream_index;
    if (si < 0 || si >= static_cast<int>(map.size()) || map[si] < 0) {
      av_packet_unref(pkt.get());
      continue;
    }
    const AVStream* ist = in->streams[si];
    const double t = packet_seconds(pkt.get(), ist->time_base);
    if (gate_s < 0 && gated) {
      // Waiting for the first video keyframe: everything before it is dropped.
      const bool keyframe = ist->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && (pkt->flags & AV_PKT_FLAG_KEY) != 0;
      if (!keyframe) {
        if (seen_s < 0) seen_s = t;
        av_packet_unref(pkt.get());
        continue;
      }
      gate_s = t;
      result.skipped_s = seen_s < 0 ? 0 : t - seen_s;
    }
    if (gated && ist->codecpar->codec_type == AVMEDIA_TYPE_AUDIO && t < gate_s) {
      av_packet_unref(pkt.get());
      continue;
    }
    if (first_s < 0) first_s = t;
    result.media_s = std::max(result.media_s, t - first_s);
    interrupt.deadline_us = 0;
    if (const int wrc = write_mapped(pkt.get(), ist, out.get(), map[si], strippers[si].get()); wrc < 0) {
      throw Error(fmt::format("writing {} failed: {}", output_file, av_err(wrc)));
    }
    ++result.packets;
    if (options.max_duration_s > 0 && result.media_s >= options.max_duration_s) break;
  }
  interrupt.deadline_us = 0;
  if (const int rc = av_write_trailer(out.get()); rc < 0) {
    throw Error(fmt::format("finishing {} failed: {}", output_file, av_err(rc)));
  }
  return result;
}

void set_libav_verbose(bool verbose) {
  av_log_set_level(verbose ? AV_LOG_INFO : AV_LOG_ERROR);
}

}  // namespace dub::media
