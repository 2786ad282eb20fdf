// analyze_marker_sync measures A/V sync from the content (the fixture's white box against the
// counted words' onsets), so shifting one stream by a known amount must move every measured offset
// by that amount. The shifted copies are made here with libav (packets copied, one stream's
// timestamps moved; nothing decoded or re-encoded), as a media service timestamping its output
// audio late does (MEDIA_FAULT_AUDIO_SHIFT_MS).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <string>

#include "dub/media/drift.hpp"

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/mathematics.h>
}

namespace fs = std::filesystem;

namespace {

const std::string kSpeech = std::string(DUB_SOURCE_DIR) + "/fixtures/test_streams/30s-english-speech.mp4";

struct InputCloser {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
struct OutputCloser {
  void operator()(AVFormatContext* c) const {
    if (c != nullptr && c->pb != nullptr) avio_closep(&c->pb);
    avformat_free_context(c);
  }
};
struct PacketFree {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};

// Copies `src` to `dst`, the timestamps of its `type` stream `shift_s` later (>= 0: nothing before 0).
void copy_shifted(const std::string& src, const std::string& dst, AVMediaType type, double shift_s) {
  AVFormatContext* raw_in = nullptr;
  ASSERT_EQ(avformat_open_input(&raw_in, src.c_str(), nullptr, nullptr), 0) << src;
  const std::unique_ptr<AVFormatContext, InputCloser> in(raw_in);
  ASSERT_GE(avformat_find_stream_info(in.get(), nullptr), 0);
  AVFormatContext* raw_out = nullptr;
  ASSERT_GE(avformat_alloc_output_context2(&raw_out, nullptr, nullptr, dst.c_str()), 0) << dst;
  const std::unique_ptr<AVFormatContext, OutputCloser> out(raw_out);
  for (unsigned i = 0; i < in->nb_streams; ++i) {
    AVStream* os = avformat_new_stream(out.get(), nullptr);
    ASSERT_NE(os, nullptr);
    ASSERT_GE(avcodec_parameters_copy(os->codecpar, in->streams[i]->codecpar), 0);
    os->codecpar->codec_tag = 0;
    os->time_base = in->streams[i]->time_base;
  }
  ASSERT_GE(avio_open(&out->pb, dst.c_str(), AVIO_FLAG_WRITE), 0) << dst;
  ASSERT_GE(avformat_write_header(out.get(), nullptr), 0);
  const std::unique_ptr<AVPacket, PacketFree> pkt(av_packet_alloc());
  while (av_read_frame(in.get(), pkt.get()) >= 0) {
    const AVStream* is = in->streams[pkt->stream_index];
    if (is->codecpar->codec_type == type) {
      const int64_t shift = av_rescale_q(std::llround(shift_s * 1e6), AVRational{1, 1000000}, is->time_base);
      if (pkt->pts != AV_NOPTS_VALUE) pkt->pts += shift;
      if (pkt->dts != AV_NOPTS_VALUE) pkt->dts += shift;
    }
    av_packet_rescale_ts(pkt.get(), is->time_base, out->streams[pkt->stream_index]->time_base);
    ASSERT_GE(av_interleaved_write_frame(out.get(), pkt.get()), 0);
  }
  ASSERT_GE(av_write_trailer(out.get()), 0);
}

class MarkerSync : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dub-marker-sync-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The fixture with one stream shifted, measured: every one of its 30 markers pairs, each offset
  // within 10 ms of `expected_s` (the fixture's own words start within 10 ms of their boxes: a 1 ms
  // audio block, a 40 ms frame whose timestamp is the box's).
  void expect_measured(AVMediaType shifted, double shift_s, double expected_s) {
    const auto file = (dir_ / "shifted.mp4").string();
    copy_shifted(kSpeech, file, shifted, shift_s);
    if (HasFatalFailure()) return;
    const auto m = dub::media::analyze_marker_sync(file);
    EXPECT_EQ(m.video_markers, 30U);
    EXPECT_EQ(m.pairs.size(), 30U);
    EXPECT_NEAR(m.mean_offset_s, expected_s, 0.010);
    for (const auto& p : m.pairs) EXPECT_NEAR(p.offset_s, expected_s, 0.010) << "marker at " << p.video_s << " s";
  }

  fs::path dir_;
};

TEST_F(MarkerSync, AnUnshiftedCopyIsInSync) {
  expect_measured(AVMEDIA_TYPE_AUDIO, 0.0, 0.0);
}

TEST_F(MarkerSync, AudioShiftedLateIsMeasuredLate) {
  expect_measured(AVMEDIA_TYPE_AUDIO, 0.200, 0.200);
  expect_measured(AVMEDIA_TYPE_AUDIO, 0.065, 0.065);  // not a whole number of frames (40 ms) or AAC frames
}

// The picture 120 ms late is the sound 120 ms early: negative offsets.
TEST_F(MarkerSync, VideoShiftedLateIsMeasuredAsEarlyAudio) {
  expect_measured(AVMEDIA_TYPE_VIDEO, 0.120, -0.120);
}

}  // namespace
