#include "output_pipeline.hpp"

#include <fmt/format.h>
#include <gst/app/gstappsrc.h>

#include <algorithm>
#include <vector>

#include "dub/sts/protocol.hpp"
#include "dub/util/error.hpp"
#include "dub/util/log.hpp"
#include "leadin.hpp"

namespace dub::media_service {

using gst::link_or_throw;
using gst::make_element;

namespace {

// AAC encoders in order of preference; the first one installed is used unless one is named.
std::string pick_aac_encoder(const std::string& wanted) {
  if (!wanted.empty() && wanted != "auto") {
    if (!gst::element_exists(wanted.c_str())) throw Error(fmt::format("AUDIO_ENCODER={} is not installed", wanted));
    return wanted;
  }
  for (const char* name : {"fdkaacenc", "avenc_aac", "voaacenc"}) {
    if (gst::element_exists(name)) return name;
  }
  throw Error("no AAC encoder available (need fdkaacenc, avenc_aac from gstreamer1.0-libav, or voaacenc)");
}

// Encoder priming (samples of silence an AAC encoder puts before the first input sample). FLV has
// no edit lists to hide it, so decoders play it and the audio lands this much late; the worker
// delays the video by the same amount. Measured on this project's fixture (content onsets vs the
// video marker): avenc_aac 1024 samples, voaacenc 1600. Unknown encoders: not compensated.
std::int64_t encoder_priming_frames(const std::string& encoder) {
  if (encoder == "avenc_aac") return 1024;
  if (encoder == "voaacenc") return 1600;
  return 0;
}

GstElement* unbounded_queue() {
  GstElement* q = make_element("queue");
  g_object_set(q, "max-size-buffers", 0U, "max-size-bytes", 0U, "max-size-time", static_cast<guint64>(0), nullptr);
  return q;
}

GstElement* time_appsrc(const char* name) {
  GstElement* src = make_element("appsrc", name);
  g_object_set(src, "format", GST_FORMAT_TIME, "is-live", FALSE, "max-bytes", static_cast<guint64>(0), nullptr);
  return src;
}

void link_pad_to_mux(GstElement* from, GstElement* mux, const char* pad_template) {
  GstPad* sinkpad = gst_element_request_pad_simple(mux, pad_template);
  GstPad* srcpad = gst_element_get_static_pad(from, "src");
  const auto rc = gst_pad_link(srcpad, sinkpad);
  gst_object_unref(srcpad);
  gst_object_unref(sinkpad);
  if (GST_PAD_LINK_FAILED(rc)) throw Error(fmt::format("cannot link the {} branch to flvmux", pad_template));
}

}  // namespace

OutputPipeline::OutputPipeline(const WorkerOptions& options, EventQueue& events, WorkerStatus& status)
    : o_(options), events_(events), status_(status), bus_{&events, options.name, true} {}

OutputPipeline::~OutputPipeline() {
  release();
}

void OutputPipeline::release() {
  gst::release_pipeline(pipe_);
  if (vcaps_pushed_ != nullptr) {
    gst_caps_unref(vcaps_pushed_);
    vcaps_pushed_ = nullptr;
  }
}

// ---- building ------------------------------------------------------------------------------

void OutputPipeline::open(int sample_rate, std::int64_t video_reorder_ns, bool with_video) {
  // The RTMP lead-in (leadin.hpp): silence from output time 0 up to the program's start, so that
  // the server's track probe consumes it instead of the program's first seconds.
  if (o_.output_leadin().count() > 0) {
    leadin_samples_ = rtmp_leadin_samples(o_.output_leadin(), sample_rate, video_reorder_ns);
    timeline_.leadin_ns = sts::protocol::frames_to_ns(static_cast<std::uint64_t>(leadin_samples_), sample_rate);
  }
  const bool rtmp = is_rtmp(o_.sink);
  const bool sync = o_.sync_output();
  paced_ = sync;
  pipe_ = gst_pipeline_new(fmt::format("out-{}", o_.name).c_str());
  gst::watch_bus(pipe_, &bus_);

  const auto fault_codec = o_.config.faults.audio_elements();  // MEDIA_FAULT_AUDIO_CODEC (faults.hpp)
  const std::string encoder = fault_codec ? fault_codec->encoder : pick_aac_encoder(o_.config.audio_encoder);
  status_.set_encoder(encoder);
  priming_frames_ = encoder_priming_frames(encoder);
  GstElement* audio_end = add_audio_branch(encoder);
  GstElement* mux = make_element("flvmux", "mux");
  g_object_set(mux, "streamable", rtmp ? TRUE : FALSE, nullptr);
  GstElement* sink = add_sink(rtmp, sync);
  gst_bin_add_many(GST_BIN(pipe_), mux, sink, nullptr);
  link_pad_to_mux(audio_end, mux, "audio");
  if (with_video) add_video_branch(mux);
  link_or_throw(mux, sink);
  if (sync && timeline_.leadin_ns > 0) start_clock_in_the_past();
  if (gst_element_set_state(pipe_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    throw Error(
        fmt::format("cannot open the output {}{}", o_.sink, events_.bus_error(true, std::chrono::milliseconds(500))));
  }
  dub::log::info("output opened", stream_fields(o_.name, {{"output", o_.sink},
                                                          {"video", with_video},
                                                          {"audio_encoder", encoder},
                                                          {"encoder_priming_frames", priming_frames_},
                                                          {"paced", sync}}));
}

// appsrc ! audioconvert ! encoder ! aacparse ! queue; returns the queue. MEDIA_FAULT_AUDIO_CODEC
// (faults.hpp): audioresample to the fault codec's rate, its encoder (default bitrate), its parser.
GstElement* OutputPipeline::add_audio_branch(const std::string& encoder) {
  const auto fault_codec = o_.config.faults.audio_elements();
  asrc_ = time_appsrc("audio_src");
  GstElement* aconv = make_element("audioconvert");
  GstElement* enc = make_element(encoder.c_str());
  GstElement* aparse = make_element(fault_codec ? fault_codec->parser.c_str() : "aacparse");
  GstElement* aq = unbounded_queue();
  gst_bin_add_many(GST_BIN(pipe_), asrc_, aconv, enc, aparse, aq, nullptr);
  link_or_throw(asrc_, aconv);
  if (fault_codec) {
    GstElement* resample = make_element("audioresample");
    gst_bin_add(GST_BIN(pipe_), resample);
    link_or_throw(aconv, resample);
    GstCaps* caps = gst_caps_new_simple("audio/x-raw", "rate", G_TYPE_INT, fault_codec->sample_rate, nullptr);
    const gboolean linked = gst_element_link_filtered(resample, enc, caps);
    gst_caps_unref(caps);
    if (linked == FALSE) throw Error(fmt::format("cannot link audioresample to {}", encoder));
  } else {
    // The property's type differs between encoders (gint, gint64): let GStreamer parse it.
    gst_util_set_object_arg(G_OBJECT(enc), "bitrate", std::to_string(o_.config.audio_bitrate).c_str());
    link_or_throw(aconv, enc);
  }
  link_or_throw(enc, aparse);
  link_or_throw(aparse, aq);
  return aq;
}

void OutputPipeline::add_video_branch(GstElement* mux) {
  vsrc_ = time_appsrc("video_src");
  GstElement* vparse = make_element("h264parse");
  GstElement* vq = unbounded_queue();
  gst_bin_add_many(GST_BIN(pipe_), vsrc_, vparse, vq, nullptr);
  link_or_throw(vsrc_, vparse);
  link_or_throw(vparse, vq);
  link_pad_to_mux(vq, mux, "video");
}

GstElement* OutputPipeline::add_sink(bool rtmp, bool sync) {
  GstElement* sink = nullptr;
  if (rtmp) {
    sink = make_element("rtmp2sink", "sink");
    g_object_set(sink, "location", o_.sink.c_str(), nullptr);
  } else {
    sink = make_element("filesink", "sink");
    g_object_set(sink, "location", file_path(o_.sink).c_str(), nullptr);
  }
  g_object_set(sink, "sync", sync ? TRUE : FALSE, nullptr);
  return sink;
}

// Running time 0 (the lead-in) lies that far in the past: the lead-in goes out at once and the
// program is rendered from now on, so the lead-in adds no output delay.
void OutputPipeline::start_clock_in_the_past() {
  GstClock* clock = gst_system_clock_obtain();
  const GstClockTime now = gst_clock_get_time(clock);
  gst_pipeline_use_clock(GST_PIPELINE(pipe_), clock);
  gst_object_unref(clock);
  gst_element_set_start_time(pipe_, GST_CLOCK_TIME_NONE);
  const auto lead = static_cast<GstClockTime>(timeline_.leadin_ns);
  gst_element_set_base_time(pipe_, now > lead ? now - lead : 0);
}

// ---- pushing -------------------------------------------------------------------------------

void OutputPipeline::push(GstElement* src, GstBuffer* buf, const char* what) const {
  if (gst_app_src_push_buffer(GST_APP_SRC(src), buf) != GST_FLOW_OK) {
    throw Error(fmt::format("the output refused {} (is {} still open?)", what, o_.sink));
  }
}

void OutputPipeline::set_audio_caps(int sample_rate, int channels) {
  GstCaps* caps =
      gst_caps_new_simple("audio/x-raw", "format", G_TYPE_STRING, "S16LE", "layout", G_TYPE_STRING, "interleaved",
                          "rate", G_TYPE_INT, sample_rate, "channels", G_TYPE_INT, channels, nullptr);
  if (channels == 2) gst_caps_set_simple(caps, "channel-mask", GST_TYPE_BITMASK, static_cast<guint64>(0x3), nullptr);
  gst_app_src_set_caps(GST_APP_SRC(asrc_), caps);
  gst_caps_unref(caps);
  timeline_.video_delay_ns = sts::protocol::frames_to_ns(static_cast<std::uint64_t>(priming_frames_), sample_rate);
  GstTagList* tags = gst_tag_list_new(GST_TAG_LANGUAGE_CODE, o_.config.target_language.c_str(), nullptr);
  gst_element_send_event(asrc_, gst_event_new_tag(tags));
  audio_caps_set_ = true;
}

void OutputPipeline::push_leadin(int sample_rate, int channels) {
  if (leadin_samples_ <= 0) return;
  const std::int64_t samples = leadin_samples_;
  const std::vector<std::int16_t> silence(static_cast<std::size_t>(samples * channels), 0);
  GstBuffer* buf = gst_buffer_new_memdup(silence.data(), silence.size() * sizeof(std::int16_t));
  GST_BUFFER_PTS(buf) = o_.config.faults.audio_ts(0);
  GST_BUFFER_DURATION(buf) = static_cast<GstClockTime>(timeline_.leadin_ns);
  push(asrc_, buf, "audio");
  dub::log::info("output lead-in",
                 stream_fields(o_.name, {{"leadin_ms", static_cast<double>(timeline_.leadin_ns) / 1e6},
                                         {"probe_window_ms", o_.output_leadin().count()},
                                         {"samples", samples},
                                         {"sample_rate", sample_rate}}));
}

void OutputPipeline::push_audio(const PcmFragment& a) {
  if (!audio_caps_set_) {
    set_audio_caps(a.sample_rate, a.channels);
    push_leadin(a.sample_rate, a.channels);
  }
  GstBuffer* buf = gst_buffer_new_memdup(a.samples.data(), a.samples.size() * sizeof(std::int16_t));
  GST_BUFFER_PTS(buf) = o_.config.faults.audio_ts(timeline_.out_ts(a.pts_ns));  // shifted: MEDIA_FAULT_AUDIO_SHIFT_MS
  GST_BUFFER_DURATION(buf) = static_cast<GstClockTime>(a.duration_ns);
  pushed_until_ns_ = std::max(pushed_until_ns_, static_cast<std::int64_t>(GST_BUFFER_PTS(buf)) + a.duration_ns);
  push(asrc_, buf, "audio");
}

void OutputPipeline::push_video(VideoUnit& v) {
  auto* sample = static_cast<GstSample*>(v.payload.get());
  GstCaps* caps = gst_sample_get_caps(sample);
  if (caps != nullptr && (vcaps_pushed_ == nullptr || !gst_caps_is_equal(caps, vcaps_pushed_))) {
    gst_app_src_set_caps(GST_APP_SRC(vsrc_), caps);
    if (vcaps_pushed_ != nullptr) gst_caps_unref(vcaps_pushed_);
    vcaps_pushed_ = gst_caps_ref(caps);
  }
  GstBuffer* in = gst_sample_get_buffer(sample);
  GstBuffer* buf = gst_buffer_copy(in);  // shares the memory, own timestamps
  GST_BUFFER_PTS(buf) = timeline_.video_out_ts(v.pts_ns);
  GST_BUFFER_DTS(buf) = v.dts_ns ? timeline_.video_out_ts(*v.dts_ns) : GST_CLOCK_TIME_NONE;
  pushed_until_ns_ = std::max(pushed_until_ns_, static_cast<std::int64_t>(GST_BUFFER_PTS(buf)));
  push(vsrc_, buf, "video");
}

// When the output is paced, a frame leaves the sink at base_time + its running time (the system
// clock is CLOCK_MONOTONIC, like steady_clock); otherwise as soon as it is pushed.
std::optional<std::int64_t> OutputPipeline::render_base(Clock::time_point now, std::int64_t pts_ns) {
  if (!paced_) return std::nullopt;
  if (GST_STATE(pipe_) == GST_STATE_PLAYING) return static_cast<std::int64_t>(gst_element_get_base_time(pipe_));
  if (!render_base_estimate_) {
    render_base_estimate_ = now.time_since_epoch().count() - static_cast<std::int64_t>(timeline_.out_ts(pts_ns));
  }
  return render_base_estimate_;
}

// ---- closing -------------------------------------------------------------------------------

bool OutputPipeline::begin_close() {
  if (eos_sent_) return false;
  eos_sent_ = true;
  if (pipe_ == nullptr) {
    done_ = true;
    return false;
  }
  return true;
}

void OutputPipeline::end_of_stream() {
  if (!audio_caps_set_) {
    // Nothing was ever published: no valid output to finish.
    done_ = true;
    return;
  }
  gst_app_src_end_of_stream(GST_APP_SRC(asrc_));
  if (vsrc_ != nullptr) gst_app_src_end_of_stream(GST_APP_SRC(vsrc_));
  // A paced output airs what it was given at its time: after an input faster than real time (a
  // flood, a backlog) that can be minutes from now. The close timeout runs from the end of the air.
  const auto now = Clock::now();
  auto airs_until = now;
  // Only a playing pipeline's base time counts (render_base would make an estimate otherwise).
  const auto base = GST_STATE(pipe_) == GST_STATE_PLAYING ? render_base(now, 0) : std::nullopt;
  if (base) {
    airs_until = std::max(now, Clock::time_point(std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::nanoseconds(*base + pushed_until_ns_))));
  }
  deadline_ = airs_until + o_.output_close_timeout;
}

}  // namespace dub::media_service
