#pragma once
// A small HTTP/1.1 server (Boost.Beast underneath, hidden from this header): routes by
// method and exact path or path prefix, JSON helpers, serves on its own threads, stops
// gracefully. Handlers run on the server's threads and must be quick (hand long work off).
//
//   dub::http::Server server({.host = "0.0.0.0", .port = 8080});
//   server.get("/health", [](const dub::http::Request&) { return dub::http::Response::json(200, {{"status", "ok"}});
//   }); server.route_prefix("GET", "/v1/streams/", [](const dub::http::Request& r) { ... r.rest ... }); server.start();
//   // throws dub::Error when the address cannot be bound
//   ...
//   server.stop();
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "dub/util/error.hpp"

namespace dub::http {

struct Request {
  std::string method;                          // upper case: "GET", "POST", ...
  std::string target;                          // as received: "/v1/streams/a?x=1"
  std::string path;                            // percent-decoded path without the query: "/v1/streams/a"
  std::map<std::string, std::string> query;    // percent-decoded query parameters
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string remote;  // "ip:port" of the client
  std::string rest;    // for prefix routes: the part of `path` after the prefix ("a")

  // Parses the body as JSON; throws HttpError(400) with the parser's reason when it is not.
  [[nodiscard]] nlohmann::json json() const;
  // A header's value or "" (name in any case).
  [[nodiscard]] std::string header(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Response json(int status, const nlohmann::json& body);
  static Response text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
  // {"error": message, "status": status}
  static Response error(int status, const std::string& message);
};

// Thrown by handlers (or Request::json) to answer with an error status and a JSON body.
class HttpError : public dub::Error {
 public:
  HttpError(int status, const std::string& message) : dub::Error(message), status_(status) {}
  [[nodiscard]] int status() const { return status_; }

 private:
  int status_;
};

using Handler = std::function<Response(const Request&)>;

class Session;  // one connection (implementation detail)

struct ServerOptions {
  std::string host = "0.0.0.0";
  std::uint16_t port = 8080;  // 0 = any free port (see Server::port())
  int threads = 2;
  std::chrono::milliseconds idle_timeout{30000};  // a connection silent this long is closed
  std::size_t max_body_bytes = std::size_t{8} * 1024 * 1024;
  std::string server_name = "dub";
  // Called after each response (for access logs): method, target, status, milliseconds.
  std::function<void(const Request&, int, double)> on_response;
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Routes are matched in this order: exact path, then the longest matching prefix.
  // A path that matches with another method answers 405, no match answers 404.
  // Handler exceptions: HttpError -> its status; anything else -> 500 with the message.
  void route(const std::string& method, const std::string& path, Handler handler);
  void route_prefix(const std::string& method, const std::string& prefix, Handler handler);
  void get(const std::string& path, Handler handler) { route("GET", path, std::move(handler)); }
  void post(const std::string& path, Handler handler) { route("POST", path, std::move(handler)); }

  // Binds and starts serving in the background. Throws dub::Error naming the address.
  void start();
  // The bound port (useful with port 0); 0 before start().
  [[nodiscard]] std::uint16_t port() const;
  // Stops accepting, lets requests being handled finish (up to `grace`), closes idle
  // connections and joins the threads. Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));

  // Answers one request with the routing table (no network): for tests and reuse.
  [[nodiscard]] Response dispatch(Request& request) const;

 private:
  friend class Session;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Percent-decoding for paths and query strings ('+' -> ' ' only when `plus_is_space`).
std::string url_decode(const std::string& text, bool plus_is_space = false);
std::string url_encode(const std::string& text);

}  // namespace dub::http
