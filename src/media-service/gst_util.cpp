#include "gst_util.hpp"

#include <fmt/format.h>

#include "dub/util/error.hpp"
#include "dub/util/log.hpp"
#include "worker_common.hpp"

namespace dub::media_service::gst {

GstElement* make_element(const char* factory, const char* name) {
  GstElement* e = gst_element_factory_make(factory, name);
  if (e == nullptr) {
    throw Error(
        fmt::format("GStreamer element '{}' is not available (install the gstreamer1.0-plugins-* package "
                    "that provides it)",
                    factory));
  }
  return e;
}

GstElement* make_decodebin_for_running_pipeline() {
  GstElement* dec = make_element("decodebin");
  g_object_set(dec, "async-handling", TRUE, nullptr);
  return dec;
}

bool element_exists(const char* factory) {
  GstElementFactory* f = gst_element_factory_find(factory);
  if (f == nullptr) return false;
  gst_object_unref(f);
  return true;
}

void link_or_throw(GstElement* a, GstElement* b) {
  if (!gst_element_link(a, b)) {
    throw Error(fmt::format("cannot link GStreamer elements {} -> {}", GST_ELEMENT_NAME(a), GST_ELEMENT_NAME(b)));
  }
}

namespace {

std::string caps_string(GstCaps* caps) {
  if (caps == nullptr) return {};
  gchar* s = gst_caps_to_string(caps);
  std::string out = s != nullptr ? s : "";
  g_free(s);
  return out;
}

// An error or warning message: (message, debug).
std::pair<std::string, std::string> parse_message(GstMessage* msg, bool error) {
  GError* err = nullptr;
  gchar* dbg = nullptr;
  if (error) {
    gst_message_parse_error(msg, &err, &dbg);
  } else {
    gst_message_parse_warning(msg, &err, &dbg);
  }
  std::pair<std::string, std::string> out{err != nullptr ? err->message : (error ? "unknown error" : ""),
                                          dbg != nullptr ? dbg : ""};
  if (err != nullptr) g_error_free(err);
  g_free(dbg);
  return out;
}

// A live pipeline that falls back from PLAYING to PAUSED on its own has "lost its state": a child
// added while it ran started an asynchronous state change (decodebin does). Its sinks then wait in
// PAUSED and the media stops until the pipeline is PLAYING again, so say so.
void warn_if_state_lost(const BusTarget& t, GstMessage* msg) {
  GstElement* src = GST_ELEMENT(GST_MESSAGE_SRC(msg));
  if (GST_OBJECT_PARENT(src) != nullptr) return;  // the pipeline's own state only
  // Its message reads PAUSED -> PAUSED, pending PAUSED, while the target stays PLAYING (a start
  // reads READY -> PAUSED, pending PLAYING).
  GstState new_state = GST_STATE_VOID_PENDING;
  GstState pending = GST_STATE_VOID_PENDING;
  gst_message_parse_state_changed(msg, nullptr, &new_state, &pending);
  if (new_state != GST_STATE_PAUSED || pending != GST_STATE_PAUSED || GST_STATE_TARGET(src) != GST_STATE_PLAYING) {
    return;
  }
  dub::log::warn("gstreamer pipeline lost its state (PLAYING -> PAUSED while meant to play)",
                 stream_fields(t.stream, {{"pipeline", t.output ? "output" : "input"}}));
}

GstBusSyncReply on_bus(GstBus* /*bus*/, GstMessage* msg, gpointer data) {
  const auto* t = static_cast<BusTarget*>(data);
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_EOS:
      t->events->post(BusEvent{t->output, true, GST_MESSAGE_SRC_NAME(msg), {}, {}});
      break;
    case GST_MESSAGE_ERROR: {
      auto [message, debug] = parse_message(msg, true);
      t->events->post(BusEvent{t->output, false, GST_MESSAGE_SRC_NAME(msg), std::move(message), std::move(debug)});
      break;
    }
    case GST_MESSAGE_WARNING: {
      const auto [message, debug] = parse_message(msg, false);
      dub::log::warn("gstreamer warning", stream_fields(t->stream, {{"element", GST_MESSAGE_SRC_NAME(msg)},
                                                                    {"pipeline", t->output ? "output" : "input"},
                                                                    {"detail", message}}));
      break;
    }
    case GST_MESSAGE_STATE_CHANGED:
      warn_if_state_lost(*t, msg);
      break;
    default:
      break;
  }
  return GST_BUS_DROP;
}

}  // namespace

std::string pad_caps_name(GstPad* pad, std::string* full) {
  GstCaps* caps = gst_pad_get_current_caps(pad);
  if (caps == nullptr) caps = gst_pad_query_caps(pad, nullptr);
  std::string name;
  if (caps != nullptr && gst_caps_get_size(caps) > 0) name = gst_structure_get_name(gst_caps_get_structure(caps, 0));
  if (full != nullptr) *full = caps_string(caps);
  if (caps != nullptr) gst_caps_unref(caps);
  return name;
}

std::optional<std::int64_t> running_ns(GstSample* sample, GstClockTime ts) {
  if (!GST_CLOCK_TIME_IS_VALID(ts)) return std::nullopt;
  const GstSegment* seg = gst_sample_get_segment(sample);
  if (seg == nullptr || seg->format != GST_FORMAT_TIME) return static_cast<std::int64_t>(ts);
  guint64 rt = 0;
  const int sign = gst_segment_to_running_time_full(seg, GST_FORMAT_TIME, ts, &rt);
  if (sign == 0) return std::nullopt;
  return sign > 0 ? static_cast<std::int64_t>(rt) : -static_cast<std::int64_t>(rt);
}

void watch_bus(GstElement* pipeline, BusTarget* target) {
  GstBus* bus = gst_pipeline_get_bus(GST_PIPELINE(pipeline));
  gst_bus_set_sync_handler(bus, &on_bus, target, nullptr);
  gst_object_unref(bus);
}

void release_pipeline(GstElement*& pipeline) {
  if (pipeline == nullptr) return;
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  pipeline = nullptr;
}

}  // namespace dub::media_service::gst
