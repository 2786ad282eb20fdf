#pragma once
// GStreamer helpers shared by the worker's input and output pipelines.
#include <gst/gst.h>

#include <cstdint>
#include <optional>
#include <string>

#include "worker_events.hpp"

namespace dub::media_service::gst {

// Throws dub::Error naming the missing plugin.
GstElement* make_element(const char* factory, const char* name = nullptr);
bool element_exists(const char* factory);
// A decodebin that may join a pipeline already playing. decodebin changes state asynchronously
// (done once it exposes a decoded pad); added to a running live pipeline, that made the whole
// pipeline lose its state: PAUSED until decodebin was done, and the branches added meanwhile stayed
// PAUSED, their sinks holding the first buffer. This one handles that state change within itself.
GstElement* make_decodebin_for_running_pipeline();
void link_or_throw(GstElement* a, GstElement* b);
// The media type of a pad's caps ("audio/x-raw"); `full` receives the whole caps string.
std::string pad_caps_name(GstPad* pad, std::string* full = nullptr);
// A buffer timestamp as running time (signed), using the sample's segment: demuxers express edit
// lists (e.g. AAC priming) through the segment, so raw PTS can be offset from the real timeline.
std::optional<std::int64_t> running_ns(GstSample* sample, GstClockTime ts);

// Where a pipeline's bus goes: EOS and errors become BusEvents, warnings are logged.
struct BusTarget {
  EventQueue* events = nullptr;
  std::string stream;
  bool output = false;
};
// `target` must outlive the pipeline.
void watch_bus(GstElement* pipeline, BusTarget* target);
// Sets the pipeline to NULL and releases it; nullptr afterwards.
void release_pipeline(GstElement*& pipeline);

}  // namespace dub::media_service::gst
