#include "dub/http/server.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

namespace dub::http {

namespace beast = boost::beast;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::map<std::string, std::string> parse_query(const std::string& query) {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos <= query.size()) {
    const auto amp = query.find('&', pos);
    const auto part = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    if (!part.empty()) {
      const auto eq = part.find('=');
      if (eq == std::string::npos) {
        out[url_decode(part, true)] = "";
      } else {
        out[url_decode(part.substr(0, eq), true)] = url_decode(part.substr(eq + 1), true);
      }
    }
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return out;
}

}  // namespace

std::string url_decode(const std::string& text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_is_space && c == '+') ? ' ' : c;
  }
  return out;
}

std::string url_encode(const std::string& text) {
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

nlohmann::json Request::json() const {
  if (body.empty()) throw HttpError(400, "request body is empty; a JSON object is expected");
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    throw HttpError(400, fmt::format("request body is not valid JSON: {}", e.what()));
  }
}

std::string Request::header(const std::string& name) const {
  const auto it = headers.find(lower(name));
  return it == headers.end() ? std::string{} : it->second;
}

Response Response::json(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.body += '\n';
  return r;
}

Response Response::text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

Response Response::error(int status, const std::string& message) {
  return json(status, {{"error", message}, {"status", status}});
}

struct Route {
  std::string method;
  std::string path;
  bool prefix = false;
  Handler handler;
};

class Session;

struct Server::Impl {
  explicit Impl(ServerOptions o) : options(std::move(o)), acceptor(ioc) {}

  ServerOptions options;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  std::vector<Route> routes;
  std::atomic<std::uint16_t> bound_port{0};
  std::atomic<bool> stopping{false};
  bool started = false;

  std::mutex sessions_mutex;
  std::condition_variable sessions_cv;
  std::set<std::shared_ptr<Session>> sessions;
  int busy = 0;  // sessions currently running a handler or writing

  void accept();
  Response dispatch(Request& request) const;
};

// One connection: read a request, dispatch, write, repeat while keep-alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl& server) : stream_(std::move(socket)), server_(server) {
    beast::error_code ec;
    const auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = fmt::format("{}:{}", ep.address().to_string(), ep.port());
  }

  void start() { read(); }

  // From any thread: closes the connection if it is idle (waiting for a request).
  void close_if_idle() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) {
        beast::error_code ec;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        self->stream_.socket().close(ec);
      }
    });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(server_.options.max_body_bytes);
    stream_.expires_after(server_.options.idle_timeout);
    beast::http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](const beast::error_code& ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(const beast::error_code& ec) {
    if (ec == beast::http::error::body_limit) {
      respond(Response::error(413, "request body too large"), false, {});
      return;
    }
    if (ec) {  // end_of_stream, timeout, reset, or a malformed request
      finish();
      return;
    }
    set_busy(true);
    auto msg = parser_->release();
    Request request;
    request.method = std::string(msg.method_string());
    request.target = std::string(msg.target());
    const auto q = request.target.find('?');
    request.path = url_decode(request.target.substr(0, q));
    if (q != std::string::npos) request.query = parse_query(request.target.substr(q + 1));
    for (const auto& field : msg) request.headers[lower(std::string(field.name_string()))] = std::string(field.value());
    request.body = std::move(msg.body());
    request.remote = remote_;
    const auto started = std::chrono::steady_clock::now();
    Response response = server_.dispatch(request);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    if (server_.options.on_response) {
      try {
        server_.options.on_response(request, response.status, ms);
      } catch (const std::exception&) {  // an access log must never break a response
      }
    }
    const bool keep_alive = msg.keep_alive() && !server_.stopping.load();
    respond(std::move(response), keep_alive, request.method);
  }

  void respond(Response response, bool keep_alive, const std::string& method) {
    set_busy(true);
    auto res = std::make_shared<beast::http::response<beast::http::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(response.status));
    res->set(beast::http::field::server, server_.options.server_name);
    res->set(beast::http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) res->set(name, value);
    res->keep_alive(keep_alive);
    const bool head = method == "HEAD";
    res->body() = std::move(response.body);
    res->prepare_payload();
    if (head) res->body().clear();
    stream_.expires_after(server_.options.idle_timeout);
    beast::http::async_write(stream_, *res,
                             [self = shared_from_this(), res, keep_alive](const beast::error_code& ec, std::size_t) {
                               self->set_busy(false);
                               if (ec || !keep_alive || self->server_.stopping.load()) {
                                 beast::error_code ignored;
                                 self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                                 self->finish();
                                 return;
                               }
                               self->read();
                             });
  }

  void set_busy(bool busy) {
    if (busy == busy_) return;
    busy_ = busy;
    const std::lock_guard lock(server_.sessions_mutex);
    server_.busy += busy ? 1 : -1;
    server_.sessions_cv.notify_all();
  }

  void finish() {
    set_busy(false);
    beast::error_code ec;
    stream_.socket().close(ec);
    const std::lock_guard lock(server_.sessions_mutex);
    server_.sessions.erase(shared_from_this());
    server_.sessions_cv.notify_all();
  }

  beast::tcp_stream stream_;
  Server::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
  std::string remote_;
  bool busy_ = false;
};

