// media-service: hosts one WorkerRunner per live stream (RTSP in -> STS -> remux -> RTMP out).
#include <fmt/format.h>
#include <gst/gst.h>

#include <iostream>

#include "dub/util/env.hpp"
#include "dub/util/error.hpp"
#include "dub/util/log.hpp"

int main(int argc, char** argv) {
  dub::log::set_component("media-service");
  try {
    dub::log::set_level(dub::log::parse_level(dub::env::get_or("LOG_LEVEL", "info")));
    gst_init(&argc, &argv);
    guint major = 0;
    guint minor = 0;
    guint micro = 0;
    guint nano = 0;
    gst_version(&major, &minor, &micro, &nano);
    dub::log::info("gstreamer ready", {{"version", fmt::format("{}.{}.{}", major, minor, micro)}});
  } catch (const dub::Error& e) {
    std::cerr << "media-service: " << e.what() << '\n';
    return 2;
  }
  return 0;
}
