#include "media_metrics.hpp"

namespace dub::media_service {

MediaMetrics::MediaMetrics(dub::metrics::Registry& r)
    : registry(r),
      fragments_sent(r.counter("media_fragments_sent_total", "Audio fragments sent to the STS service", {"stream"})),
      fragments_processed(r.counter("media_fragments_processed_total",
                                    "fragment:processed answers received in time, by the service's status",
                                    {"stream", "status"})),
      fragments_passthrough(r.counter("media_fragments_passthrough_total",
                                      "Fragments published with their original audio, by reason "
                                      "(timeout, failed, rejected, disconnected, bad_audio, no_sts)",
                                      {"stream", "reason"})),
      fragments_published(r.counter("media_fragments_published_total",
                                    "Fragments written to the output, by audio used (dubbed or original)",
                                    {"stream", "audio"})),
      fragment_roundtrip(r.histogram("media_fragment_roundtrip_seconds",
                                     "Time from sending a fragment to its fragment:processed", {"stream"},
                                     {0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 60})),
      fragments_inflight(r.gauge("media_fragments_inflight", "Fragments sent and not yet answered", {"stream"})),
      av_drift(r.gauge("media_av_drift_seconds",
                       "A/V drift of the last published fragment: output audio PTS minus input PTS (video keeps "
                       "input PTS)",
                       {"stream"})),
      av_drift_max(r.gauge("media_av_drift_max_seconds", "Largest |A/V drift| published so far", {"stream"})),
      output_lag(r.histogram(
          "media_output_lag_seconds",
          "Wall-clock time from a video frame's arrival at the input to its departure from the output (its render "
          "time when the output is paced)",
          {"stream"}, {0.5, 1, 2, 4, 6, 6.5, 7, 7.5, 8, 10, 15, 20, 30, 45, 60})),
      video_buffered(r.gauge("media_video_buffered_seconds", "Video waiting for its audio", {"stream"})),
      sts_connects(r.counter("media_sts_connect_attempts_total", "Attempts to open an STS stream, by result",
                             {"stream", "result"})),
      active_workers(r.gauge("media_active_workers", "Workers currently running")),
      workers(
          r.counter("media_workers_total", "Workers finished, by result (completed, stopped, failed)", {"result"})) {}

}  // namespace dub::media_service
