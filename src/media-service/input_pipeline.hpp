#pragma once
// InputPipeline: reads the source and posts what it gets to the worker's event queue.
//
//   rtspsrc (TCP) | filesrc ! parsebin
//     video: H.264 (depayloaded) ! h264parse ! appsink  -> VideoChunk (never re-encoded)
//     audio: decodebin ! audioconvert ! audioresample ! appsink (S16LE, fixed rate) -> AudioChunk
//     anything else (or a second audio/video stream): fakesink
//
// Each stream's pad is recorded in WorkerStatus; no-more-pads becomes SourceStreams (posted again
// when a pad arrives after it); bus EOS/errors become BusEvents, failures in callbacks Fatal.
#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include <atomic>
#include <string>
#include <vector>

#include "gst_util.hpp"
#include "worker_events.hpp"
#include "worker_options.hpp"
#include "worker_status.hpp"

namespace dub::media_service {

class InputPipeline {
 public:
  InputPipeline(const WorkerOptions& options, EventQueue& events, WorkerStatus& status);
  ~InputPipeline();
  InputPipeline(const InputPipeline&) = delete;
  InputPipeline& operator=(const InputPipeline&) = delete;
  InputPipeline(InputPipeline&&) = delete;
  InputPipeline& operator=(InputPipeline&&) = delete;

  // Builds the pipeline and starts reading (throws dub::Error with the bus's reason).
  void start();
  // Stops reading (the pipeline stays until release()).
  void stop();
  void release();
  // SourceStreams came before every stream's pad was attached: a later pad posts it again.
  void await_pads(bool on) { awaiting_pads_ = on; }

 private:
  static GstFlowReturn on_audio_sample(GstAppSink* sink, gpointer data);
  static GstFlowReturn on_video_sample(GstAppSink* sink, gpointer data);
  static void on_decoded_pad(GstElement* dec, GstPad* pad, gpointer data);
  static void on_source_pad(GstElement* src, GstPad* pad, gpointer data);
  static void on_no_more_pads(GstElement* src, gpointer data);
  static void on_rtp_manager(GstElement* src, GstElement* manager, gpointer data);

  void add_source();
  GstElement* add_appsink(const char* caps, bool audio);
  void attach_chain(GstPad* pad, std::vector<GstElement*> chain);
  void attach_fakesink(GstPad* pad);
  void attach_video(GstPad* pad, const std::string& caps, GstElement* depay);
  void attach_audio_decoder(GstPad* pad, const std::string& caps);
  void attach_rtp(GstPad* pad, const std::string& caps);
  void attach_stream(GstPad* pad, const std::string& name, const std::string& caps);
  void refuse_video(GstPad* pad, const std::string& codec);

  const WorkerOptions& o_;
  EventQueue& events_;
  WorkerStatus& status_;
  gst::BusTarget bus_;
  GstElement* pipe_ = nullptr;
  bool audio_linked_ = false;  // first audio branch taken (more audio tracks are ignored)
  bool video_linked_ = false;
  std::atomic<bool> awaiting_pads_{false};
};

}  // namespace dub::media_service
