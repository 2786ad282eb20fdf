#include "worker.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/audio/audio.h>
#include <gst/gst.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "dub/media/wav.hpp"
#include "dub/sts/protocol.hpp"
#include "dub/util/error.hpp"
#include "dub/util/log.hpp"
#include "leadin.hpp"
#include "sts_link.hpp"

namespace dub::media_service {

const char* to_string(WorkerState state) {
  switch (state) {
    case WorkerState::Starting:
      return "starting";
    case WorkerState::Running:
      return "running";
    case WorkerState::Draining:
      return "draining";
    case WorkerState::Completed:
      return "completed";
    case WorkerState::Stopped:
      return "stopped";
    case WorkerState::Failed:
      return "failed";
  }
  return "unknown";
}

namespace {

using Clock = std::chrono::steady_clock;

// Without a no-more-pads signal, this much video with no audio stream at all means there is none.
constexpr std::int64_t kNoAudioAfterVideoNs = 3'000'000'000;

// ---- events posted to the worker thread ---------------------------------------------------

struct AudioChunk {
  std::optional<std::int64_t> pts_ns;
  std::vector<std::int16_t> samples;
  int rate = 0;
  int channels = 0;
};
struct VideoChunk {
  VideoUnit unit;
};
struct SourceStreams {};  // no-more-pads: every stream of the source is known
struct BusEvent {
  bool output = false;
  bool eos = false;  // else error
  std::string element;
  std::string message;
  std::string debug;
};
struct Fatal {
  std::string message;
};
struct StsResultEvent {
  int generation = 0;
  sts::StsResult result;
};
struct StsErrorEvent {
  int generation = 0;
  sts::StsError error;
};
struct StsDisconnectEvent {
  int generation = 0;
  std::string reason;
};
struct StsCompleteEvent {
  int generation = 0;
  nlohmann::json payload;
};
struct StsReopenedEvent {
  int generation = 0;
  sts::StsReady ready;
};
struct StopEvent {
  std::string reason;
  bool fast = false;
};
using Event = std::variant<AudioChunk, VideoChunk, SourceStreams, BusEvent, Fatal, StsResultEvent, StsErrorEvent,
                           StsDisconnectEvent, StsCompleteEvent, StsReopenedEvent, StopEvent>;

// ---- GStreamer helpers ----------------------------------------------------------------------

GstElement* make_element(const char* factory, const char* name = nullptr) {
  GstElement* e = gst_element_factory_make(factory, name);
  if (e == nullptr) {
    throw Error(
        fmt::format("GStreamer element '{}' is not available (install the gstreamer1.0-plugins-* package "
                    "that provides it)",
                    factory));
  }
  return e;
}

bool element_exists(const char* factory) {
  GstElementFactory* f = gst_element_factory_find(factory);
  if (f == nullptr) return false;
  gst_object_unref(f);
  return true;
}

// AAC encoders in order of preference; the first one installed is used unless one is named.
std::string pick_aac_encoder(const std::string& wanted) {
  if (!wanted.empty() && wanted != "auto") {
    if (!element_exists(wanted.c_str())) throw Error(fmt::format("AUDIO_ENCODER={} is not installed", wanted));
    return wanted;
  }
  for (const char* name : {"fdkaacenc", "avenc_aac", "voaacenc"}) {
    if (element_exists(name)) return name;
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

std::string caps_string(GstCaps* caps) {
  if (caps == nullptr) return {};
  gchar* s = gst_caps_to_string(caps);
  std::string out = s != nullptr ? s : "";
  g_free(s);
  return out;
}

std::string pad_caps_name(GstPad* pad, std::string* full = nullptr) {
  GstCaps* caps = gst_pad_get_current_caps(pad);
  if (caps == nullptr) caps = gst_pad_query_caps(pad, nullptr);
  std::string name;
  if (caps != nullptr && gst_caps_get_size(caps) > 0) name = gst_structure_get_name(gst_caps_get_structure(caps, 0));
  if (full != nullptr) *full = caps_string(caps);
  if (caps != nullptr) gst_caps_unref(caps);
  return name;
}

void link_or_throw(GstElement* a, GstElement* b) {
  if (!gst_element_link(a, b)) {
    throw Error(fmt::format("cannot link GStreamer elements {} -> {}", GST_ELEMENT_NAME(a), GST_ELEMENT_NAME(b)));
  }
}

bool is_rtsp(const std::string& uri) {
  return uri.starts_with("rtsp://") || uri.starts_with("rtsps://");
}
bool is_rtmp(const std::string& uri) {
  return uri.starts_with("rtmp://") || uri.starts_with("rtmps://");
}
std::string file_path(const std::string& uri) {
  return uri.starts_with("file://") ? uri.substr(7) : uri;
}

// A buffer timestamp as running time (signed), using the sample's segment: demuxers express edit
// lists (e.g. AAC priming) through the segment, so raw PTS can be offset from the real timeline.
std::optional<std::int64_t> running_ns(GstSample* sample, GstClockTime ts) {
  if (!GST_CLOCK_TIME_IS_VALID(ts)) return std::nullopt;
  const GstSegment* seg = gst_sample_get_segment(sample);
  if (seg == nullptr || seg->format != GST_FORMAT_TIME) return static_cast<std::int64_t>(ts);
  guint64 rt = 0;
  const int sign = gst_segment_to_running_time_full(seg, GST_FORMAT_TIME, ts, &rt);
  if (sign == 0) return std::nullopt;
  return sign > 0 ? static_cast<std::int64_t>(rt) : -static_cast<std::int64_t>(rt);
}

std::int64_t ns_since(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
}

std::string iso_time(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(t)), ms);
}

}  // namespace

// =============================================================================================

struct Worker::Impl {
  Impl(const WorkerOptions& options, sts::StsClientFactory factory, std::shared_ptr<MediaMetrics> metrics)
      : o(options),
        sts_factory(std::move(factory)),
        metrics(std::move(metrics)),
        tracker(sts::protocol::sanitize_id(options.name), options.max_inflight, options.fragment_timeout),
        link(std::make_unique<StsLink>(sts_factory, link_options(options), link_hooks())) {}

  const WorkerOptions& o;
  sts::StsClientFactory sts_factory;
  std::shared_ptr<MediaMetrics> metrics;

  // ---- event queue (any thread -> worker thread)
  std::mutex qmutex;
  std::condition_variable qcv;
  std::deque<Event> queue;
  std::atomic<bool> stop_flag{false};

  void post(Event e) {
    {
      const std::lock_guard lock(qmutex);
      queue.push_back(std::move(e));
    }
    qcv.notify_all();
  }

  // ---- shared with the API (guarded by `mutex`)
  mutable std::mutex mutex;
  WorkerState state = WorkerState::Starting;
  std::string error;
  std::string end_reason;
  FragmentTracker tracker;
  std::chrono::system_clock::time_point started_at = std::chrono::system_clock::now();
  std::optional<std::chrono::system_clock::time_point> ended_at;
  bool has_audio = false;
  bool has_video = false;
  std::string audio_caps;  // source audio as decoded
  std::string video_caps;
  int rate = 0;
  int channels = 0;
  std::string sts_mode;
  bool sts_connected = false;
  int sts_attempts = 0;
  std::optional<Clock::time_point> sts_lost_at;  // dubbing paused since (connection lost)
  std::uint64_t frames_received = 0;
  std::uint64_t video_units_received = 0;
  std::uint64_t video_units_published = 0;
  std::uint64_t fragments_published = 0;
  std::uint64_t fragments_dubbed = 0;
  std::uint64_t fragments_passthrough = 0;
  std::int64_t drift_last_ns = 0;
  std::int64_t drift_max_ns = 0;
  double lag_last_s = 0;
  double lag_max_s = 0;
  std::optional<std::int64_t> published_until_ns;  // output PTS (0-based) reached by the audio
  SegmenterStats seg_stats;
  std::string encoder_name;

