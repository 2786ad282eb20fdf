#include "service.hpp"

#include <fmt/format.h>
#include <gst/gst.h>

#include <algorithm>

#include "dub/http/client.hpp"
#include "dub/sts/socketio_client.hpp"
#include "dub/sts/stream_name.hpp"
#include "dub/util/error.hpp"
#include "dub/util/log.hpp"
#include "echo_sts_client.hpp"
#include "sts_replicas.hpp"

namespace dub::media_service {

using dub::http::HttpError;
using dub::http::Request;
using dub::http::Response;

namespace {

std::string gst_version_string() {
  guint major = 0;
  guint minor = 0;
  guint micro = 0;
  guint nano = 0;
  gst_version(&major, &minor, &micro, &nano);
  return fmt::format("{}.{}.{}", major, minor, micro);
}

bool active(WorkerState s) {
  return s == WorkerState::Starting || s == WorkerState::Running || s == WorkerState::Draining;
}

std::string str_field(const nlohmann::json& body, const char* key) {
  const auto it = body.find(key);
  if (it == body.end() || it->is_null()) return {};
  if (!it->is_string()) throw HttpError(400, fmt::format("'{}' must be a string", key));
  return it->get<std::string>();
}

// GET <url>/health of one STS: reachable, its HTTP status, ready (200), its status and mode, or the error.
nlohmann::json probe_sts(const std::string& url) {
  nlohmann::json h;
  try {
    const auto r = dub::http::get(url + "/health", std::chrono::milliseconds(2000));
    h["reachable"] = true;
    h["http_status"] = r.status;
    h["ready"] = r.status == 200;
    try {
      const auto j = r.json();
      if (j.contains("status")) h["status"] = j["status"];
      if (j.contains("mode")) h["sts_mode"] = j["mode"];
    } catch (const std::exception&) {
      h["status"] = nullptr;
    }
  } catch (const std::exception& e) {
    h["reachable"] = false;
    h["ready"] = false;
    h["error"] = e.what();
  }
  return h;
}

}  // namespace

Service::Service(ServiceConfig config, sts::StsClientFactory sts_factory)
    : config_(std::move(config)),
      sts_factory_(std::move(sts_factory)),
      metrics_(std::make_shared<MediaMetrics>(registry_)),
      sts_reachable_(registry_.gauge("media_sts_reachable",
                                     "1 when GET <url>/health of every STS in STS_SERVICE_URL answered at the last "
                                     "check, else 0")) {
  if (!sts_factory_) {
    if (config_.sts_mode == "echo") {
      sts_factory_ = make_echo_factory(EchoOptions{});
    } else {
      std::vector<sts::StsClientFactory> replicas;
      for (const auto& url : split_sts_urls(config_.sts_url)) {
        replicas.push_back(
            sts::make_socketio_factory(sts::SocketIoOptions{url, config_.sts_path, config_.sts_auth_token}));
      }
      sts_factory_ = round_robin(std::move(replicas));
    }
  }
  dub::http::ServerOptions options;
  options.host = config_.host;
  options.port = config_.port;
  options.threads = 2;
  options.server_name = fmt::format("media-service/{}", DUB_VERSION);
  options.on_response = [](const Request& r, int status, double ms) {
    if (r.path == "/health" || r.path == "/metrics") {
      dub::log::debug("http", {{"method", r.method}, {"path", r.target}, {"status", status}, {"ms", ms}});
    } else {
      dub::log::info("http",
                     {{"method", r.method}, {"path", r.target}, {"status", status}, {"ms", ms}, {"client", r.remote}});
    }
  };
  http_ = std::make_unique<dub::http::Server>(options);
  routes();
}

Service::~Service() {
  stop();
}

std::string Service::stream_name(const std::string& name_or_path) {
  auto name = sts::stream_name::parse(name_or_path);
  if (!name) {
    throw HttpError(400, fmt::format("invalid stream name '{}': use letters, digits, '.', '_', '-', '~' (and '/' "
                                     "between parts)",
                                     name_or_path));
  }
  return *name;
}

nlohmann::json Service::start_stream(const nlohmann::json& request) {
  if (!request.is_object()) throw HttpError(400, "expected a JSON object like {\"name\": \"test\"}");
  std::string given = str_field(request, "name");
  if (given.empty()) given = str_field(request, "path");
  if (given.empty()) throw HttpError(400, "missing 'name' (or 'path' like live/<name>/in)");
  const auto name = stream_name(given);

  WorkerOptions o;
  o.name = name;
  o.config = config_;
  o.source = str_field(request, "source");
  if (o.source.empty()) o.source = fmt::format("{}/{}", config_.rtsp_url, sts::stream_name::input_path(name));
  o.sink = str_field(request, "output");
  if (o.sink.empty()) o.sink = fmt::format("{}/{}", config_.rtmp_url, sts::stream_name::output_path(name));
  if (auto lang = str_field(request, "source_language"); !lang.empty()) o.config.source_language = std::move(lang);
  if (auto lang = str_field(request, "target_language"); !lang.empty()) o.config.target_language = std::move(lang);
  if (const auto it = request.find("pace_input"); it != request.end() && it->is_boolean())
    o.pace_input = it->get<bool>();

  std::shared_ptr<Worker> worker;
  {
    const std::lock_guard lock(mutex_);
    if (stopped_) throw HttpError(503, "shutting down");
    if (const auto it = workers_.find(name); it != workers_.end()) {
      if (active(it->second->state())) {
        throw HttpError(409, fmt::format("stream '{}' already has a {} worker", name, to_string(it->second->state())));
      }
      finished_order_.erase(std::remove(finished_order_.begin(), finished_order_.end(), name), finished_order_.end());
      workers_.erase(it);  // replaced; the finished worker's thread has ended (reap() joins it)
    }
    worker = std::make_shared<Worker>(o, sts_factory_, metrics_);
    workers_[name] = worker;
    worker->start();
  }
  return worker->to_json(false);
}

std::shared_ptr<Worker> Service::worker(const std::string& name) const {
  const std::lock_guard lock(mutex_);
  const auto it = workers_.find(name);
  return it == workers_.end() ? nullptr : it->second;
}

nlohmann::json Service::health() const {
  nlohmann::json workers = nlohmann::json::object();
  int running = 0;
  nlohmann::json sts;
  {
    const std::lock_guard lock(mutex_);
    for (const auto& [name, w] : workers_) {
      const auto s = w->state();
      workers[name] = to_string(s);
      if (active(s)) ++running;
    }
    sts = sts_health_;
  }
  sts["mode"] = config_.sts_mode;
  sts["url"] = config_.sts_url;
  sts["socketio_path"] = config_.sts_path;
  const auto uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  return {{"status", "ok"},
          {"service", "media-service"},
          {"version", DUB_VERSION},
          {"gstreamer", gst_version_string()},
          {"uptime_s", uptime},
          {"active_workers", running},
          {"workers", workers},
          {"sts", sts},
          {"config", config_.to_json()}};
}

void Service::routes() {
  http_->get("/health", [this](const Request&) { return Response::json(200, health()); });
  http_->get("/metrics", [this](const Request&) {
    if (!config_.metrics_enabled) return Response::error(404, "metrics are disabled (METRICS_ENABLED=false)");
    return Response::text(200, registry_.render(), dub::metrics::kContentType);
  });
  http_->get("/v1/streams", [this](const Request&) {
    nlohmann::json list = nlohmann::json::array();
    std::vector<std::shared_ptr<Worker>> ws;
    {
      const std::lock_guard lock(mutex_);
      for (const auto& [name, w] : workers_) ws.push_back(w);
    }
    for (const auto& w : ws) list.push_back(w->to_json(false));
    return Response::json(200, {{"streams", list}});
  });
  http_->post("/v1/streams", [this](const Request& r) {
    nlohmann::json body = r.body.empty() ? nlohmann::json::object() : r.json();
    // Query parameters work too (POST /v1/streams?name=test), for hooks that cannot send a body.
    for (const auto& [k, v] : r.query) {
      if (body.is_object() && !body.contains(k)) body[k] = v;
    }
    auto j = start_stream(body);
    dub::log::info("worker requested",
                   {{"stream", j["name"]}, {"source", j["source"]}, {"output", j["output"]}, {"client", r.remote}});
    return Response::json(201, j);
  });
  http_->route_prefix("GET", "/v1/streams/", [this](const Request& r) {
    const auto name = stream_name(r.rest);
    const auto w = worker(name);
    if (!w) throw HttpError(404, fmt::format("no worker for stream '{}'", name));
    return Response::json(200, w->to_json(true));
  });
  const auto stop = [this](const Request& r, const std::string& raw) {
    const auto name = stream_name(raw);
    const auto w = worker(name);
    if (!w) throw HttpError(404, fmt::format("no worker for stream '{}'", name));
    const bool fast = r.query.contains("fast") && r.query.at("fast") != "false";
    const bool wait = r.query.contains("wait") && r.query.at("wait") != "false";
    const bool source_ended = r.query.contains("source_ended") && r.query.at("source_ended") != "false";
    if (!active(w->state())) return Response::json(200, w->to_json(false));
    if (source_ended && !fast) {
      w->source_ended(fmt::format("the source ended (said through the API by {})", r.remote));
    } else {
      w->request_stop(fmt::format("stop requested through the API by {}", r.remote), fast);
    }
    if (wait) {
      (void)w->wait(config_.fragment_timeout + std::chrono::seconds(20));
      return Response::json(200, w->to_json(false));
    }
    return Response::json(202, w->to_json(false));
  };
  http_->route_prefix("DELETE", "/v1/streams/", [stop](const Request& r) { return stop(r, r.rest); });
  http_->route_prefix("POST", "/v1/streams/", [stop](const Request& r) {
    if (!r.rest.ends_with("/stop")) throw HttpError(404, "POST /v1/streams/{name}/stop stops a worker");
    return stop(r, r.rest.substr(0, r.rest.size() - 5));
  });
}

void Service::start() {
  http_->start();
  housekeeping_ = std::thread([this] { housekeeping_loop(); });
  dub::log::info("media-service listening", {{"port", http_->port()},
                                             {"version", DUB_VERSION},
                                             {"gstreamer", gst_version_string()},
                                             {"config", config_.to_json()}});
}

std::uint16_t Service::port() const {
  return http_->port();
}

void Service::reap() {
  const std::lock_guard lock(mutex_);
  for (const auto& [name, w] : workers_) {
    if (w->finished() && std::find(finished_order_.begin(), finished_order_.end(), name) == finished_order_.end()) {
      (void)w->wait(std::chrono::milliseconds(0));  // joins the thread
      finished_order_.push_back(name);
    }
  }
  while (finished_order_.size() > config_.max_finished_workers) {
    workers_.erase(finished_order_.front());
    finished_order_.erase(finished_order_.begin());
  }
}

void Service::check_sts_health() {
  if (config_.sts_mode == "echo") {
    const std::lock_guard lock(mutex_);
    sts_health_ = {{"checked", false}, {"reachable", nullptr}, {"detail", "STS_MODE=echo: no STS service used"}};
    return;
  }
  // One STS: its fields at the top. Several: reachable and ready when every one is, and each under
  // "replicas" with its url.
  const auto urls = split_sts_urls(config_.sts_url);
  nlohmann::json h;
  if (urls.size() == 1) {
    h = probe_sts(urls.front());
  } else {
    bool reachable = true;
    bool ready = true;
    nlohmann::json replicas = nlohmann::json::array();
    for (const auto& url : urls) {
      auto r = probe_sts(url);
      reachable = reachable && r["reachable"].get<bool>();
      ready = ready && r["ready"].get<bool>();
      r["url"] = url;
      replicas.push_back(std::move(r));
    }
    h = {{"reachable", reachable}, {"ready", ready}, {"replicas", std::move(replicas)}};
  }
  h["checked"] = true;
  sts_reachable_.get().set(h["reachable"].get<bool>() ? 1 : 0);
  h["checked_at_unix_ms"] =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  const std::lock_guard lock(mutex_);
  sts_health_ = std::move(h);
}

void Service::housekeeping_loop() {
  auto next_health = std::chrono::steady_clock::now();
  std::unique_lock lock(house_mutex_);
  while (!stopping_) {
    lock.unlock();
    reap();
    if (std::chrono::steady_clock::now() >= next_health) {
      check_sts_health();
      next_health = std::chrono::steady_clock::now() + config_.sts_health_interval;
    }
    lock.lock();
    house_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
  }
}

void Service::stop() {
  if (stopped_.exchange(true)) return;
  std::vector<std::shared_ptr<Worker>> ws;
  {
    const std::lock_guard lock(mutex_);
    for (const auto& [name, w] : workers_) ws.push_back(w);
  }
  for (auto& w : ws) {
    if (!w->finished()) w->request_stop("service shutting down", true);
  }
  const auto deadline = std::chrono::steady_clock::now() + config_.shutdown_timeout;
  for (auto& w : ws) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (!w->wait(std::max(left, std::chrono::milliseconds(0)))) {
      dub::log::warn("worker did not stop in time", {{"stream", w->name()}});
    }
  }
  {
    const std::lock_guard lock(house_mutex_);
    stopping_ = true;
  }
  house_cv_.notify_all();
  if (housekeeping_.joinable()) housekeeping_.join();
  http_->stop();
  dub::log::info("media-service stopped");
}

}  // namespace dub::media_service