void Server::Impl::accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](const beast::error_code& ec, tcp::socket socket) {
    if (ec) {
      if (!acceptor.is_open() || stopping.load()) return;
    } else if (!stopping.load()) {
      auto session = std::make_shared<Session>(std::move(socket), *this);
      {
        const std::lock_guard lock(sessions_mutex);
        sessions.insert(session);
      }
      session->start();
    }
    if (!stopping.load()) accept();
  });
}

Response Server::Impl::dispatch(Request& request) const {
  const Route* exact = nullptr;
  const Route* best_prefix = nullptr;
  bool path_known = false;
  for (const auto& r : routes) {
    const bool matches = r.prefix ? request.path.starts_with(r.path) : request.path == r.path;
    if (!matches) continue;
    path_known = true;
    const bool method_ok = r.method == request.method || (r.method == "GET" && request.method == "HEAD");
    if (!method_ok) continue;
    if (!r.prefix) {
      exact = &r;
      break;
    }
    if (best_prefix == nullptr || r.path.size() > best_prefix->path.size()) best_prefix = &r;
  }
  const Route* route = exact != nullptr ? exact : best_prefix;
  if (route == nullptr) {
    if (path_known)
      return Response::error(405, fmt::format("method {} not allowed on {}", request.method, request.path));
    return Response::error(404, fmt::format("no route for {} {}", request.method, request.path));
  }
  request.rest = route->prefix ? request.path.substr(route->path.size()) : std::string{};
  try {
    return route->handler(request);
  } catch (const HttpError& e) {
    return Response::error(e.status(), e.what());
  } catch (const std::exception& e) {
    return Response::error(500, e.what());
  }
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() {
  stop(std::chrono::milliseconds(500));
}

void Server::route(const std::string& method, const std::string& path, Handler handler) {
  impl_->routes.push_back(Route{method, path, false, std::move(handler)});
}

void Server::route_prefix(const std::string& method, const std::string& prefix, Handler handler) {
  impl_->routes.push_back(Route{method, prefix, true, std::move(handler)});
}

Response Server::dispatch(Request& request) const {
  return impl_->dispatch(request);
}

void Server::start() {
  if (impl_->started) throw Error("http server already started");
  auto& o = impl_->options;
  beast::error_code ec;
  const auto address = asio::ip::make_address(o.host, ec);
  if (ec) throw Error(fmt::format("http server: '{}' is not an IP address", o.host));
  const tcp::endpoint endpoint(address, o.port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    acceptor.close(ignored);
    throw Error(fmt::format("http server cannot listen on {}:{}: {}", o.host, o.port, ec.message()));
  }
  impl_->bound_port = acceptor.local_endpoint().port();
  impl_->started = true;
  impl_->accept();
  const int n = std::max(1, o.threads);
  for (int i = 0; i < n; ++i) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
}

std::uint16_t Server::port() const {
  return impl_->bound_port.load();
}

void Server::stop(std::chrono::milliseconds grace) {
  auto& im = *impl_;
  if (!im.started || im.stopping.exchange(true)) return;
  // Stop accepting (on the io threads, where the acceptor lives).
  asio::post(im.ioc, [&im] {
    beast::error_code ec;
    im.acceptor.close(ec);
  });
  std::vector<std::shared_ptr<Session>> sessions;
  {
    const std::lock_guard lock(im.sessions_mutex);
    sessions.assign(im.sessions.begin(), im.sessions.end());
  }
  for (auto& s : sessions) s->close_if_idle();
  {
    std::unique_lock lock(im.sessions_mutex);
    im.sessions_cv.wait_for(lock, grace, [&im] { return im.busy == 0; });
  }
  im.ioc.stop();
  for (auto& t : im.threads) {
    if (t.joinable()) t.join();
  }
  im.threads.clear();
  const std::lock_guard lock(im.sessions_mutex);
  im.sessions.clear();
}

}  // namespace dub::http
