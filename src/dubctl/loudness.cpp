#include "loudness.hpp"

#include <fmt/format.h>

extern "C" {
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/channel_layout.h>
#include <libavutil/dict.h>
#include <libavutil/frame.h>
#include <libavutil/log.h>
#include <libavutil/samplefmt.h>
}

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>

#include "dub/util/error.hpp"

namespace dubctl {

namespace {

constexpr std::size_t kChunkFrames = 4800;  // 100 ms at 48 kHz: what is pushed into the graph at once

struct GraphDeleter {
  void operator()(AVFilterGraph* g) const { avfilter_graph_free(&g); }
};
struct FrameDeleter {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
using GraphPtr = std::unique_ptr<AVFilterGraph, GraphDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;

std::string av_error(int code) {
  std::array<char, AV_ERROR_MAX_STRING_SIZE> buf{};
  av_strerror(code, buf.data(), buf.size());
  return buf.data();
}

void check(int rc, const char* what) {
  if (rc < 0) throw dub::Error(fmt::format("loudness: {} failed: {}", what, av_error(rc)));
}

double to_db(double linear) {
  return linear > 0 ? 20.0 * std::log10(linear) : -200.0;
}

// Keeps libavfilter's own chatter (ebur128 logs every frame and a summary at "info") off the terminal.
class QuietLibav {
 public:
  QuietLibav() : level_(av_log_get_level()) { av_log_set_level(std::min(level_, AV_LOG_ERROR)); }
  ~QuietLibav() { av_log_set_level(level_); }
  QuietLibav(const QuietLibav&) = delete;
  QuietLibav& operator=(const QuietLibav&) = delete;
  QuietLibav(QuietLibav&&) = delete;
  QuietLibav& operator=(QuietLibav&&) = delete;

 private:
  int level_;
};

// abuffer (s16, the track's rate and layout) -> ebur128 (true and sample peak, per-frame metadata) -> abuffersink
struct Ebur128Graph {
  GraphPtr graph{avfilter_graph_alloc()};
  AVFilterContext* src = nullptr;
  AVFilterContext* sink = nullptr;

