#pragma once
// The media service: HTTP API (health, metrics, streams) and the registry of workers.
//
//   GET    /health                  200 always while the process serves; JSON with version, workers,
//                                   STS reachability (a field: STS down does not make us unhealthy)
//   GET    /metrics                 Prometheus text (404 when METRICS_ENABLED=false)
//   GET    /v1/streams              every known worker (running and recently finished)
//   POST   /v1/streams              start a worker: {"name": "test"} or {"path": "live/test/in"}
//                                   (+ optional "source", "output", "source_language", "target_language")
//   GET    /v1/streams/{name}       one worker, with per-fragment status
//   DELETE /v1/streams/{name}       stop it gracefully (?fast=true: do not wait for STS, ?wait=true: answer when done;
//                                   ?source_ended=true: not a stop, the source ended: ends `completed`)
//   POST   /v1/streams/{name}/stop  same as DELETE (for clients that can only POST)
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config.hpp"
#include "dub/http/server.hpp"
#include "dub/metrics/registry.hpp"
#include "dub/sts/client.hpp"
#include "media_metrics.hpp"
#include "worker.hpp"

namespace dub::media_service {

class Service {
 public:
  // `sts_factory`: how workers reach the STS (null: from config.sts_mode).
  explicit Service(ServiceConfig config, sts::StsClientFactory sts_factory = nullptr);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;
  Service(Service&&) = delete;
  Service& operator=(Service&&) = delete;

  // Starts the HTTP server (throws dub::Error when the port cannot be bound) and the STS health checker.
  void start();
  // Stops every worker (fast: fragments in flight go out as passthrough), waits up to
  // config.shutdown_timeout, then stops the HTTP server. Idempotent.
  void stop();
  [[nodiscard]] std::uint16_t port() const;

  // Starts a worker (the API's POST). Throws HttpError (400 bad name, 409 already running).
  nlohmann::json start_stream(const nlohmann::json& request);
  // For tests and the API.
  [[nodiscard]] std::shared_ptr<Worker> worker(const std::string& name) const;
  [[nodiscard]] nlohmann::json health() const;
  [[nodiscard]] dub::metrics::Registry& registry() { return registry_; }

  // "live/<name>/in" -> "<name>"; a bare name is returned as is. Throws HttpError(400) when invalid.
  static std::string stream_name(const std::string& name_or_path);

 private:
  void routes();
  void reap();              // joins finished workers, trims the finished list
  void check_sts_health();  // background: GET <STS_SERVICE_URL>/health
  void housekeeping_loop();

  ServiceConfig config_;
  sts::StsClientFactory sts_factory_;
  dub::metrics::Registry registry_;
  std::shared_ptr<MediaMetrics> metrics_;
  dub::metrics::GaugeFamily& sts_reachable_;
  std::unique_ptr<dub::http::Server> http_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();

  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Worker>> workers_;
  std::vector<std::string> finished_order_;  // names of finished workers, oldest first
  nlohmann::json sts_health_ = {{"checked", false}};

  std::mutex house_mutex_;
  std::condition_variable house_cv_;
  bool stopping_ = false;
  std::thread housekeeping_;
  std::atomic<bool> stopped_{false};
};

}  // namespace dub::media_service
