#pragma once
// The media service's Prometheus metrics (served on GET /metrics). Every per-stream series is
// labelled `stream`.
#include <memory>

#include "dub/metrics/registry.hpp"

namespace dub::media_service {

struct MediaMetrics {
  explicit MediaMetrics(dub::metrics::Registry& registry);

  dub::metrics::Registry& registry;
  dub::metrics::CounterFamily& fragments_sent;         // media_fragments_sent_total{stream}
  dub::metrics::CounterFamily& fragments_processed;    // media_fragments_processed_total{stream,status}
  dub::metrics::CounterFamily& fragments_passthrough;  // media_fragments_passthrough_total{stream,reason}
  dub::metrics::CounterFamily& fragments_published;    // media_fragments_published_total{stream,audio}
  dub::metrics::HistogramFamily& fragment_roundtrip;   // media_fragment_roundtrip_seconds{stream}
  dub::metrics::GaugeFamily& fragments_inflight;       // media_fragments_inflight{stream}
  dub::metrics::GaugeFamily& av_drift;                 // media_av_drift_seconds{stream}
  dub::metrics::GaugeFamily& av_drift_max;             // media_av_drift_max_seconds{stream}
  dub::metrics::HistogramFamily& output_lag;           // media_output_lag_seconds{stream}
  dub::metrics::GaugeFamily& video_buffered;           // media_video_buffered_seconds{stream}
  dub::metrics::CounterFamily& sts_connects;           // media_sts_connect_attempts_total{stream,result}
  dub::metrics::GaugeFamily& active_workers;           // media_active_workers
  dub::metrics::CounterFamily& workers;                // media_workers_total{result}
};

}  // namespace dub::media_service
