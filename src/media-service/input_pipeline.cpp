#include "input_pipeline.hpp"

#include <fmt/format.h>
#include <gst/audio/audio.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "dub/util/error.hpp"
#include "worker_common.hpp"

namespace dub::media_service {

using gst::link_or_throw;
using gst::make_element;
using gst::running_ns;

InputPipeline::InputPipeline(const WorkerOptions& options, EventQueue& events, WorkerStatus& status)
    : o_(options), events_(events), status_(status), bus_{&events, options.name, false} {}

InputPipeline::~InputPipeline() {
  release();
}

void InputPipeline::stop() {
  if (pipe_ != nullptr) gst_element_set_state(pipe_, GST_STATE_NULL);
}

void InputPipeline::release() {
  gst::release_pipeline(pipe_);
}

void InputPipeline::start() {
  pipe_ = gst_pipeline_new(fmt::format("in-{}", o_.name).c_str());
  gst::watch_bus(pipe_, &bus_);
  add_source();
  if (gst_element_set_state(pipe_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    // The bus carries the reason; give it a moment to arrive.
    throw Error(
        fmt::format("cannot start reading {}{}", o_.source, events_.bus_error(false, std::chrono::milliseconds(500))));
  }
}

void InputPipeline::add_source() {
  if (is_rtsp(o_.source)) {
    GstElement* src = make_element("rtspsrc");
    g_object_set(src, "location", o_.source.c_str(), "latency", static_cast<guint>(o_.config.rtsp_latency.count()),
                 nullptr);
    gst_util_set_object_arg(G_OBJECT(src), "protocols", "tcp");
    gst_util_set_object_arg(G_OBJECT(src), "buffer-mode", o_.config.rtsp_buffer_mode.c_str());
    // MediaMTX (gortsplib) delays every SETUP answer by 1 s for user agents starting with
    // "GStreamer" (a workaround for an old rtspclientsink bug): do not introduce ourselves as such.
    g_object_set(src, "user-agent", "dubctl-media-service/" DUB_VERSION, nullptr);
    g_signal_connect(src, "pad-added", G_CALLBACK(&InputPipeline::on_source_pad), this);
    g_signal_connect(src, "no-more-pads", G_CALLBACK(&InputPipeline::on_no_more_pads), this);
    g_signal_connect(src, "new-manager", G_CALLBACK(&InputPipeline::on_rtp_manager), this);
    gst_bin_add(GST_BIN(pipe_), src);
    return;
  }
  const auto path = file_path(o_.source);
  if (!std::filesystem::exists(path)) throw Error(fmt::format("source file {} does not exist", path));
  GstElement* src = make_element("filesrc");
  g_object_set(src, "location", path.c_str(), nullptr);
  GstElement* parse = make_element("parsebin");
  g_signal_connect(parse, "pad-added", G_CALLBACK(&InputPipeline::on_source_pad), this);
  g_signal_connect(parse, "no-more-pads", G_CALLBACK(&InputPipeline::on_no_more_pads), this);
  gst_bin_add_many(GST_BIN(pipe_), src, parse, nullptr);
  link_or_throw(src, parse);
}

// ---- samples (streaming threads) -----------------------------------------------------------

GstFlowReturn InputPipeline::on_audio_sample(GstAppSink* sink, gpointer data) {
  auto* self = static_cast<InputPipeline*>(data);
  GstSample* sample = gst_app_sink_pull_sample(sink);
  if (sample == nullptr) return GST_FLOW_EOS;
  GstAudioInfo info;
  gst_audio_info_init(&info);
  GstBuffer* buf = gst_sample_get_buffer(sample);
  if (gst_audio_info_from_caps(&info, gst_sample_get_caps(sample)) && buf != nullptr) {
    GstMapInfo map;
    if (gst_buffer_map(buf, &map, GST_MAP_READ)) {
      AudioChunk chunk;
      chunk.rate = GST_AUDIO_INFO_RATE(&info);
      chunk.channels = GST_AUDIO_INFO_CHANNELS(&info);
      chunk.samples.resize(map.size / sizeof(std::int16_t));
      std::memcpy(chunk.samples.data(), map.data, chunk.samples.size() * sizeof(std::int16_t));
      chunk.pts_ns = running_ns(sample, GST_BUFFER_PTS(buf));
      gst_buffer_unmap(buf, &map);
      self->events_.post(std::move(chunk));
    }
  }
  gst_sample_unref(sample);
  return GST_FLOW_OK;
}

GstFlowReturn InputPipeline::on_video_sample(GstAppSink* sink, gpointer data) {
  auto* self = static_cast<InputPipeline*>(data);
  GstSample* sample = gst_app_sink_pull_sample(sink);
  if (sample == nullptr) return GST_FLOW_EOS;
  GstBuffer* buf = gst_sample_get_buffer(sample);
  const auto pts = buf != nullptr ? running_ns(sample, GST_BUFFER_PTS(buf)) : std::nullopt;
  if (!pts) {
    gst_sample_unref(sample);
    return GST_FLOW_OK;  // nothing to place on the timeline
  }
  VideoChunk chunk;
  chunk.unit.pts_ns = *pts;
  chunk.unit.dts_ns = running_ns(sample, GST_BUFFER_DTS(buf));
  if (GST_BUFFER_DURATION_IS_VALID(buf)) chunk.unit.duration_ns = static_cast<std::int64_t>(GST_BUFFER_DURATION(buf));
  chunk.unit.arrival = Clock::now();
  chunk.unit.keyframe = !GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
  chunk.unit.payload = std::shared_ptr<void>(sample, [](void* p) { gst_sample_unref(static_cast<GstSample*>(p)); });
  self->events_.post(std::move(chunk));
  return GST_FLOW_OK;
}

// ---- branches ------------------------------------------------------------------------------

GstElement* InputPipeline::add_appsink(const char* caps, bool audio) {
  GstElement* sink = make_element("appsink");
  GstCaps* c = gst_caps_from_string(caps);
  // async=false: no preroll. A file's demuxer feeds both branches from one thread; a sink waiting
  // to preroll on the first video packet (B-frames put it first) held it, and the audio sink, which
  // the pipeline also waited for, never got a packet: the worker hung. Live sources never preroll.
  g_object_set(sink, "caps", c, "sync", o_.pace_input ? TRUE : FALSE, "async", FALSE, "max-buffers", 0U, "drop", FALSE,
               "emit-signals", FALSE, nullptr);
  gst_caps_unref(c);
  GstAppSinkCallbacks cb{};
  cb.new_sample = audio ? &InputPipeline::on_audio_sample : &InputPipeline::on_video_sample;
  gst_app_sink_set_callbacks(GST_APP_SINK(sink), &cb, this, nullptr);
  return sink;
}

// Adds elements to the pipeline, links them in a chain, syncs their state and links `pad` to the
// first one. Throws on failure.
void InputPipeline::attach_chain(GstPad* pad, std::vector<GstElement*> chain) {
  for (auto* e : chain) gst_bin_add(GST_BIN(pipe_), e);
  GstElement* prev = nullptr;
  for (auto* e : chain) {
    if (prev != nullptr) link_or_throw(prev, e);
    prev = e;
  }
  // Downstream first, so no element pushes into one that is not running yet.
  std::for_each(chain.rbegin(), chain.rend(), [](GstElement* e) { gst_element_sync_state_with_parent(e); });
  GstPad* sinkpad = gst_element_get_static_pad(chain.front(), "sink");
  const auto rc = gst_pad_link(pad, sinkpad);
  gst_object_unref(sinkpad);
  if (GST_PAD_LINK_FAILED(rc)) {
    throw Error(fmt::format("cannot link the source's {} pad ({})", GST_PAD_NAME(pad), gst_pad_link_get_name(rc)));
  }
}

void InputPipeline::attach_fakesink(GstPad* pad) {
  GstElement* sink = make_element("fakesink");
  g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
  attach_chain(pad, {sink});
}

// H.264 elementary stream (parsed or not) -> appsink, untouched.
void InputPipeline::attach_video(GstPad* pad, const std::string& caps, GstElement* depay) {
  GstElement* parse = make_element("h264parse");
  GstElement* sink = add_appsink("video/x-h264,stream-format=avc,alignment=au", false);
  std::vector<GstElement*> chain;
  if (depay != nullptr) chain.push_back(depay);
  chain.push_back(parse);
  // RTP carries presentation times only: with B-frames (x264's and OBS's default) the decode times
  // are missing, and the output muxer, which needs them rising, squashed runs of frames onto one
  // time. h264timestamper works them out from the stream's own picture order (SPS/slice headers).
  // A file's demuxer has them already.
  if (depay != nullptr) chain.push_back(make_element("h264timestamper"));
  chain.push_back(sink);
  attach_chain(pad, chain);
  video_linked_ = true;
  status_.set_video_stream(caps);
  if (awaiting_pads_) events_.post(SourceStreams{});
}

// Encoded audio -> decodebin (its raw pad is attached in on_decoded_pad).
void InputPipeline::attach_audio_decoder(GstPad* pad, const std::string& caps) {
  // The RTSP input is live and already playing when its pads appear: a plain decodebin made it lose
  // its state, and the worker then read nothing for seconds, now and then for the whole stream (CI:
  // "source streams", then no media).
  GstElement* dec = gst::make_decodebin_for_running_pipeline();
  g_signal_connect(dec, "pad-added", G_CALLBACK(&InputPipeline::on_decoded_pad), this);
  attach_chain(pad, {dec});
  audio_linked_ = true;
  status_.set_audio_stream(caps);
  if (awaiting_pads_) events_.post(SourceStreams{});
}

// The worker passes the picture through untouched and FLV carries H.264 only: any other video codec
// fails it at start, saying so.
void InputPipeline::refuse_video(GstPad* pad, const std::string& codec) {
  events_.post(
      Fatal{fmt::format("video codec {} is not supported: the worker passes the picture through "
                        "untouched, and its RTMP output (FLV) carries H.264 only",
                        codec)});
  attach_fakesink(pad);
}

void InputPipeline::on_decoded_pad(GstElement* /*dec*/, GstPad* pad, gpointer data) {
  auto* self = static_cast<InputPipeline*>(data);
  try {
    if (!gst::pad_caps_name(pad).starts_with("audio/x-raw")) {
      self->attach_fakesink(pad);
      return;
    }
    GstElement* conv = make_element("audioconvert");
    GstElement* res = make_element("audioresample");
    const std::string ch =
        self->o_.config.channels > 0 ? fmt::format("{}", self->o_.config.channels) : std::string("[ 1, 2 ]");
    const auto caps =
        fmt::format("audio/x-raw,format=S16LE,layout=interleaved,rate={},channels={}", self->o_.config.sample_rate, ch);
    GstElement* sink = self->add_appsink(caps.c_str(), true);
    self->attach_chain(pad, {conv, res, sink});
  } catch (const std::exception& e) {
    self->events_.post(Fatal{e.what()});
  }
}

// An RTP pad of rtspsrc.
void InputPipeline::attach_rtp(GstPad* pad, const std::string& caps_text) {
  GstCaps* caps = gst_pad_get_current_caps(pad);
  if (caps == nullptr) caps = gst_pad_query_caps(pad, nullptr);
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  const char* media_field = gst_structure_get_string(s, "media");
  const char* enc_field = gst_structure_get_string(s, "encoding-name");
  const std::string media = media_field != nullptr ? media_field : "";
  const std::string enc = enc_field != nullptr ? enc_field : "";
  gst_caps_unref(caps);
  if (media == "video" && !video_linked_) {
    if (enc != "H264") {
      refuse_video(pad, enc);
      return;
    }
    attach_video(pad, caps_text, make_element("rtph264depay"));
  } else if (media == "audio" && !audio_linked_) {
    attach_audio_decoder(pad, caps_text);
  } else {
    attach_fakesink(pad);
  }
}

// An elementary stream pad of parsebin.
void InputPipeline::attach_stream(GstPad* pad, const std::string& name, const std::string& caps_text) {
  if (name.starts_with("video/") && !video_linked_) {
    if (name != "video/x-h264") {
      refuse_video(pad, name);
      return;
    }
    attach_video(pad, caps_text, nullptr);
  } else if (name.starts_with("audio/") && !audio_linked_) {
    attach_audio_decoder(pad, caps_text);
  } else {
    attach_fakesink(pad);
  }
}

// Source pads: rtspsrc (application/x-rtp) or parsebin (elementary streams).
void InputPipeline::on_source_pad(GstElement* /*src*/, GstPad* pad, gpointer data) {
  auto* self = static_cast<InputPipeline*>(data);
  try {
    std::string full;
    const auto name = gst::pad_caps_name(pad, &full);
    if (name == "application/x-rtp") {
      self->attach_rtp(pad, full);
    } else {
      self->attach_stream(pad, name, full);
    }
  } catch (const std::exception& e) {
    self->events_.post(Fatal{e.what()});
  }
}

void InputPipeline::on_no_more_pads(GstElement* /*src*/, gpointer data) {
  static_cast<InputPipeline*>(data)->events_.post(SourceStreams{});
}

// rtspsrc's rtpbin: how audio and video are lined up. MediaMTX sends RTCP sender reports only
// every 10 s, so without RTP-Info the streams would be aligned by the arrival of their first
// packets until then; "rtp-info" uses the RTP-Info of the PLAY answer (one common start).
void InputPipeline::on_rtp_manager(GstElement* /*src*/, GstElement* manager, gpointer data) {
  auto* self = static_cast<InputPipeline*>(data);
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(manager), "rtcp-sync") != nullptr) {
    gst_util_set_object_arg(G_OBJECT(manager), "rtcp-sync", self->o_.config.rtsp_sync.c_str());
  }
}

}  // namespace dub::media_service
