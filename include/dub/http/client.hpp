#pragma once
// A tiny blocking HTTP/1.1 client (plain http only) with an overall deadline per request:
// enough for health waits, control APIs and tests.
//
//   auto r = dub::http::get("http://127.0.0.1:8080/health", std::chrono::seconds(2));
//   if (r.status == 200) ... r.json() ...
//
// Connection failures and timeouts throw dub::Error naming the URL; any HTTP status
// (including 4xx/5xx) is returned, never thrown.
#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace dub::http {

struct Url {
  std::string scheme;  // "http"
  std::string host;
  std::uint16_t port = 80;
  std::string target = "/";  // path and query

  // Parses "http://host[:port][/path][?query]" (also "host:port/path" without a scheme).
  // Throws dub::Error for other schemes or malformed input.
  static Url parse(const std::string& url);
  [[nodiscard]] std::string str() const;
};
inline Url parse_url(const std::string& url) {
  return Url::parse(url);
}

struct ClientResponse {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case

  // Parses the body; throws dub::Error when it is not JSON.
  [[nodiscard]] nlohmann::json json() const;
  [[nodiscard]] bool ok() const { return status >= 200 && status < 300; }
};

struct RequestOptions {
  std::chrono::milliseconds timeout{5000};  // whole request: resolve, connect, write, read
  std::string content_type;                 // for a non-empty body; default application/json
  std::vector<std::pair<std::string, std::string>> headers;
  std::size_t max_body_bytes = std::size_t{64} * 1024 * 1024;
};

ClientResponse request(const std::string& method, const std::string& url, const std::string& body = {},
                       const RequestOptions& options = {});
// Shorthand: `timeout` for the whole request, `content_type` for a non-empty body.
ClientResponse request(const std::string& method, const std::string& url, const std::string& body,
                       std::chrono::milliseconds timeout, const std::string& content_type = "application/json");

ClientResponse get(const std::string& url, std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
ClientResponse post_json(const std::string& url, const nlohmann::json& body,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
ClientResponse del(const std::string& url, std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

}  // namespace dub::http
