// media-service: hosts one Worker per live stream (RTSP in -> STS -> remux -> RTMP out),
// with an HTTP API for MediaMTX's hooks, health and metrics. Configuration: environment
// variables only (README.md in this directory).
#include <fmt/format.h>
#include <gst/gst.h>

#include <chrono>
#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include "config.hpp"
#include "dub/util/error.hpp"
#include "dub/util/log.hpp"
#include "service.hpp"

namespace {

// Elements the workers need; missing ones are reported at startup, not at the first stream.
constexpr const char* kWorkerElements[] = {"rtspsrc",   "rtph264depay", "h264parse",    "h264timestamper",
                                           "parsebin",  "decodebin",    "audioconvert", "audioresample",
                                           "appsink",   "appsrc",       "aacparse",     "flvmux",
                                           "rtmp2sink", "filesink",     "queue",        "fakesink"};

void check_gstreamer_elements() {
  std::vector<std::string> missing;
  for (const char* name : kWorkerElements) {
    GstElementFactory* f = gst_element_factory_find(name);
    if (f == nullptr) {
      missing.emplace_back(name);
    } else {
      gst_object_unref(f);
    }
  }
  bool aac = false;
  for (const char* name : {"fdkaacenc", "avenc_aac", "voaacenc"}) {
    GstElementFactory* f = gst_element_factory_find(name);
    if (f != nullptr) {
      aac = true;
      gst_object_unref(f);
    }
  }
  if (!aac) missing.emplace_back("an AAC encoder (avenc_aac, voaacenc or fdkaacenc)");
  if (!missing.empty()) {
    throw dub::Error(
        fmt::format("GStreamer elements missing: {} (install gstreamer1.0-plugins-base/good/bad and "
                    "gstreamer1.0-libav)",
                    fmt::join(missing, ", ")));
  }
}

// Loads, before the service reports healthy, the plugins a first stream would load on first use:
// its elements' and every audio decoder and parser decodebin may pick (gst-libav's alone links most
// of FFmpeg). Loaded by the first worker instead, they could hold its audio for seconds on a busy
// machine: CI's compose v1 suite saw a fresh media stack, started beside the STS's warm-up, read a
// 6 s stream's video and no audio at all.
void preload_gstreamer_plugins() {
  const auto started = std::chrono::steady_clock::now();
  int features = 0;
  auto load = [&features](GstElementFactory* f) {
    if (GstPluginFeature* loaded = gst_plugin_feature_load(GST_PLUGIN_FEATURE(f)); loaded != nullptr) {
      ++features;
      gst_object_unref(loaded);
    }
  };
  for (const char* name : kWorkerElements) {
    if (GstElementFactory* f = gst_element_factory_find(name); f != nullptr) {
      load(f);
      gst_object_unref(f);
    }
  }
  for (const GstElementFactoryListType type :
       {GST_ELEMENT_FACTORY_TYPE_DECODER, GST_ELEMENT_FACTORY_TYPE_PARSER, GST_ELEMENT_FACTORY_TYPE_DEPAYLOADER}) {
    GList* list = gst_element_factory_list_get_elements(type | GST_ELEMENT_FACTORY_TYPE_MEDIA_AUDIO, GST_RANK_MARGINAL);
    for (GList* l = list; l != nullptr; l = l->next) load(GST_ELEMENT_FACTORY(l->data));
    gst_plugin_feature_list_free(list);
  }
  const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  dub::log::info("gstreamer plugins loaded", {{"features", features}, {"ms", ms}});
}

}  // namespace

int main(int argc, char** argv) {
  dub::log::set_component("media-service");
  // SIGINT/SIGTERM are taken by sigwait() below; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  const std::string arg = argc > 1 ? argv[1] : "";
  if (arg == "--version") {
    std::cout << "media-service " << DUB_VERSION << '\n';
    return 0;
  }
  if (arg == "--help" || arg == "-h") {
    std::cout << "media-service [--version | --check]\n"
                 "  Serves the dubbing API on $PORT (default 8080); configuration through environment variables\n"
                 "  (src/media-service/README.md). --check verifies the GStreamer elements and exits.\n";
    return 0;
  }
  if (!arg.empty() && arg != "--check") {
    std::cerr << "media-service: unknown argument '" << arg << "' (try --help)\n";
    return 2;
  }
  try {
    if (arg == "--check") {
      gst_init(&argc, &argv);
      check_gstreamer_elements();
      std::cout << "media-service " << DUB_VERSION << ": GStreamer elements present\n";
      return 0;
    }
    auto config = dub::media_service::ServiceConfig::from_env();
    dub::log::set_level(dub::log::parse_level(config.log_level));
    if (config.faults.any()) {
      dub::log::warn("fault injection active: the output is broken on purpose (MEDIA_FAULTS_ENABLED, tests only)",
                     {{"faults", config.faults.to_json()}});
    }
    gst_init(&argc, &argv);
    check_gstreamer_elements();
    preload_gstreamer_plugins();
    dub::media_service::Service service(config);
    service.start();
    int sig = 0;
    sigwait(&signals, &sig);
    dub::log::info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    service.stop();
  } catch (const std::exception& e) {
    dub::log::error("media-service cannot run", {{"error", e.what()}});
    std::cerr << "media-service: " << e.what() << '\n';
    return 2;
  }
  return 0;
}