  // ---- worker thread only
  GstElement* in_pipe = nullptr;
  GstElement* out_pipe = nullptr;
  GstElement* asrc = nullptr;
  GstElement* vsrc = nullptr;
  GstCaps* vcaps_pushed = nullptr;
  bool audio_caps_set = false;
  bool out_paced = false;
  std::int64_t priming_frames = 0;
  std::int64_t video_delay_ns = 0;  // priming_frames at the output rate, set with the audio caps
  std::int64_t leadin_samples = 0;  // silence before the program (RTMP lead-in), planned at output open
  std::int64_t leadin_ns = 0;
  std::optional<std::int64_t> render_base_estimate;  // steady_clock ns of output running time 0
  bool audio_linked = false;                         // first audio branch taken (more audio tracks are ignored)
  bool video_linked = false;
  std::unique_ptr<Segmenter> segmenter;
  VideoQueue video;
  AvDrift drift;
  std::optional<std::int64_t> base_ns;
  std::optional<std::int64_t> first_video_decode_ns;
  bool streams_known = false;
  std::atomic<bool> awaiting_pads{false};  // no-more-pads came before every stream's pad was attached
  bool got_data = false;
  bool source_done = false;
  bool fast_stop = false;
  std::string stop_reason;
  bool output_eos_sent = false;
  bool output_done = false;
  std::optional<Clock::time_point> output_deadline;
  std::atomic<bool> finished{false};
  std::mutex join_mutex;
  std::thread thread;
  std::unique_ptr<StsLink> link;  // last: its hooks use the members above

  // ---------------------------------------------------------------------------------------
  nlohmann::json log_fields(const nlohmann::json& extra = nlohmann::json::object()) const {
    nlohmann::json f = {{"stream", o.name}};
    for (const auto& [k, v] : extra.items()) f[k] = v;
    return f;
  }

  void set_state(WorkerState s) {
    const std::lock_guard lock(mutex);
    state = s;
  }

  // ---- GStreamer callbacks (streaming threads) -----------------------------------------

  static GstBusSyncReply on_bus(GstBus* /*bus*/, GstMessage* msg, gpointer data, bool output) {
    auto* self = static_cast<Impl*>(data);
    switch (GST_MESSAGE_TYPE(msg)) {
      case GST_MESSAGE_EOS:
        self->post(BusEvent{output, true, GST_MESSAGE_SRC_NAME(msg), {}, {}});
        break;
      case GST_MESSAGE_ERROR: {
        GError* err = nullptr;
        gchar* dbg = nullptr;
        gst_message_parse_error(msg, &err, &dbg);
        BusEvent ev{output, false, GST_MESSAGE_SRC_NAME(msg), err != nullptr ? err->message : "unknown error",
                    dbg != nullptr ? dbg : ""};
        if (err != nullptr) g_error_free(err);
        g_free(dbg);
        self->post(std::move(ev));
        break;
      }
      case GST_MESSAGE_WARNING: {
        GError* err = nullptr;
        gchar* dbg = nullptr;
        gst_message_parse_warning(msg, &err, &dbg);
        dub::log::warn("gstreamer warning", self->log_fields({{"element", GST_MESSAGE_SRC_NAME(msg)},
                                                              {"pipeline", output ? "output" : "input"},
                                                              {"detail", err != nullptr ? err->message : ""}}));
        if (err != nullptr) g_error_free(err);
        g_free(dbg);
        break;
      }
      default:
        break;
    }
    return GST_BUS_DROP;
  }
  static GstBusSyncReply on_in_bus(GstBus* bus, GstMessage* msg, gpointer data) {
    return on_bus(bus, msg, data, false);
  }
  static GstBusSyncReply on_out_bus(GstBus* bus, GstMessage* msg, gpointer data) {
    return on_bus(bus, msg, data, true);
  }

