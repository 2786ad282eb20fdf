#pragma once
// OutputPipeline: what the worker publishes, muxed and sent.
//
//   audio appsrc (S16LE) ! audioconvert ! AAC encoder (language tag) ! aacparse ! queue -+
//   video appsrc (H.264 as received)     ! h264parse ! queue                           -+-> flvmux
//     -> rtmp2sink (streamable, rendered at the clock when paced) | filesink
//
// Opened with the first fragment to publish. Timestamps are the input's minus one common base
// (OutputTimeline), after the RTMP lead-in (leadin.hpp); video is delayed by the AAC encoder's
// priming so that picture and sound line up when played.
#include <gst/gst.h>

#include <cstdint>
#include <optional>
#include <string>

#include "av_pairing.hpp"
#include "gst_util.hpp"
#include "segmenter.hpp"
#include "worker_common.hpp"
#include "worker_events.hpp"
#include "worker_options.hpp"
#include "worker_status.hpp"

namespace dub::media_service {

// Output timestamps: the program's timeline (input PTS - base) after the RTMP lead-in.
struct OutputTimeline {
  std::optional<std::int64_t> base_ns;
  std::int64_t leadin_ns = 0;
  std::int64_t video_delay_ns = 0;

  [[nodiscard]] std::uint64_t program_ts(std::int64_t input_ns) const {
    return static_cast<std::uint64_t>(std::max<std::int64_t>(0, input_ns - base_ns.value_or(0)));
  }
  [[nodiscard]] std::uint64_t out_ts(std::int64_t input_ns) const {
    return program_ts(input_ns) + static_cast<std::uint64_t>(leadin_ns);
  }
  [[nodiscard]] std::uint64_t video_out_ts(std::int64_t input_ns) const {
    return out_ts(input_ns) + static_cast<std::uint64_t>(video_delay_ns);
  }
};

class OutputPipeline {
 public:
  OutputPipeline(const WorkerOptions& options, EventQueue& events, WorkerStatus& status);
  ~OutputPipeline();
  OutputPipeline(const OutputPipeline&) = delete;
  OutputPipeline& operator=(const OutputPipeline&) = delete;
  OutputPipeline(OutputPipeline&&) = delete;
  OutputPipeline& operator=(OutputPipeline&&) = delete;

  // Opens the output: plans the lead-in for `sample_rate` and the video's PTS-DTS reorder delay,
  // builds and starts the pipeline (throws dub::Error with the bus's reason).
  void open(int sample_rate, std::int64_t video_reorder_ns, bool with_video);
  [[nodiscard]] bool opened() const { return pipe_ != nullptr; }
  [[nodiscard]] bool has_video() const { return vsrc_ != nullptr; }
  [[nodiscard]] bool audio_started() const { return audio_caps_set_; }
  OutputTimeline& timeline() { return timeline_; }

  // A fragment's audio; the first one also sets the caps and language tag and sends the lead-in.
  void push_audio(const PcmFragment& a);
  void push_video(VideoUnit& v);
  // When paced: the steady_clock ns of output running time 0 (estimated until the pipeline plays,
  // from `pts_ns` going out `now`). nullopt when not paced (a frame leaves when pushed).
  std::optional<std::int64_t> render_base(Clock::time_point now, std::int64_t pts_ns);

  // Closing: begin_close() is true the first time for an opened output; end_of_stream() then.
  bool begin_close();
  void end_of_stream();
  [[nodiscard]] bool closing() const { return eos_sent_; }
  void set_done() { done_ = true; }
  [[nodiscard]] bool done() const { return done_; }
  [[nodiscard]] std::optional<Clock::time_point> deadline() const { return deadline_; }
  void release();

 private:
  GstElement* add_audio_branch(const std::string& encoder);
  void add_video_branch(GstElement* mux);
  GstElement* add_sink(bool rtmp, bool sync);
  void start_clock_in_the_past();
  void set_audio_caps(int sample_rate, int channels);
  void push_leadin(int sample_rate, int channels);
  void push(GstElement* src, GstBuffer* buf, const char* what) const;

  const WorkerOptions& o_;
  EventQueue& events_;
  WorkerStatus& status_;
  gst::BusTarget bus_;
  GstElement* pipe_ = nullptr;
  GstElement* asrc_ = nullptr;
  GstElement* vsrc_ = nullptr;
  GstCaps* vcaps_pushed_ = nullptr;
  bool audio_caps_set_ = false;
  bool paced_ = false;
  std::int64_t priming_frames_ = 0;
  std::int64_t leadin_samples_ = 0;  // silence before the program (RTMP lead-in)
  OutputTimeline timeline_;
  std::optional<std::int64_t> render_base_estimate_;
  std::int64_t pushed_until_ns_ = 0;  // the output running time everything pushed so far reaches
  bool eos_sent_ = false;
  bool done_ = false;
  std::optional<Clock::time_point> deadline_;
};

}  // namespace dub::media_service