  Ebur128Graph(int sample_rate, int channels) {
    if (!graph) throw dub::Error("loudness: cannot allocate a filter graph");
    AVChannelLayout layout{};
    av_channel_layout_default(&layout, channels);
    std::array<char, 64> layout_name{};
    av_channel_layout_describe(&layout, layout_name.data(), layout_name.size());
    av_channel_layout_uninit(&layout);
    const auto args = fmt::format("time_base=1/{}:sample_rate={}:sample_fmt=s16:channel_layout={}", sample_rate,
                                  sample_rate, layout_name.data());
    check(avfilter_graph_create_filter(&src, avfilter_get_by_name("abuffer"), "in", args.c_str(), nullptr, graph.get()),
          "abuffer");
    AVFilterContext* meter = nullptr;
    check(avfilter_graph_create_filter(&meter, avfilter_get_by_name("ebur128"), "ebur128",
                                       "peak=true+sample:metadata=1:framelog=verbose", nullptr, graph.get()),
          "ebur128");
    check(
        avfilter_graph_create_filter(&sink, avfilter_get_by_name("abuffersink"), "out", nullptr, nullptr, graph.get()),
        "abuffersink");
    check(avfilter_link(src, 0, meter, 0), "linking abuffer to ebur128");
    check(avfilter_link(meter, 0, sink, 0), "linking ebur128 to abuffersink");
    check(avfilter_graph_config(graph.get(), nullptr), "configuring the filter graph");
  }
};

// Reads what ebur128 attached to the frames that came out so far.
void drain(AVFilterContext* sink, AVFrame* out, LoudnessFigures& f, double& true_peak, double& sample_peak) {
  while (true) {
    const int rc = av_buffersink_get_frame(sink, out);
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
    check(rc, "reading the filter graph");
    const auto value = [out](const char* key) -> std::optional<double> {
      const AVDictionaryEntry* e = av_dict_get(out->metadata, key, nullptr, 0);
      if (e == nullptr) return std::nullopt;
      return std::strtod(e->value, nullptr);
    };
    if (const auto i = value("lavfi.r128.I")) f.integrated_lufs = *i;
    if (const auto tp = value("lavfi.r128.true_peak")) true_peak = std::max(true_peak, *tp);
    if (const auto sp = value("lavfi.r128.sample_peak")) sample_peak = std::max(sample_peak, *sp);
    av_frame_unref(out);
  }
}

}  // namespace

LoudnessFigures measure_loudness(const dub::media::Pcm& pcm, std::size_t from_frame, std::size_t to_frame) {
  LoudnessFigures f;
  to_frame = std::min(to_frame, pcm.frames());
  if (pcm.sample_rate <= 0 || pcm.channels <= 0 || from_frame >= to_frame) return f;
  const QuietLibav quiet;
  Ebur128Graph g(pcm.sample_rate, pcm.channels);
  const FramePtr in(av_frame_alloc());
  const FramePtr out(av_frame_alloc());
  if (!in || !out) throw dub::Error("loudness: cannot allocate a frame");
  const auto channels = static_cast<std::size_t>(pcm.channels);
  double true_peak = 0;
  double sample_peak = 0;
  for (std::size_t at = from_frame; at < to_frame; at += kChunkFrames) {
    const std::size_t n = std::min(kChunkFrames, to_frame - at);
    in->format = AV_SAMPLE_FMT_S16;
    in->sample_rate = pcm.sample_rate;
    av_channel_layout_default(&in->ch_layout, pcm.channels);
    in->nb_samples = static_cast<int>(n);
    in->pts = static_cast<std::int64_t>(at - from_frame);
    check(av_frame_get_buffer(in.get(), 0), "allocating samples");
    const auto* first = pcm.samples.data() + at * channels;
    std::memcpy(in->data[0], first, n * channels * sizeof(std::int16_t));
    for (std::size_t i = 0; i < n * channels; ++i) {
      if (first[i] == std::numeric_limits<std::int16_t>::max() || first[i] == std::numeric_limits<std::int16_t>::min())
        ++f.clipped_samples;
    }
    check(av_buffersrc_add_frame(g.src, in.get()), "feeding the filter graph");  // takes the samples, resets `in`
    drain(g.sink, out.get(), f, true_peak, sample_peak);
  }
  check(av_buffersrc_add_frame(g.src, nullptr), "flushing the filter graph");
  drain(g.sink, out.get(), f, true_peak, sample_peak);
  f.true_peak_dbtp = to_db(true_peak);
  f.sample_peak_dbfs = to_db(sample_peak);
  f.duration_s = static_cast<double>(to_frame - from_frame) / pcm.sample_rate;
  return f;
}

LoudnessReport compare_loudness(const dub::media::Pcm& media, const dub::media::Pcm& reference,
                                const LoudnessExpect& expect) {
  LoudnessReport r;
  r.expect = expect;
  r.media = measure_loudness(media, 0, media.frames());
  r.reference = measure_loudness(reference, 0, reference.frames());
  const double diff = r.media.integrated_lufs - r.reference.integrated_lufs;
  if (std::abs(diff) > expect.max_difference_lu) {
    r.problems.push_back(
        fmt::format("integrated loudness {:.1f} LUFS, the original's {:.1f} LUFS: {:+.2f} LU (more "
                    "than ±{:g} LU)",
                    r.media.integrated_lufs, r.reference.integrated_lufs, diff, expect.max_difference_lu));
  }
  if (r.media.true_peak_dbtp >= expect.max_true_peak_dbtp) {
    r.problems.push_back(fmt::format("true peak {:.1f} dBTP (must stay below {:g} dBTP)", r.media.true_peak_dbtp,
                                     expect.max_true_peak_dbtp));
  }
  if (r.media.clipped_samples > expect.max_clipped_samples) {
    r.problems.push_back(fmt::format("{} samples at full scale (clipped; at most {})", r.media.clipped_samples,
                                     expect.max_clipped_samples));
  }
  const double window_s = std::chrono::duration<double>(expect.window).count();
  const auto media_window = static_cast<std::size_t>(std::llround(window_s * media.sample_rate));
  const auto ref_window = static_cast<std::size_t>(std::llround(window_s * reference.sample_rate));
  for (std::size_t k = 0; media_window > 0 && k * media_window < media.frames(); ++k) {
    LoudnessWindow w;
    w.index = static_cast<int>(k);
    w.media = measure_loudness(media, k * media_window, (k + 1) * media_window);
    if (w.media.duration_s < 0.5) break;  // a tail too short for the meter's 400 ms blocks
    w.start_s = window_s * static_cast<double>(k);
    w.end_s = w.start_s + w.media.duration_s;
    w.reference = measure_loudness(reference, k * ref_window, (k + 1) * ref_window);
    w.reference_speech = w.reference.integrated_lufs > expect.silence_lufs;
    const auto name = fmt::format("window {} ({:.0f}-{:.0f} s)", w.index, w.start_s, w.end_s);
    const double d = w.media.integrated_lufs - w.reference.integrated_lufs;
    if (w.reference_speech && w.media.integrated_lufs <= expect.silence_lufs) {
      w.problem = fmt::format("{}: silent ({:.1f} LUFS) where the original has speech ({:.1f} LUFS)", name,
                              w.media.integrated_lufs, w.reference.integrated_lufs);
    } else if (w.reference_speech && std::abs(d) > expect.window_limit_lu()) {
      w.problem = fmt::format("{}: {:.1f} LUFS, the original's {:.1f} LUFS: {:+.2f} LU (more than ±{:g} LU)", name,
                              w.media.integrated_lufs, w.reference.integrated_lufs, d, expect.window_limit_lu());
    }
    if (!w.problem.empty()) r.problems.push_back(w.problem);
    r.windows.push_back(std::move(w));
  }
  return r;
}

LoudnessReport check_loudness(const std::string& media, const std::string& reference_file,
                              const LoudnessExpect& expect) {
  auto r = compare_loudness(dub::media::decode_audio(media), dub::media::decode_audio(reference_file), expect);
  r.reference_file = reference_file;
  return r;
}

std::vector<std::pair<std::string, std::string>> LoudnessReport::properties() const {
  const auto join = [this](auto pick) {
    std::string out;
    for (const auto& w : windows) out += (out.empty() ? "" : " ") + fmt::format("{:.1f}", pick(w));
    return out;
  };
  return {
      {"loudness_lufs", fmt::format("{:.1f}", media.integrated_lufs)},
      {"loudness_reference_lufs", fmt::format("{:.1f}", reference.integrated_lufs)},
      {"loudness_difference_lu", fmt::format("{:+.1f}", media.integrated_lufs - reference.integrated_lufs)},
      {"true_peak_dbtp", fmt::format("{:.1f}", media.true_peak_dbtp)},
      {"sample_peak_dbfs", fmt::format("{:.1f}", media.sample_peak_dbfs)},
      {"clipped_samples", fmt::format("{}", media.clipped_samples)},
      {"loudness_window_lufs", join([](const LoudnessWindow& w) { return w.media.integrated_lufs; })},
      {"loudness_reference_window_lufs", join([](const LoudnessWindow& w) { return w.reference.integrated_lufs; })},
      {"true_peak_window_dbtp", join([](const LoudnessWindow& w) { return w.media.true_peak_dbtp; })},
  };
}

}  // namespace dubctl