  static GstFlowReturn on_audio_sample(GstAppSink* sink, gpointer data) {
    auto* self = static_cast<Impl*>(data);
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
        self->post(std::move(chunk));
      }
    }
    gst_sample_unref(sample);
    return GST_FLOW_OK;
  }

  static GstFlowReturn on_video_sample(GstAppSink* sink, gpointer data) {
    auto* self = static_cast<Impl*>(data);
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
    self->post(std::move(chunk));
    return GST_FLOW_OK;
  }

  GstElement* add_appsink(const char* caps, bool audio) {
    GstElement* sink = make_element("appsink");
    GstCaps* c = gst_caps_from_string(caps);
    g_object_set(sink, "caps", c, "sync", o.pace_input ? TRUE : FALSE, "max-buffers", 0U, "drop", FALSE, "emit-signals",
                 FALSE, nullptr);
    gst_caps_unref(c);
    GstAppSinkCallbacks cb{};
    cb.new_sample = audio ? &Impl::on_audio_sample : &Impl::on_video_sample;
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &cb, this, nullptr);
    return sink;
  }

  // Adds elements to the input pipeline, links them in a chain, syncs their state and links
  // `pad` to the first one. Throws on failure.
  void attach_chain(GstPad* pad, std::vector<GstElement*> chain) {
    for (auto* e : chain) gst_bin_add(GST_BIN(in_pipe), e);
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

  void attach_fakesink(GstPad* pad) {
    GstElement* sink = make_element("fakesink");
    g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
    attach_chain(pad, {sink});
  }

  // H.264 elementary stream (parsed or not) -> appsink, untouched.
  void attach_video(GstPad* pad, const std::string& caps, GstElement* depay) {
    GstElement* parse = make_element("h264parse");
    GstElement* sink = add_appsink("video/x-h264,stream-format=avc,alignment=au", false);
    std::vector<GstElement*> chain;
    if (depay != nullptr) chain.push_back(depay);
    chain.push_back(parse);
    chain.push_back(sink);
    attach_chain(pad, chain);
    video_linked = true;
    {
      const std::lock_guard lock(mutex);
      has_video = true;
      video_caps = caps;
    }
    if (awaiting_pads) post(SourceStreams{});
  }

  // Encoded audio -> decodebin (its raw pad is attached in on_decoded_pad).
  void attach_audio_decoder(GstPad* pad, const std::string& caps) {
    GstElement* dec = make_element("decodebin");
    g_signal_connect(dec, "pad-added", G_CALLBACK(&Impl::on_decoded_pad), this);
    attach_chain(pad, {dec});
    audio_linked = true;
    {
      const std::lock_guard lock(mutex);
      has_audio = true;
      audio_caps = caps;
    }
    if (awaiting_pads) post(SourceStreams{});
  }

  static void on_decoded_pad(GstElement* /*dec*/, GstPad* pad, gpointer data) {
    auto* self = static_cast<Impl*>(data);
    try {
      if (!pad_caps_name(pad).starts_with("audio/x-raw")) {
        self->attach_fakesink(pad);
        return;
      }
      GstElement* conv = make_element("audioconvert");
      GstElement* res = make_element("audioresample");
      const std::string ch = self->o.channels > 0 ? fmt::format("{}", self->o.channels) : std::string("[ 1, 2 ]");
      const auto caps =
          fmt::format("audio/x-raw,format=S16LE,layout=interleaved,rate={},channels={}", self->o.sample_rate, ch);
      GstElement* sink = self->add_appsink(caps.c_str(), true);
      self->attach_chain(pad, {conv, res, sink});
    } catch (const std::exception& e) {
      self->post(Fatal{e.what()});
    }
  }

  // Source pads: rtspsrc (application/x-rtp) or parsebin (elementary streams).
  static void on_source_pad(GstElement* /*src*/, GstPad* pad, gpointer data) {
    auto* self = static_cast<Impl*>(data);
    try {
      std::string full;
      const auto name = pad_caps_name(pad, &full);
      if (name == "application/x-rtp") {
        GstCaps* caps = gst_pad_get_current_caps(pad);
        if (caps == nullptr) caps = gst_pad_query_caps(pad, nullptr);
        const GstStructure* s = gst_caps_get_structure(caps, 0);
        const std::string media =
            gst_structure_get_string(s, "media") != nullptr ? gst_structure_get_string(s, "media") : "";
        const std::string enc =
            gst_structure_get_string(s, "encoding-name") != nullptr ? gst_structure_get_string(s, "encoding-name") : "";
        gst_caps_unref(caps);
        if (media == "video" && !self->video_linked) {
          if (enc != "H264") {
            self->post(Fatal{fmt::format("video codec {} is not supported: the worker passes H.264 through", enc)});
            self->attach_fakesink(pad);
            return;
          }
          self->attach_video(pad, full, make_element("rtph264depay"));
        } else if (media == "audio" && !self->audio_linked) {
          self->attach_audio_decoder(pad, full);
        } else {
          self->attach_fakesink(pad);
        }
        return;
      }
      if (name.starts_with("video/") && !self->video_linked) {
        if (name != "video/x-h264") {
          self->post(Fatal{fmt::format("video codec {} is not supported: the worker passes H.264 through", name)});
          self->attach_fakesink(pad);
          return;
        }
        self->attach_video(pad, full, nullptr);
      } else if (name.starts_with("audio/") && !self->audio_linked) {
        self->attach_audio_decoder(pad, full);
      } else {
        self->attach_fakesink(pad);
      }
    } catch (const std::exception& e) {
      self->post(Fatal{e.what()});
    }
  }

  static void on_no_more_pads(GstElement* /*src*/, gpointer data) { static_cast<Impl*>(data)->post(SourceStreams{}); }

  // rtspsrc's rtpbin: how audio and video are lined up. MediaMTX sends RTCP sender reports only
  // every 10 s, so without RTP-Info the streams would be aligned by the arrival of their first
  // packets until then; "rtp-info" uses the RTP-Info of the PLAY answer (one common start).
  static void on_rtp_manager(GstElement* /*src*/, GstElement* manager, gpointer data) {
    auto* self = static_cast<Impl*>(data);
    if (g_object_class_find_property(G_OBJECT_GET_CLASS(manager), "rtcp-sync") != nullptr) {
      gst_util_set_object_arg(G_OBJECT(manager), "rtcp-sync", self->o.rtsp_sync.c_str());
    }
  }

  // ---- pipelines ---------------------------------------------------------------------------

  void build_input() {
    in_pipe = gst_pipeline_new(fmt::format("in-{}", o.name).c_str());
    GstBus* bus = gst_pipeline_get_bus(GST_PIPELINE(in_pipe));
    gst_bus_set_sync_handler(bus, &Impl::on_in_bus, this, nullptr);
    gst_object_unref(bus);
    if (is_rtsp(o.source)) {
      GstElement* src = make_element("rtspsrc");
      g_object_set(src, "location", o.source.c_str(), "latency", static_cast<guint>(o.rtsp_latency.count()), nullptr);
      gst_util_set_object_arg(G_OBJECT(src), "protocols", "tcp");
      gst_util_set_object_arg(G_OBJECT(src), "buffer-mode", o.rtsp_buffer_mode.c_str());
      // MediaMTX (gortsplib) delays every SETUP answer by 1 s for user agents starting with
      // "GStreamer" (a workaround for an old rtspclientsink bug): do not introduce ourselves as such.
      g_object_set(src, "user-agent", "dubctl-media-service/" DUB_VERSION, nullptr);
      g_signal_connect(src, "pad-added", G_CALLBACK(&Impl::on_source_pad), this);
      g_signal_connect(src, "no-more-pads", G_CALLBACK(&Impl::on_no_more_pads), this);
      g_signal_connect(src, "new-manager", G_CALLBACK(&Impl::on_rtp_manager), this);
      gst_bin_add(GST_BIN(in_pipe), src);
    } else {
      const auto path = file_path(o.source);
      if (!std::filesystem::exists(path)) throw Error(fmt::format("source file {} does not exist", path));
      GstElement* src = make_element("filesrc");
      g_object_set(src, "location", path.c_str(), nullptr);
      GstElement* parse = make_element("parsebin");
      g_signal_connect(parse, "pad-added", G_CALLBACK(&Impl::on_source_pad), this);
      g_signal_connect(parse, "no-more-pads", G_CALLBACK(&Impl::on_no_more_pads), this);
      gst_bin_add_many(GST_BIN(in_pipe), src, parse, nullptr);
      link_or_throw(src, parse);
    }
    if (gst_element_set_state(in_pipe, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
      // The bus carries the reason; give it a moment to arrive.
      throw Error(fmt::format("cannot start reading {}{}", o.source, pending_bus_error(false)));
    }
  }

  // Drains queued events for a bus error of the given pipeline (used right after a failed state change).
  std::string pending_bus_error(bool output) {
    std::unique_lock lock(qmutex);
    qcv.wait_for(lock, std::chrono::milliseconds(500), [&] {
      return std::any_of(queue.begin(), queue.end(), [&](const Event& e) {
        const auto* b = std::get_if<BusEvent>(&e);
        return b != nullptr && b->output == output && !b->eos;
      });
    });
    for (const auto& e : queue) {
      if (const auto* b = std::get_if<BusEvent>(&e); b != nullptr && b->output == output && !b->eos) {
        return fmt::format(": {} ({})", b->message, b->element);
      }
    }
    return {};
  }

  void build_output() {
    if (out_pipe != nullptr) return;
    bool video_present = false;
    {
      const std::lock_guard lock(mutex);
      video_present = has_video;
    }
    const bool rtmp = is_rtmp(o.sink);
    const bool sync = o.sync_output.value_or(rtmp);
    out_paced = sync;
    out_pipe = gst_pipeline_new(fmt::format("out-{}", o.name).c_str());
    GstBus* bus = gst_pipeline_get_bus(GST_PIPELINE(out_pipe));
    gst_bus_set_sync_handler(bus, &Impl::on_out_bus, this, nullptr);
    gst_object_unref(bus);

    const std::string encoder = pick_aac_encoder(o.audio_encoder);
    {
      const std::lock_guard lock(mutex);
      encoder_name = encoder;
    }
    priming_frames = encoder_priming_frames(encoder);
    asrc = make_element("appsrc", "audio_src");
    g_object_set(asrc, "format", GST_FORMAT_TIME, "is-live", FALSE, "max-bytes", static_cast<guint64>(0), nullptr);
    GstElement* aconv = make_element("audioconvert");
    GstElement* enc = make_element(encoder.c_str());
    // The property's type differs between encoders (gint, gint64): let GStreamer parse it.
    gst_util_set_object_arg(G_OBJECT(enc), "bitrate", std::to_string(o.audio_bitrate).c_str());
    GstElement* aparse = make_element("aacparse");
    GstElement* aq = make_element("queue");
    g_object_set(aq, "max-size-buffers", 0U, "max-size-bytes", 0U, "max-size-time", static_cast<guint64>(0), nullptr);
    GstElement* mux = make_element("flvmux", "mux");
    g_object_set(mux, "streamable", rtmp ? TRUE : FALSE, nullptr);
    GstElement* sink = nullptr;
    if (rtmp) {
      sink = make_element("rtmp2sink", "sink");
      g_object_set(sink, "location", o.sink.c_str(), nullptr);
    } else {
      sink = make_element("filesink", "sink");
      g_object_set(sink, "location", file_path(o.sink).c_str(), nullptr);
    }
    g_object_set(sink, "sync", sync ? TRUE : FALSE, nullptr);
    gst_bin_add_many(GST_BIN(out_pipe), asrc, aconv, enc, aparse, aq, mux, sink, nullptr);
    link_or_throw(asrc, aconv);
    link_or_throw(aconv, enc);
    link_or_throw(enc, aparse);
    link_or_throw(aparse, aq);
    link_pad_to_mux(aq, mux, "audio");
    if (video_present) {
      vsrc = make_element("appsrc", "video_src");
      g_object_set(vsrc, "format", GST_FORMAT_TIME, "is-live", FALSE, "max-bytes", static_cast<guint64>(0), nullptr);
      GstElement* vparse = make_element("h264parse");
      GstElement* vq = make_element("queue");
      g_object_set(vq, "max-size-buffers", 0U, "max-size-bytes", 0U, "max-size-time", static_cast<guint64>(0), nullptr);
      gst_bin_add_many(GST_BIN(out_pipe), vsrc, vparse, vq, nullptr);
      link_or_throw(vsrc, vparse);
      link_or_throw(vparse, vq);
      link_pad_to_mux(vq, mux, "video");
    }
    link_or_throw(mux, sink);
    if (sync && leadin_ns > 0) {
      // Running time 0 (the lead-in) lies that far in the past: the lead-in goes out at once and
      // the program is rendered from now on, so the lead-in adds no output delay.
      GstClock* clock = gst_system_clock_obtain();
      const GstClockTime now = gst_clock_get_time(clock);
      gst_pipeline_use_clock(GST_PIPELINE(out_pipe), clock);
      gst_object_unref(clock);
      gst_element_set_start_time(out_pipe, GST_CLOCK_TIME_NONE);
      const auto lead = static_cast<GstClockTime>(leadin_ns);
      gst_element_set_base_time(out_pipe, now > lead ? now - lead : 0);
    }
    if (gst_element_set_state(out_pipe, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
      throw Error(fmt::format("cannot open the output {}{}", o.sink, pending_bus_error(true)));
    }
    dub::log::info("output opened", log_fields({{"output", o.sink},
                                                {"video", video_present},
                                                {"audio_encoder", encoder},
                                                {"encoder_priming_frames", priming_frames},
                                                {"paced", sync}}));
  }

  static void link_pad_to_mux(GstElement* from, GstElement* mux, const char* pad_template) {
    GstPad* sinkpad = gst_element_request_pad_simple(mux, pad_template);
    GstPad* srcpad = gst_element_get_static_pad(from, "src");
    const auto rc = gst_pad_link(srcpad, sinkpad);
    gst_object_unref(srcpad);
    gst_object_unref(sinkpad);
    if (GST_PAD_LINK_FAILED(rc)) throw Error(fmt::format("cannot link the {} branch to flvmux", pad_template));
  }

  // ---- STS ---------------------------------------------------------------------------------

  static StsLinkOptions link_options(const WorkerOptions& o) {
    StsLinkOptions l;
    l.stream = o.name;
    l.connect = o.sts_backoff;
    l.reconnect_max_backoff = o.sts_reconnect_max_backoff;
    l.open_timeout = o.sts_open_timeout;
    return l;
  }

  // The link's hooks only count and post events: everything else happens on the worker thread.
  StsLink::Hooks link_hooks() {
    StsLink::Hooks h;
    h.handlers = [this](int generation) {
      sts::StsClient::Handlers handlers;
      handlers.on_result = [this, generation](sts::StsResult r) { post(StsResultEvent{generation, std::move(r)}); };
      handlers.on_error = [this, generation](sts::StsError e) { post(StsErrorEvent{generation, std::move(e)}); };
      handlers.on_disconnect = [this, generation](std::string reason) {
        post(StsDisconnectEvent{generation, std::move(reason)});
      };
      handlers.on_complete = [this, generation](nlohmann::json p) { post(StsCompleteEvent{generation, std::move(p)}); };
      return handlers;
    };
    h.on_attempt = [this](const StsAttempt& a) {
      metrics->sts_connects.labels({o.name, a.ok ? "ok" : "failed"}).inc();
      const std::lock_guard lock(mutex);
      ++sts_attempts;
    };
    h.on_reopen = [this](int generation, const sts::StsReady& ready) { post(StsReopenedEvent{generation, ready}); };
    return h;
  }

  // The stream's first connection (retries with backoff; throws dub::Error when it gives up).
  void connect_sts() {
    sts::StsStreamConfig config;
    config.stream_id = sts::protocol::sanitize_id(o.name);
    config.source_language = o.source_language;
    config.target_language = o.target_language;
    config.sample_rate = segmenter->sample_rate();
    config.channels = segmenter->channels();
    config.fragment_duration_ns = o.segment_ns;
    const auto ready = link->connect(config, [this](std::chrono::milliseconds d) { return sleep_unless_stopped(d); });
    sts_ready(ready);
    dub::log::info("sts stream open", log_fields({{"stage", "sts"},
                                                  {"sts", link->description()},
                                                  {"mode", ready.mode},
                                                  {"max_inflight", tracker.max_inflight()},
                                                  {"models", ready.models}}));
  }

  void sts_ready(const sts::StsReady& ready) {
    const std::lock_guard lock(mutex);
    if (ready.max_inflight > 0) tracker.set_max_inflight(std::min(o.max_inflight, ready.max_inflight));
    sts_mode = ready.mode;
    sts_connected = true;
  }

  // Sleeps `d` unless a stop is requested first (returns false then).
  bool sleep_unless_stopped(std::chrono::milliseconds d) {
    std::unique_lock lock(qmutex);
    return !qcv.wait_for(lock, d, [&] { return stop_flag.load(); });
  }

  // ---- event handling ------------------------------------------------------------------------

  void handle(Event& ev) {
    std::visit([this](auto& e) { on_event(e); }, ev);
  }

  void on_event(AudioChunk& c) {
    if (source_done) return;
    got_data = true;
    if (!segmenter) {
      const auto frames = static_cast<std::uint64_t>(std::llround(static_cast<double>(o.segment_ns) * c.rate / 1e9));
      segmenter = std::make_unique<Segmenter>(c.rate, c.channels, std::max<std::uint64_t>(frames, 1),
                                              o.jitter_tolerance_ns, o.discont_wait_ns);
      {
        const std::lock_guard lock(mutex);
        rate = c.rate;
        channels = c.channels;
      }
      dub::log::info("audio format", log_fields({{"sample_rate", c.rate},
                                                 {"channels", c.channels},
                                                 {"fragment_frames", segmenter->frames_per_fragment()}}));
      connect_sts();
    }
    if (c.rate != segmenter->sample_rate() || c.channels != segmenter->channels()) {
      throw Error(fmt::format("the source's audio format changed mid-stream ({} Hz {} ch -> {} Hz {} ch)",
                              segmenter->sample_rate(), segmenter->channels(), c.rate, c.channels));
    }
    auto fragments = segmenter->push(c.pts_ns, c.samples);
    const std::lock_guard lock(mutex);
    frames_received += c.samples.size() / static_cast<std::size_t>(c.channels);
    seg_stats = segmenter->stats();
    for (auto& f : fragments) add_fragment_locked(std::move(f));
  }

  void add_fragment_locked(PcmFragment f) {
    dub::log::debug(
        "fragment cut",
        log_fields(
            {{"fragment", f.sequence}, {"pts_ns", f.pts_ns}, {"duration_ns", f.duration_ns}, {"frames", f.frames()}}));
    tracker.add(std::move(f));
  }

  void on_event(VideoChunk& c) {
    if (source_done) return;
    got_data = true;
    if (!first_video_decode_ns) first_video_decode_ns = c.unit.decode_ns();
    if (!segmenter && c.unit.decode_ns() - *first_video_decode_ns > kNoAudioAfterVideoNs) {
      bool audio = false;
      {
        const std::lock_guard lock(mutex);
        audio = has_audio;
      }
      // Seconds of video and not even an audio stream: the source has none.
      if (!audio) throw Error("audio track required for dubbing");
    }
    if (!video.push(std::move(c.unit))) {
      if (video.dropped_before_keyframe() == 1) {
        dub::log::warn("joined the source mid-GOP: video before its first keyframe is dropped",
                       log_fields({{"source", o.source}}));
      }
      return;
    }
    metrics->video_buffered.labels({o.name}).set(static_cast<double>(video.buffered_ns()) / 1e9);
    const std::lock_guard lock(mutex);
    ++video_units_received;
  }

  void on_event(SourceStreams& /*unused*/) {
    if (streams_known) return;
    streams_known = true;
    awaiting_pads = true;  // before reading the flags: a pad attached after the read re-posts this event
    bool audio = false;
    bool vid = false;
    std::string acaps;
    std::string vcaps;
    {
      const std::lock_guard lock(mutex);
      audio = has_audio;
      vid = has_video;
      acaps = audio_caps;
      vcaps = video_caps;
    }
    // rtspsrc signals no-more-pads once every stream is *added*, but each stream's pad-added runs
    // on its own thread and may still be on its way: a missing stream here is not yet proof that
    // the source lacks it. Wait for its pad (attach_* posts SourceStreams again); a source that
    // really has no audio is caught by the video-without-audio rule (kNoAudioAfterVideoNs) or EOS.
    if (!audio || !vid) {
      dub::log::debug("source streams incomplete at no-more-pads: waiting for the other pad",
                      log_fields({{"audio", acaps}, {"video", vcaps}}));
      streams_known = false;
      return;
    }
    awaiting_pads = false;
    dub::log::info("source streams", log_fields({{"source", o.source}, {"audio", acaps}, {"video", vcaps}}));
    // The output opens with the first fragment to publish, not here: an RTMP server expects media
    // soon after a publish starts (MediaMTX closes a silent one after its 10 s read timeout), and
    // the first dubbed fragment is one segment plus one STS round trip away.
  }

  void on_event(BusEvent& b) {
    if (b.output) {
      if (b.eos) {
        output_done = true;
        return;
      }
      const std::string what =
          is_rtmp(o.sink) ? fmt::format("RTMP publish to {} failed", o.sink) : fmt::format("writing {} failed", o.sink);
      throw Error(fmt::format("{}: {} ({})", what, b.message, b.element));
    }
    if (b.eos) {
      bool audio = false;
      {
        const std::lock_guard lock(mutex);
        audio = has_audio;
      }
      dub::log::info("source ended", log_fields({{"source", o.source}, {"streams_known", streams_known}}));
      if (!audio) throw Error("audio track required for dubbing");
      begin_finish("source ended", false);
      return;
    }
    if (!got_data) throw Error(fmt::format("cannot read {}: {} ({})", o.source, b.message, b.element));
    dub::log::warn("source disconnected mid-stream: finishing what was received",
                   log_fields({{"source", o.source}, {"error", b.message}, {"element", b.element}}));
    begin_finish(fmt::format("source disconnected: {}", b.message), false);
  }

  void on_event(Fatal& f) { throw Error(f.message); }

  void on_event(StsResultEvent& e) {
    if (e.generation != link->generation()) return;
    const auto now = Clock::now();
    const std::lock_guard lock(mutex);
    const auto outcome = tracker.on_result(e.result, now);
    const auto rec = tracker.record(e.result.sequence_number);
    if (outcome == ResultOutcome::Accepted && rec) {
      metrics->fragments_processed.labels({o.name, e.result.status}).inc();
      if (rec->latency_ms) metrics->fragment_roundtrip.labels({o.name}).observe(*rec->latency_ms / 1000.0);
      dub::log::info("fragment processed", log_fields({{"fragment", e.result.sequence_number},
                                                       {"status", e.result.status},
                                                       {"transcript", e.result.transcript},
                                                       {"translation", e.result.translated_text},
                                                       {"latency_ms", rec->latency_ms ? *rec->latency_ms : 0.0},
                                                       {"processing_ms", e.result.processing_time_ms}}));
      if (!e.result.error_code.empty()) {
        dub::log::warn("sts reported a fragment problem", log_fields({{"fragment", e.result.sequence_number},
                                                                      {"code", e.result.error_code},
                                                                      {"error", e.result.error_message}}));
      }
    } else {
      dub::log::info("late fragment result ignored",
                     log_fields({{"fragment", e.result.sequence_number}, {"status", e.result.status}}));
    }
  }

  void on_event(StsErrorEvent& e) {
    if (e.generation != link->generation()) return;
    const auto& err = e.error;
    dub::log::warn("sts error", log_fields({{"code", err.code},
                                            {"error", err.message},
                                            {"retryable", err.retryable},
                                            {"event", err.event},
                                            {"fragment", err.sequence_number ? nlohmann::json(*err.sequence_number)
                                                                             : nlohmann::json(nullptr)}}));
    if (err.sequence_number) {
      const std::lock_guard lock(mutex);
      tracker.on_refused(*err.sequence_number, err.code, err.message, err.code == "BACKPRESSURE", Clock::now());
      return;
    }
    if (err.event == sts::protocol::kStreamInit || err.code == "STREAM_NOT_INITIALIZED") {
      // The service lost our stream: start over on a fresh connection.
      sts_lost(e.generation, fmt::format("{}: {}", err.code, err.message));
    }
  }

  void on_event(StsDisconnectEvent& e) {
    if (e.generation != link->generation()) return;
    sts_lost(e.generation, e.reason);
  }

  // Once on air, a lost STS connection never ends the stream: the fragments in flight go out with
  // their original audio (disconnected), so do the following ones while the link reconnects in the
  // background (sts_unavailable, in pump()), and dubbing resumes once it is open again.
  void sts_lost(int generation, const std::string& reason) {
    std::vector<std::uint64_t> lost;
    {
      const std::lock_guard lock(mutex);
      sts_connected = false;
      lost = tracker.fail_in_flight(PassthroughReason::Disconnected, fmt::format("STS connection lost: {}", reason));
    }
    if (!sts_lost_at) sts_lost_at = Clock::now();
    dub::log::warn("sts connection lost: original audio until it is back, reconnecting in the background",
                   log_fields({{"stage", "sts"}, {"error", reason}, {"fragments_lost", lost}}));
    link->lost(generation, reason);
  }

  void on_event(StsReopenedEvent& e) {
    if (e.generation != link->generation()) return;
    sts_ready(e.ready);
    const double down_s = sts_lost_at ? static_cast<double>(ns_since(*sts_lost_at, Clock::now())) / 1e9 : 0.0;
    sts_lost_at.reset();
    dub::log::info("sts stream reopened", log_fields({{"stage", "sts"},
                                                      {"sts", link->description()},
                                                      {"reconnections", link->reconnections()},
                                                      {"unavailable_s", down_s}}));
  }

  void on_event(StsCompleteEvent& e) {
    if (e.generation != link->generation()) return;
    dub::log::info("sts stream complete", log_fields({{"summary", e.payload}}));
  }

  void on_event(StopEvent& s) {
    dub::log::info("stop requested",
                   log_fields({{"reason", s.reason}, {"fast", s.fast}, {"source_ended", source_done}}));
    // A stop after the source already ended (MediaMTX's runOnNotReady) does not change the outcome.
    if (!source_done) stop_reason = s.reason;
    begin_finish(s.reason, s.fast);
  }

  // The source is done (ended, disconnected, or we stop): no more input; finish the rest.
  void begin_finish(const std::string& reason, bool fast) {
    if (fast) fast_stop = true;
    if (source_done) {
      if (fast) fail_pending_for_stop();
      return;
    }
    source_done = true;
    if (in_pipe != nullptr) gst_element_set_state(in_pipe, GST_STATE_NULL);
    {
      const std::lock_guard lock(mutex);
      end_reason = reason;
      if (state == WorkerState::Running || state == WorkerState::Starting) state = WorkerState::Draining;
      if (segmenter) {
        if (auto last = segmenter->flush()) add_fragment_locked(std::move(*last));
        seg_stats = segmenter->stats();
      }
    }
    if (fast_stop) fail_pending_for_stop();
  }

  void fail_pending_for_stop() {
    const std::lock_guard lock(mutex);
    tracker.fail_all_pending(PassthroughReason::NoSts, "worker stopping: not waiting for the STS service");
  }

  // ---- output ----------------------------------------------------------------------------

  void ensure_base() {
    if (base_ns) return;
    std::int64_t b = segmenter ? segmenter->pts_of_frame(0) : 0;
    if (first_video_decode_ns) b = std::min(b, *first_video_decode_ns);
    base_ns = b;
    dub::log::debug("output timeline", log_fields({{"base_ns", b}}));
  }

  // Output timestamps: the program's timeline (input PTS - base) after the RTMP lead-in.
  GstClockTime program_ts(std::int64_t input_ns) const {
    return static_cast<GstClockTime>(std::max<std::int64_t>(0, input_ns - *base_ns));
  }
  GstClockTime out_ts(std::int64_t input_ns) const {
    return program_ts(input_ns) + static_cast<GstClockTime>(leadin_ns);
  }
  // Video goes out later by the encoder's priming so that picture and sound line up when played.
  GstClockTime video_out_ts(std::int64_t input_ns) const {
    return out_ts(input_ns) + static_cast<GstClockTime>(video_delay_ns);
  }

  void publish(ReadyFragment& r) {
    auto& a = r.audio;
    if (out_pipe == nullptr) plan_leadin(a.sample_rate);
    build_output();
    ensure_base();
    if (!audio_caps_set) {
      GstCaps* caps =
          gst_caps_new_simple("audio/x-raw", "format", G_TYPE_STRING, "S16LE", "layout", G_TYPE_STRING, "interleaved",
                              "rate", G_TYPE_INT, a.sample_rate, "channels", G_TYPE_INT, a.channels, nullptr);
      if (a.channels == 2) {
        gst_caps_set_simple(caps, "channel-mask", GST_TYPE_BITMASK, static_cast<guint64>(0x3), nullptr);
      }
      gst_app_src_set_caps(GST_APP_SRC(asrc), caps);
      gst_caps_unref(caps);
      video_delay_ns = sts::protocol::frames_to_ns(static_cast<std::uint64_t>(priming_frames), a.sample_rate);
      GstTagList* tags = gst_tag_list_new(GST_TAG_LANGUAGE_CODE, o.target_language.c_str(), nullptr);
      gst_element_send_event(asrc, gst_event_new_tag(tags));
      audio_caps_set = true;
      push_leadin(a.sample_rate, a.channels);
    }
    const std::size_t bytes = a.samples.size() * sizeof(std::int16_t);
    GstBuffer* buf = gst_buffer_new_memdup(a.samples.data(), bytes);
    GST_BUFFER_PTS(buf) = out_ts(a.pts_ns);
    GST_BUFFER_DURATION(buf) = static_cast<GstClockTime>(a.duration_ns);
    if (gst_app_src_push_buffer(GST_APP_SRC(asrc), buf) != GST_FLOW_OK) {
      throw Error(fmt::format("the output refused audio (is {} still open?)", o.sink));
    }
    drift.audio(a.pts_ns, a.input_pts_ns);
    const auto now = Clock::now();
    // When the output is paced, a frame leaves the sink at base_time + its running time (the
    // system clock is CLOCK_MONOTONIC, like steady_clock); otherwise as soon as it is pushed.
    std::optional<std::int64_t> render_base;
    if (out_paced) {
      if (GST_STATE(out_pipe) == GST_STATE_PLAYING) {
        render_base = static_cast<std::int64_t>(gst_element_get_base_time(out_pipe));
      } else {
        if (!render_base_estimate) {
          render_base_estimate = now.time_since_epoch().count() - static_cast<std::int64_t>(out_ts(a.pts_ns));
        }
        render_base = render_base_estimate;
      }
    }
    double lag_max_this = 0;
    std::size_t released = 0;
    for (auto& v : video.release_until(a.end_pts_ns())) {
      push_video(v);
      auto render_at = now;
      if (render_base) {
        const auto at = Clock::time_point(
            std::chrono::nanoseconds(*render_base + static_cast<std::int64_t>(video_out_ts(v.pts_ns))));
        render_at = std::max(now, at);
      }
      const double lag = static_cast<double>(ns_since(v.arrival, render_at)) / 1e9;
      lag_max_this = std::max(lag_max_this, lag);
      metrics->output_lag.labels({o.name}).observe(lag);
      ++released;
    }
    metrics->video_buffered.labels({o.name}).set(static_cast<double>(video.buffered_ns()) / 1e9);
    metrics->av_drift.labels({o.name}).set(static_cast<double>(drift.last_ns()) / 1e9);
    metrics->av_drift_max.labels({o.name}).set_max(static_cast<double>(drift.max_abs_ns()) / 1e9);
    metrics->fragments_published.labels({o.name, r.dubbed ? "dubbed" : "original"}).inc();
    if (!r.dubbed) metrics->fragments_passthrough.labels({o.name, to_string(r.record.reason)}).inc();
    {
      const std::lock_guard lock(mutex);
      ++fragments_published;
      if (r.dubbed) {
        ++fragments_dubbed;
      } else {
        ++fragments_passthrough;
      }
      video_units_published += released;
      drift_last_ns = drift.last_ns();
      drift_max_ns = drift.max_abs_ns();
      if (released > 0) {
        lag_last_s = lag_max_this;
        lag_max_s = std::max(lag_max_s, lag_max_this);
      }
      published_until_ns = static_cast<std::int64_t>(program_ts(a.end_pts_ns()));
    }
    if (r.dubbed) {
      dub::log::info("fragment published", log_fields({{"fragment", r.record.sequence},
                                                       {"audio", "dubbed"},
                                                       {"pts_ns", a.pts_ns},
                                                       {"video_units", released},
                                                       {"drift_ms", static_cast<double>(drift.last_ns()) / 1e6}}));
    } else {
      dub::log::warn("fragment published with its original audio (passthrough)",
                     log_fields({{"fragment", r.record.sequence},
                                 {"reason", to_string(r.record.reason)},
                                 {"error", r.record.error},
                                 {"pts_ns", a.pts_ns},
                                 {"video_units", released}}));
    }
    if (!o.segment_dir.empty()) dump_fragment(r);
  }

  // The RTMP lead-in (leadin.hpp): silence from output time 0 up to the program's start, so that
  // the server's track probe consumes it instead of the program's first seconds.
  void plan_leadin(int sample_rate) {
    if (o.output_leadin.count() <= 0) return;
    std::int64_t reorder_ns = 0;
    if (const auto* v = video.front(); v != nullptr && v->dts_ns) {
      reorder_ns = std::max<std::int64_t>(0, v->pts_ns - *v->dts_ns);
    }
    leadin_samples = rtmp_leadin_samples(o.output_leadin, sample_rate, reorder_ns);
    leadin_ns = sts::protocol::frames_to_ns(static_cast<std::uint64_t>(leadin_samples), sample_rate);
  }

  void push_leadin(int sample_rate, int channels) {
    if (leadin_samples <= 0) return;
    const std::int64_t samples = leadin_samples;
    const std::vector<std::int16_t> silence(static_cast<std::size_t>(samples * channels), 0);
    GstBuffer* buf = gst_buffer_new_memdup(silence.data(), silence.size() * sizeof(std::int16_t));
    GST_BUFFER_PTS(buf) = 0;
    GST_BUFFER_DURATION(buf) = static_cast<GstClockTime>(leadin_ns);
    if (gst_app_src_push_buffer(GST_APP_SRC(asrc), buf) != GST_FLOW_OK) {
      throw Error(fmt::format("the output refused audio (is {} still open?)", o.sink));
    }
    dub::log::info("output lead-in", log_fields({{"leadin_ms", static_cast<double>(leadin_ns) / 1e6},
                                                 {"probe_window_ms", o.output_leadin.count()},
                                                 {"samples", samples},
                                                 {"sample_rate", sample_rate}}));
  }

  void push_video(VideoUnit& v) {
    auto* sample = static_cast<GstSample*>(v.payload.get());
    GstCaps* caps = gst_sample_get_caps(sample);
    if (caps != nullptr && (vcaps_pushed == nullptr || !gst_caps_is_equal(caps, vcaps_pushed))) {
      gst_app_src_set_caps(GST_APP_SRC(vsrc), caps);
      if (vcaps_pushed != nullptr) gst_caps_unref(vcaps_pushed);
      vcaps_pushed = gst_caps_ref(caps);
    }
    GstBuffer* in = gst_sample_get_buffer(sample);
    GstBuffer* buf = gst_buffer_copy(in);  // shares the memory, own timestamps
    GST_BUFFER_PTS(buf) = video_out_ts(v.pts_ns);
    GST_BUFFER_DTS(buf) = v.dts_ns ? video_out_ts(*v.dts_ns) : GST_CLOCK_TIME_NONE;
    if (gst_app_src_push_buffer(GST_APP_SRC(vsrc), buf) != GST_FLOW_OK) {
      throw Error(fmt::format("the output refused video (is {} still open?)", o.sink));
    }
  }

  void dump_fragment(const ReadyFragment& r) {
    try {
      const auto dir = std::filesystem::path(o.segment_dir) / sts::protocol::sanitize_id(o.name);
      std::filesystem::create_directories(dir);
      media::write_wav((dir / fmt::format("{:06d}-out.wav", r.record.sequence)).string(), r.audio.samples,
                       r.audio.sample_rate, r.audio.channels);
    } catch (const std::exception& e) {
      dub::log::warn("cannot write the fragment to SEGMENT_DIR", log_fields({{"error", e.what()}}));
    }
  }

  // Sends what can be sent, expires timeouts, publishes what is ready.
  void pump() {
    const auto now = Clock::now();
    std::vector<sts::StsFragment> to_send;
    std::vector<ReadyFragment> ready;
    std::vector<std::uint64_t> unavailable;
    const auto link_state = link->state();
    {
      const std::lock_guard lock(mutex);
      for (const auto seq : tracker.expire(now)) {
        dub::log::warn("fragment timed out: using its original audio",
                       log_fields({{"fragment", seq}, {"timeout_ms", o.fragment_timeout.count()}}));
      }
      if (link_state == StsLinkState::Open && !fast_stop) to_send = tracker.take_sendable(now);
      if (link_state == StsLinkState::Reconnecting) {
        // The program stays on air: no waiting for the STS to come back.
        unavailable = tracker.fail_all_pending(PassthroughReason::StsUnavailable,
                                               "the STS service is unavailable (reconnecting in the background)");
      }
    }
    for (const auto seq : unavailable) {
      dub::log::warn("sts unavailable: the fragment keeps its original audio",
                     log_fields({{"fragment", seq}, {"stage", "sts"}, {"reason", "sts_unavailable"}}));
    }
    for (std::size_t i = 0; i < to_send.size(); ++i) {
      auto& f = to_send[i];
      try {
        if (!o.segment_dir.empty()) dump_input(f);
        link->send(f);
        metrics->fragments_sent.labels({o.name}).inc();
        dub::log::info("fragment sent", log_fields({{"fragment", f.sequence_number},
                                                    {"fragment_id", f.fragment_id},
                                                    {"pts_ns", f.pts_ns},
                                                    {"duration_ns", f.duration_ns},
                                                    {"bytes", f.audio.size()}}));
      } catch (const dub::Error& e) {
        // Not sent: this one and the rest are queued again (and pass through while reconnecting).
        {
          const std::lock_guard lock(mutex);
          for (std::size_t k = i; k < to_send.size(); ++k) tracker.unsend(to_send[k].sequence_number);
        }
        sts_lost(link->generation(), e.what());
        break;
      }
    }
    {
      const std::lock_guard lock(mutex);
      ready = tracker.pop_ready();
      metrics->fragments_inflight.labels({o.name}).set(static_cast<double>(tracker.in_flight()));
    }
    for (auto& r : ready) publish(r);
  }

  void dump_input(const sts::StsFragment& f) const {
    try {
      const auto dir = std::filesystem::path(o.segment_dir) / sts::protocol::sanitize_id(o.name);
      std::filesystem::create_directories(dir);
      std::vector<std::int16_t> pcm(f.audio.size() / sizeof(std::int16_t));
      std::memcpy(pcm.data(), f.audio.data(), pcm.size() * sizeof(std::int16_t));
      media::write_wav((dir / fmt::format("{:06d}-in.wav", f.sequence_number)).string(), pcm, segmenter->sample_rate(),
                       segmenter->channels());
    } catch (const std::exception& e) {
      dub::log::warn("cannot write the fragment to SEGMENT_DIR", log_fields({{"error", e.what()}}));
    }
  }

  // After the last fragment: the rest of the video, then end of stream on the output.
  void close_output() {
    if (output_eos_sent) return;
    output_eos_sent = true;
    if (out_pipe == nullptr) {
      output_done = true;
      return;
    }
    if (!video.empty() && vsrc != nullptr && base_ns) {
      const auto rest = video.drain();
      for (auto v : rest) push_video(v);
      const std::lock_guard lock(mutex);
      video_units_published += rest.size();
    }
    if (!audio_caps_set) {
      // Nothing was ever published: no valid output to finish.
      output_done = true;
      return;
    }
    gst_app_src_end_of_stream(GST_APP_SRC(asrc));
    if (vsrc != nullptr) gst_app_src_end_of_stream(GST_APP_SRC(vsrc));
    output_deadline = Clock::now() + o.output_close_timeout;
  }

  // ---- main loop ---------------------------------------------------------------------------

  void loop() {
    while (true) {
      std::deque<Event> batch;
      auto wake = Clock::now() + std::chrono::milliseconds(250);
      {
        const std::lock_guard lock(mutex);
        if (const auto d = tracker.next_deadline(); d && *d < wake) wake = *d;
      }
      if (output_deadline && *output_deadline < wake) wake = *output_deadline;
      {
        std::unique_lock lock(qmutex);
        qcv.wait_until(lock, wake, [&] { return !queue.empty(); });
        batch.swap(queue);
      }
      for (auto& ev : batch) {
        handle(ev);
      }
      pump();
      if (source_done) {
        bool idle = false;
        {
          const std::lock_guard lock(mutex);
          idle = tracker.idle();
        }
        if (idle) close_output();
        if (output_done) return;
        if (output_deadline && Clock::now() >= *output_deadline) {
          throw Error(fmt::format("the output {} did not finish within {} ms", o.sink, o.output_close_timeout.count()));
        }
      }
    }
  }

  void finish_sts() {
    link->close(true);  // also stops a reconnection under way
    const std::lock_guard lock(mutex);
    sts_connected = false;
  }

  // On failure: give the viewers a clean end of what was already published.
  void close_output_after_failure() {
    if (out_pipe == nullptr || output_eos_sent || !audio_caps_set) return;
    try {
      close_output();
      const auto until = Clock::now() + std::chrono::seconds(3);
      while (!output_done && Clock::now() < until) {
        std::deque<Event> batch;
        {
          std::unique_lock lock(qmutex);
          qcv.wait_until(lock, until, [&] { return !queue.empty(); });
          batch.swap(queue);
        }
        for (auto& ev : batch) {
          if (auto* b = std::get_if<BusEvent>(&ev); b != nullptr && b->output) {
            output_done = true;  // EOS, or an error: either way, done
          }
        }
      }
    } catch (const std::exception& e) {
      dub::log::debug("output not closed cleanly", log_fields({{"error", e.what()}}));
    }
  }

  void teardown() {
    if (in_pipe != nullptr) {
      gst_element_set_state(in_pipe, GST_STATE_NULL);
      gst_object_unref(in_pipe);
      in_pipe = nullptr;
    }
    if (out_pipe != nullptr) {
      gst_element_set_state(out_pipe, GST_STATE_NULL);
      gst_object_unref(out_pipe);
      out_pipe = nullptr;
    }
    if (vcaps_pushed != nullptr) {
      gst_caps_unref(vcaps_pushed);
      vcaps_pushed = nullptr;
    }
    video.drain();
    const std::lock_guard lock(qmutex);
    queue.clear();
  }

  void run() {
    metrics->active_workers.get().inc();
    dub::log::info("worker started", log_fields({{"source", o.source},
                                                 {"output", o.sink},
                                                 {"segment_ms", o.segment_ns / 1'000'000},
                                                 {"max_inflight", o.max_inflight},
                                                 {"fragment_timeout_ms", o.fragment_timeout.count()},
                                                 {"target_language", o.target_language}}));
    std::string failure;
    try {
      build_input();
      {
        const std::lock_guard lock(mutex);
        if (state == WorkerState::Starting) state = WorkerState::Running;
      }
      loop();
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (!failure.empty()) {
      dub::log::error(failure, log_fields({{"source", o.source}, {"output", o.sink}}));
      if (in_pipe != nullptr) gst_element_set_state(in_pipe, GST_STATE_NULL);
      {
        // What we already have goes out with its original audio.
        const std::lock_guard lock(mutex);
        tracker.fail_all_pending(PassthroughReason::NoSts, "worker failed");
      }
      try {
        std::vector<ReadyFragment> ready;
        {
          const std::lock_guard lock(mutex);
          ready = tracker.pop_ready();
        }
        if (out_pipe != nullptr) {
          for (auto& r : ready) publish(r);
        }
      } catch (const std::exception& e) {
        dub::log::debug("could not publish the remaining fragments", log_fields({{"error", e.what()}}));
      }
      close_output_after_failure();
    }
    finish_sts();
    teardown();
    WorkerState final_state = WorkerState::Completed;
    {
      const std::lock_guard lock(mutex);
      ended_at = std::chrono::system_clock::now();
      if (!failure.empty()) {
        state = WorkerState::Failed;
        error = failure;
      } else if (!stop_reason.empty()) {
        state = WorkerState::Stopped;
      } else {
        state = WorkerState::Completed;
      }
      final_state = state;
    }
    metrics->active_workers.get().dec();
    metrics->workers.labels({to_string(final_state)}).inc();
    const auto summary = log_fields({{"state", to_string(final_state)},
                                     {"fragments_published", fragments_published},
                                     {"fragments_dubbed", fragments_dubbed},
                                     {"fragments_passthrough", fragments_passthrough},
                                     {"drift_max_ms", static_cast<double>(drift_max_ns) / 1e6}});
    if (final_state == WorkerState::Failed) {
      dub::log::error("worker failed", summary);
    } else {
      dub::log::info("worker finished", summary);
    }
    {
      const std::lock_guard lock(qmutex);
      finished = true;
    }
    qcv.notify_all();
  }

  nlohmann::json to_json(bool with_fragments) const {
    const std::lock_guard lock(mutex);
    nlohmann::json j;
    j["name"] = o.name;
    j["state"] = to_string(state);
    j["error"] = error.empty() ? nlohmann::json(nullptr) : nlohmann::json(error);
    j["end_reason"] = end_reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(end_reason);
    j["source"] = o.source;
    j["output"] = o.sink;
    j["started_at"] = iso_time(started_at);
    j["ended_at"] = ended_at ? nlohmann::json(iso_time(*ended_at)) : nlohmann::json(nullptr);
    j["languages"] = {{"source", o.source_language}, {"target", o.target_language}};
    j["segment_duration_ms"] = o.segment_ns / 1'000'000;
    j["audio"] = {{"present", has_audio},
                  {"source_caps", audio_caps},
                  {"sample_rate", rate},
                  {"channels", channels},
                  {"encoder", encoder_name}};
    j["video"] = {{"present", has_video},
                  {"source_caps", video_caps},
                  {"units_received", video_units_received},
                  {"units_published", video_units_published}};
    j["sts"] = {{"client", link->description()},    {"mode", sts_mode},
                {"connected", sts_connected},       {"link", to_string(link->state())},
                {"open_attempts", sts_attempts},    {"reconnections", link->reconnections()},
                {"last_error", link->last_error()}, {"max_inflight", tracker.max_inflight()},
                {"in_flight", tracker.in_flight()}, {"queued", tracker.queued()}};
    j["segmenter"] = {{"frames_in", seg_stats.frames_in},
                      {"frames_out", seg_stats.frames_out},
                      {"frames_filled", seg_stats.frames_filled},
                      {"frames_dropped", seg_stats.frames_dropped},
                      {"resyncs", seg_stats.resyncs},
                      {"max_kept_deviation_ms", static_cast<double>(seg_stats.max_abs_drift_ns) / 1e6},
                      {"fragments", seg_stats.fragments}};
    j["output_stats"] = {
        {"fragments_published", fragments_published},
        {"fragments_dubbed", fragments_dubbed},
        {"fragments_passthrough", fragments_passthrough},
        {"published_until_s",
         published_until_ns ? nlohmann::json(static_cast<double>(*published_until_ns) / 1e9) : nlohmann::json(nullptr)},
        {"av_drift_ms", static_cast<double>(drift_last_ns) / 1e6},
        {"av_drift_max_ms", static_cast<double>(drift_max_ns) / 1e6},
        {"output_lag_s", lag_last_s},
        {"output_lag_max_s", lag_max_s}};
    if (with_fragments) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& r : tracker.records()) list.push_back(r.to_json());
      j["fragments"] = std::move(list);
    }
    return j;
  }
};

// =============================================================================================

Worker::Worker(WorkerOptions options, sts::StsClientFactory sts_factory, std::shared_ptr<MediaMetrics> metrics)
    : options_(std::move(options)) {
  if (options_.name.empty()) throw Error("a worker needs a stream name");
  if (options_.segment_ns <= 0) throw Error("SEGMENT_DURATION must be positive");
  if (!metrics) throw Error("a worker needs metrics");
  impl_ = std::make_unique<Impl>(options_, std::move(sts_factory), std::move(metrics));
}

Worker::~Worker() {
  if (!impl_) return;
  const std::lock_guard lock(impl_->join_mutex);
  if (impl_->thread.joinable()) {
    request_stop("worker destroyed", true);
    impl_->thread.join();
  }
}

void Worker::start() {
  if (impl_->thread.joinable()) throw Error("worker already started");
  impl_->thread = std::thread([this] { impl_->run(); });
}

void Worker::request_stop(const std::string& reason, bool fast) {
  impl_->stop_flag = true;
  impl_->post(StopEvent{reason, fast});
}

bool Worker::wait(std::chrono::milliseconds timeout) {
  {
    std::unique_lock lock(impl_->qmutex);
    if (!impl_->qcv.wait_for(lock, timeout, [&] { return impl_->finished.load(); })) return false;
  }
  const std::lock_guard lock(impl_->join_mutex);
  if (impl_->thread.joinable()) impl_->thread.join();
  return true;
}

bool Worker::finished() const {
  return impl_->finished.load();
}

WorkerState Worker::state() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->state;
}

std::string Worker::error() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->error;
}

nlohmann::json Worker::to_json(bool fragments) const {
  return impl_->to_json(fragments);
}

}  // namespace dub::media_service
