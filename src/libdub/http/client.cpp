#include "dub/http/client.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <charconv>
#include <memory>
#include <optional>

#include "dub/util/error.hpp"

namespace dub::http {

namespace beast = boost::beast;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Url Url::parse(const std::string& url) {
  Url out;
  std::string rest = url;
  const auto sep = url.find("://");
  if (sep != std::string::npos) {
    out.scheme = url.substr(0, sep);
    std::transform(out.scheme.begin(), out.scheme.end(), out.scheme.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    rest = url.substr(sep + 3);
  } else {
    out.scheme = "http";
  }
  if (out.scheme != "http") {
    throw Error(fmt::format("'{}': only http:// URLs are supported (got scheme '{}')", url, out.scheme));
  }
  const auto slash = rest.find_first_of("/?");
  const std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) {
    out.target = rest.substr(slash);
    if (out.target.front() == '?') out.target.insert(out.target.begin(), '/');
  }
  if (authority.find('@') != std::string::npos)
    throw Error(fmt::format("'{}': credentials in URLs are not supported", url));
  std::string port_text;
  if (!authority.empty() && authority.front() == '[') {  // [::1]:8080
    const auto close = authority.find(']');
    if (close == std::string::npos) throw Error(fmt::format("'{}' has a malformed IPv6 host", url));
    out.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') throw Error(fmt::format("'{}' has a malformed host", url));
      port_text = authority.substr(close + 2);
    }
  } else {
    const auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) throw Error(fmt::format("'{}' has no host", url));
  if (!port_text.empty() || authority.ends_with(":")) {
    unsigned value = 0;
    const auto* end = port_text.data() + port_text.size();
    const auto [ptr, ec] = std::from_chars(port_text.data(), end, value);
    if (port_text.empty() || ec != std::errc() || ptr != end || value == 0 || value > 65535) {
      throw Error(fmt::format("'{}' has a bad port '{}'", url, port_text));
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  return out;
}

std::string Url::str() const {
  const bool v6 = host.find(':') != std::string::npos;
  return fmt::format("{}://{}{}{}:{}{}", scheme, v6 ? "[" : "", host, v6 ? "]" : "", port, target);
}

nlohmann::json ClientResponse::json() const {
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("HTTP {} body is not JSON: {}", status, e.what()));
  }
}

namespace {

// One request as a chain of async operations on a private io_context, so that the
// deadline covers every step (Beast's expiry only applies to async operations).
struct Exchange : std::enable_shared_from_this<Exchange> {
  Exchange(asio::io_context& ioc, Url url, beast::http::request<beast::http::string_body> req, std::size_t max_body)
      : resolver(ioc), stream(ioc), url(std::move(url)), req(std::move(req)) {
    parser.body_limit(max_body);
  }

  tcp::resolver resolver;
  beast::tcp_stream stream;
  Url url;
  beast::http::request<beast::http::string_body> req;
  beast::flat_buffer buffer;
  beast::http::response_parser<beast::http::string_body> parser;
  beast::error_code error;
  std::string failed_step;
  bool done = false;

  void fail(const beast::error_code& ec, const char* step) {
    error = ec;
    failed_step = step;
    done = true;
  }

  void start() {
    auto self = shared_from_this();
    resolver.async_resolve(url.host, std::to_string(url.port),
                           [self](const beast::error_code& ec, const tcp::resolver::results_type& results) {
                             if (ec) return self->fail(ec, "resolve");
                             self->stream.async_connect(results,
                                                        [self](const beast::error_code& ec2, const tcp::endpoint&) {
                                                          if (ec2) return self->fail(ec2, "connect");
                                                          self->write();
                                                        });
                           });
  }

  void write() {
    auto self = shared_from_this();
    beast::http::async_write(stream, req, [self](const beast::error_code& ec, std::size_t) {
      if (ec) return self->fail(ec, "write");
      beast::http::async_read(self->stream, self->buffer, self->parser,
                              [self](const beast::error_code& ec2, std::size_t) {
                                if (ec2) return self->fail(ec2, "read");
                                beast::error_code ignored;
                                self->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
                                self->done = true;
                              });
    });
  }
};

}  // namespace

ClientResponse request(const std::string& method, const std::string& url, const std::string& body,
                       const RequestOptions& options) {
  const auto parsed = Url::parse(url);
  std::string upper = method;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  const auto verb = beast::http::string_to_verb(upper);
  if (verb == beast::http::verb::unknown) throw Error(fmt::format("unknown HTTP method '{}'", method));

  beast::http::request<beast::http::string_body> req{verb, parsed.target, 11};
  const bool default_port = parsed.port == 80;
  req.set(beast::http::field::host, default_port ? parsed.host : fmt::format("{}:{}", parsed.host, parsed.port));
  req.set(beast::http::field::user_agent, "dub-http/1");
  req.set(beast::http::field::connection, "close");
  for (const auto& [name, value] : options.headers) req.set(name, value);
  if (!body.empty() || verb == beast::http::verb::post || verb == beast::http::verb::put) {
    req.set(beast::http::field::content_type, options.content_type.empty() ? "application/json" : options.content_type);
    req.body() = body;
  }
  req.prepare_payload();

  asio::io_context ioc;
  auto exchange = std::make_shared<Exchange>(ioc, parsed, std::move(req), options.max_body_bytes);
  exchange->stream.expires_after(options.timeout);
  exchange->start();
  ioc.run_for(options.timeout + std::chrono::milliseconds(100));
  if (!exchange->done) {
    beast::error_code ignored;
    exchange->stream.socket().close(ignored);
    exchange->resolver.cancel();
    throw Error(fmt::format("{} {}: no answer within {} ms", upper, url, options.timeout.count()));
  }
  if (exchange->error) {
    if (exchange->error == beast::error::timeout) {
      throw Error(
          fmt::format("{} {}: timed out after {} ms ({})", upper, url, options.timeout.count(), exchange->failed_step));
    }
    throw Error(fmt::format("{} {}: {} failed: {}", upper, url, exchange->failed_step, exchange->error.message()));
  }
  auto& res = exchange->parser.get();
  ClientResponse out;
  out.status = static_cast<int>(res.result_int());
  out.body = std::move(res.body());
  for (const auto& field : res) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    out.headers[name] = std::string(field.value());
  }
  return out;
}

ClientResponse request(const std::string& method, const std::string& url, const std::string& body,
                       std::chrono::milliseconds timeout, const std::string& content_type) {
  RequestOptions options;
  options.timeout = timeout;
  options.content_type = content_type;
  return request(method, url, body, options);
}

ClientResponse get(const std::string& url, std::chrono::milliseconds timeout) {
  return request("GET", url, {}, timeout);
}

ClientResponse post_json(const std::string& url, const nlohmann::json& body, std::chrono::milliseconds timeout) {
  return request("POST", url, body.dump(), timeout, "application/json");
}

ClientResponse del(const std::string& url, std::chrono::milliseconds timeout) {
  return request("DELETE", url, {}, timeout);
}

}  // namespace dub::http
