#include "dub/sio/client.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <numeric>
#include <set>
#include <thread>
#include <utility>

#include "dub/sio/codec.hpp"
#include "dub/util/error.hpp"
#include "dub/util/log.hpp"

namespace dub::sio {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using json = nlohmann::json;
using std::chrono::milliseconds;

// ---------------------------------------------------------------------------------------------
// Small public helpers

std::chrono::milliseconds ReconnectPolicy::delay_for(int attempt) const {
  const double base = static_cast<double>(initial_delay.count());
  const double grown = base * std::pow(factor, std::max(0, attempt - 1));
  const double capped = std::min(grown, static_cast<double>(max_delay.count()));
  return milliseconds(static_cast<milliseconds::rep>(std::llround(capped)));
}

const char* to_string(State state) {
  switch (state) {
    case State::Idle:
      return "idle";
    case State::Connecting:
      return "connecting";
    case State::Connected:
      return "connected";
    case State::Disconnected:
      return "disconnected";
    case State::Reconnecting:
      return "reconnecting";
    case State::Failed:
      return "failed";
    case State::Closed:
      return "closed";
  }
  return "unknown";
}

Endpoint parse_endpoint(const std::string& url, const std::string& path) {
  const auto fail = [&](const std::string& why) { throw Error(fmt::format("Socket.IO URL '{}': {}", url, why)); };
  const auto sep = url.find("://");
  if (sep == std::string::npos) fail("expected http://host[:port]");
  std::string scheme = url.substr(0, sep);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  if (scheme == "https" || scheme == "wss") {
    fail("https/wss (TLS) is not supported by this client; use http:// (plain websocket)");
  }
  if (scheme != "http" && scheme != "ws")
    fail(fmt::format("unsupported scheme '{}', expected http:// or ws://", scheme));
  const std::string rest = url.substr(sep + 3);
  const auto authority_end = rest.find_first_of("/?#");
  const std::string authority = rest.substr(0, authority_end);
  const std::string tail = authority_end == std::string::npos ? "" : rest.substr(authority_end);
  if (!tail.empty() && tail != "/") {
    fail(
        fmt::format("unexpected '{}' after host:port (the Engine.IO path goes in ClientOptions::path, namespaces "
                    "in connect())",
                    tail));
  }
  if (authority.find('@') != std::string::npos) fail("user info in the URL is not supported (use ClientOptions::auth)");
  Endpoint ep;
  std::string port_text;
  bool ipv6 = false;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos) fail("unterminated IPv6 address");
    ep.host = authority.substr(1, close - 1);
    ipv6 = true;
    const std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') fail("expected ':port' after the IPv6 address");
      port_text = after.substr(1);
      if (port_text.empty()) fail("empty port");
    }
  } else {
    const auto colon = authority.rfind(':');
    ep.host = authority.substr(0, colon);
    if (colon != std::string::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) fail("empty port");
    }
  }
  if (ep.host.empty()) fail("no host");
  if (port_text.empty()) port_text = "80";
  if (port_text.size() > 5 ||
      !std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoi(port_text) < 1 || std::stoi(port_text) > 65535) {
    fail(fmt::format("port '{}' is not a number in 1..65535", port_text));
  }
  ep.port = port_text;

  std::string p = path.empty() ? "/" : path;
  if (p.front() != '/') p.insert(p.begin(), '/');
  if (p.find_first_of("?# \t\r\n") != std::string::npos) {
    throw Error(fmt::format("Socket.IO path '{}': no query, fragment or whitespace allowed", path));
  }
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  ep.target = (p == "/" ? "" : p) + "/?EIO=4&transport=websocket";
  ep.url = fmt::format("ws://{}:{}{}", ipv6 ? "[" + ep.host + "]" : ep.host, ep.port, ep.target);
  return ep;
}

namespace detail {

using Strand = net::strand<net::io_context::executor_type>;

namespace {

struct OutFrame {
  bool binary = false;
  std::string text;
  Bytes bytes;
};

// One transport (websocket) and everything that dies with it.
struct Connection {
  explicit Connection(const Strand& strand) : resolver(strand), ws(strand), attempt_timer(strand), ping_timer(strand) {}

  std::uint64_t id = 0;
  int attempt = 0;  // retry number this connection belongs to (0 = first attempt)
  tcp::resolver resolver;
  websocket::stream<beast::tcp_stream> ws;
  websocket::response_type response;
  beast::flat_buffer rbuf;
  net::steady_timer attempt_timer;
  net::steady_timer ping_timer;
  std::deque<OutFrame> outq;
  bool writing = false;
  bool dead = false;
  bool opened = false;       // Engine.IO open packet received
  bool established = false;  // every namespace joined
  bool closing = false;      // graceful close requested: websocket close once the queue is drained
  bool close_started = false;
  std::string stage = "DNS resolution";
  OpenInfo open;
  std::set<std::string> pending_ns;
  std::map<std::string, std::vector<Packet>> early_events;  // arrived before their namespace's CONNECT reply
  Decoder decoder;
  std::map<std::uint64_t, Client::AckHandler> acks;
};

using ConnPtr = std::shared_ptr<Connection>;
// A caller blocked in connect() or close(), woken with an error message (empty = success).
struct Completion {
  void finish(std::string failure = {}) {
    const std::lock_guard lock(mutex);
    if (done) return;
    done = true;
    error = std::move(failure);
    cv.notify_all();
  }
  // Returns false on timeout.
  bool wait_for(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, timeout, [this] { return done; });
  }
  void wait() {
    std::unique_lock lock(mutex);
    cv.wait(lock, [this] { return done; });
  }
  std::string failure() {
    const std::lock_guard lock(mutex);
    return error;
  }

  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  std::string error;
};
using Waiter = std::shared_ptr<Completion>;

}  // namespace

class ClientImpl {
 public:
  explicit ClientImpl(ClientOptions options)
      : options_(std::move(options)),
        endpoint_(parse_endpoint(options_.url, options_.path)),
        strand_(net::make_strand(ioc_)),
        work_(net::make_work_guard(ioc_)),
        reconnect_timer_(strand_) {
    const auto& policy = options_.reconnect;
    if (policy.max_attempts < 0) throw Error("Socket.IO reconnect policy: max_attempts must be >= 0");
    if (policy.factor < 1.0) throw Error("Socket.IO reconnect policy: factor must be >= 1");
    if (policy.initial_delay.count() < 0 || policy.max_delay.count() < 0) {
      throw Error("Socket.IO reconnect policy: delays must be >= 0");
    }
    if (options_.connect_timeout.count() <= 0) throw Error("Socket.IO connect_timeout must be > 0");
    if (!options_.auth.is_null() && !options_.auth.is_object()) {
      throw Error("Socket.IO auth must be a JSON object (or null for none)");
    }
    thread_ = std::thread([this] { run(); });
    thread_id_ = thread_.get_id();
  }

  ~ClientImpl() { shutdown(); }
  ClientImpl(const ClientImpl&) = delete;
  ClientImpl& operator=(const ClientImpl&) = delete;
  ClientImpl(ClientImpl&&) = delete;
  ClientImpl& operator=(ClientImpl&&) = delete;

  // ---- any thread ---------------------------------------------------------------------------

  void on(const std::string& ns, const std::string& event, Client::EventHandler handler) {
    const std::lock_guard lock(mutex_);
    handlers_[{normalize_namespace(ns), event}] = std::move(handler);
  }

  void on_state(Client::StateHandler handler) {
    const std::lock_guard lock(mutex_);
    state_handler_ = std::move(handler);
  }

  void connect(const std::vector<std::string>& namespaces, bool wait) {
    auto list = normalize_all(namespaces);
    if (!wait) {
      net::post(strand_, [this, list = std::move(list)]() mutable { start(std::move(list), nullptr); });
      return;
    }
    if (on_client_thread()) {
      throw Error("dub::sio::Client::connect() called from a handler would deadlock; use connect_async()");
    }
    auto waiter = std::make_shared<Completion>();
    net::post(strand_, [this, list = std::move(list), waiter]() mutable { start(std::move(list), waiter); });
    waiter->wait();  // bounded: every attempt has connect_timeout, retries are finite
    if (auto failure = waiter->failure(); !failure.empty()) throw Error(failure);
  }

  bool emit(const std::string& ns, const std::string& event, json::array_t args, Client::AckHandler ack) {
    const std::string nsp = normalize_namespace(ns);
    std::optional<std::uint64_t> id;
    if (ack) id = next_ack_id_++;
    Encoded encoded = encode(make_event(nsp, event, json(std::move(args)), id));
    if (!connected(nsp)) {
      log::debug("socket.io emit dropped: not connected", {{"url", endpoint_.url}, {"nsp", nsp}, {"event", event}});
      return false;
    }
    net::post(strand_, [this, nsp, event, id, encoded = std::move(encoded), ack = std::move(ack)]() mutable {
      const auto c = conn_;
      if (!c || c->dead || !c->established || c->closing || !is_joined(nsp)) {
        log::warn("socket.io emit dropped: connection lost before sending",
                  {{"url", endpoint_.url}, {"nsp", nsp}, {"event", event}});
        return;
      }
      if (id) c->acks[*id] = std::move(ack);
      enqueue(c, std::move(encoded));
    });
    return true;
  }

  void close() {
    if (on_client_thread()) {
      begin_close(nullptr);
      return;
    }
    auto waiter = std::make_shared<Completion>();
    net::post(strand_, [this, waiter] { begin_close(waiter); });
    if (!waiter->wait_for(options_.connect_timeout + milliseconds(2000))) {
      log::warn("socket.io close did not complete in time; dropping the connection", {{"url", endpoint_.url}});
      net::post(strand_, [this] {
        if (conn_) finish_closed(conn_);
      });
    }
  }

  [[nodiscard]] bool connected(const std::string& ns) const {
    const std::lock_guard lock(mutex_);
    return joined_.count(normalize_namespace(ns)) > 0;
  }

  [[nodiscard]] State state() const {
    const std::lock_guard lock(mutex_);
    return state_;
  }

  [[nodiscard]] const std::string& url() const { return endpoint_.url; }

 private:
  // ---- lifecycle ----------------------------------------------------------------------------

  void run() {
    for (;;) {
      try {
        ioc_.run();
        return;
      } catch (const std::exception& e) {
        log::error("socket.io client thread: unexpected exception", {{"url", endpoint_.url}, {"error", e.what()}});
      }
    }
  }

  void shutdown() {
    if (on_client_thread()) {
      // Destroying the client from its own handler cannot join the thread.
      log::error("dub::sio::Client destroyed from one of its own handlers; aborting", {{"url", endpoint_.url}});
      std::terminate();
    }
    {
      // The destructor calls no handler: what they capture may already be gone.
      const std::lock_guard lock(mutex_);
      destroying_ = true;
      handlers_.clear();
      state_handler_ = nullptr;
    }
    close();
    net::post(strand_, [this] {
      shutdown_ = true;
      closing_ = true;
      reconnect_timer_.cancel();
      if (conn_) kill(conn_);
      fail_waiters(connect_waiters_, "Socket.IO client destroyed");
      resolve_waiters(close_waiters_);
    });
    work_.reset();
    if (thread_.joinable()) thread_.join();
  }

  [[nodiscard]] bool on_client_thread() const { return std::this_thread::get_id() == thread_id_; }

  static std::vector<std::string> normalize_all(const std::vector<std::string>& namespaces) {
    if (namespaces.empty()) throw Error("dub::sio::Client::connect() needs at least one namespace");
    std::vector<std::string> out;
    for (const auto& ns : namespaces) {
      auto n = normalize_namespace(ns);
      if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(std::move(n));
    }
    return out;
  }

  bool is_joined(const std::string& nsp) const {
    const std::lock_guard lock(mutex_);
    return joined_.count(nsp) > 0;
  }

  // ---- strand only --------------------------------------------------------------------------

  void start(std::vector<std::string> namespaces, const Waiter& waiter) {
    if (shutdown_) {
      if (waiter) waiter->finish("Socket.IO client destroyed");
      return;
    }
    const State current = state();
    if (current == State::Connecting || current == State::Connected || current == State::Reconnecting ||
        current == State::Disconnected) {
      const auto error =
          fmt::format("Socket.IO connect() to {} while already {}; close() first", endpoint_.url, to_string(current));
      if (waiter) {
        waiter->finish(error);
      } else {
        log::error(error, {{"url", endpoint_.url}});
      }
      return;
    }
    namespaces_ = std::move(namespaces);
    closing_ = false;
    retries_ = 0;
    if (waiter) connect_waiters_.push_back(waiter);
    start_attempt();
  }

  void start_attempt() {
    auto c = std::make_shared<Connection>(strand_);
    c->id = ++next_conn_id_;
    c->attempt = retries_;
    conn_ = c;
    set_state({State::Connecting, "", retries_, milliseconds(0)});

    c->ws.read_message_max(options_.max_message_bytes);
    c->ws.auto_fragment(false);
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = options_.connect_timeout;
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    c->ws.set_option(timeouts);
    c->ws.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "dub-sio/1 (Boost.Beast)"); }));

    c->attempt_timer.expires_after(options_.connect_timeout);
    c->attempt_timer.async_wait([this, c](beast::error_code ec) {
      if (ec || stale(c) || c->established) return;
      lose(c, fmt::format("timed out after {} ms during {}", options_.connect_timeout.count(), c->stage));
    });

    c->resolver.async_resolve(
        endpoint_.host, endpoint_.port, [this, c](beast::error_code ec, const tcp::resolver::results_type& results) {
          if (stale(c)) return;
          if (ec) {
            lose(c, fmt::format("cannot resolve host '{}': {}", endpoint_.host, ec.message()));
            return;
          }
          c->stage = "TCP connect";
          beast::get_lowest_layer(c->ws).async_connect(
              results, [this, c](beast::error_code cec, const tcp::endpoint& peer) { on_tcp_connected(c, cec, peer); });
        });
  }

  void on_tcp_connected(const ConnPtr& c, beast::error_code ec, const tcp::endpoint& peer) {
    if (stale(c)) return;
    if (ec) {
      lose(c, fmt::format("TCP connect to {}:{} failed: {}", endpoint_.host, endpoint_.port, ec.message()));
      return;
    }
    beast::error_code ignored;
    beast::get_lowest_layer(c->ws).socket().set_option(tcp::no_delay(true), ignored);
    c->stage = "WebSocket upgrade";
    const bool ipv6 = peer.address().is_v6() && endpoint_.host.find(':') != std::string::npos;
    const std::string host = fmt::format("{}:{}", ipv6 ? "[" + endpoint_.host + "]" : endpoint_.host, endpoint_.port);
    c->ws.async_handshake(c->response, host, endpoint_.target, [this, c](beast::error_code hec) {
      if (stale(c)) return;
      if (hec == websocket::error::upgrade_declined) {
        std::string body = c->response.body();
        if (body.size() > 200) body = body.substr(0, 200) + "...";
        std::replace_if(
            body.begin(), body.end(), [](char ch) { return ch == '\n' || ch == '\r'; }, ' ');
        lose(c, fmt::format("WebSocket upgrade refused: HTTP {} {}{}", c->response.result_int(),
                            std::string(c->response.reason()), body.empty() ? "" : " (" + body + ")"));
        return;
      }
      if (hec) {
        lose(c, fmt::format("WebSocket upgrade failed: {}", hec.message()));
        return;
      }
      c->stage = "Engine.IO open";
      do_read(c);
    });
  }

  void do_read(const ConnPtr& c) {
    c->ws.async_read(c->rbuf, [this, c](beast::error_code ec, std::size_t /*bytes*/) { on_read(c, ec); });
  }

  void on_read(const ConnPtr& c, beast::error_code ec) {
    if (stale(c)) return;
    if (ec) {
      if (ec == websocket::error::closed) {
        const auto& reason = c->ws.reason();
        lose(c, fmt::format("server closed the websocket (code {}{})", static_cast<int>(reason.code),
                            reason.reason.empty() ? "" : ", " + std::string(reason.reason.c_str())));
      } else if (ec == net::error::eof || ec == net::error::connection_reset) {
        lose(c, fmt::format("server closed the TCP connection ({})", ec.message()));
      } else {
        lose(c, fmt::format("websocket read failed: {}", ec.message()));
      }
      return;
    }
    const bool text = c->ws.got_text();
    const auto data = c->rbuf.cdata();
    try {
      if (text) {
        const std::string frame = beast::buffers_to_string(data);
        c->rbuf.consume(c->rbuf.size());
        on_text(c, frame);
      } else {
        const auto* begin = static_cast<const std::uint8_t*>(data.data());
        Bytes bytes(begin, begin + data.size());
        c->rbuf.consume(c->rbuf.size());
        on_binary(c, std::move(bytes));
      }
    } catch (const Error& e) {
      lose(c, fmt::format("protocol error: {}", e.what()));
      return;
    }
    if (!stale(c)) do_read(c);
  }

  void on_text(const ConnPtr& c, const std::string& frame) {
    EioPacket packet = decode_eio(frame);
    if (!c->opened && packet.type != EioType::Open) {
      throw Error(
          fmt::format("expected the Engine.IO open packet first, got type '{}'", static_cast<char>(packet.type)));
    }
    switch (packet.type) {
      case EioType::Open: {
        if (c->opened) throw Error("second Engine.IO open packet");
        c->open = parse_open(packet.data);
        c->opened = true;
        log::debug("engine.io open", {{"url", endpoint_.url},
                                      {"sid", c->open.sid},
                                      {"ping_interval_ms", c->open.ping_interval.count()},
                                      {"ping_timeout_ms", c->open.ping_timeout.count()}});
        arm_ping(c);
        c->stage = "Socket.IO CONNECT";
        for (const auto& ns : namespaces_) {
          c->pending_ns.insert(ns);
          enqueue(c, encode(make_connect(ns, options_.auth)));
        }
        break;
      }
      case EioType::Close:
        lose(c, "server closed the Engine.IO session");
        break;
      case EioType::Ping:
        enqueue_text(c, encode_eio(EioType::Pong));
        arm_ping(c);
        break;
      case EioType::Message:
        if (auto done = c->decoder.feed_text(packet.data)) on_packet(c, std::move(*done));
        break;
      case EioType::Pong:
      case EioType::Upgrade:
      case EioType::Noop:
        break;
    }
  }

  void on_binary(const ConnPtr& c, Bytes bytes) {
    if (!c->opened) throw Error("binary message before the Engine.IO open packet");
    if (auto done = c->decoder.feed_binary(std::move(bytes))) on_packet(c, std::move(*done));
  }

  void on_packet(const ConnPtr& c, Packet packet) {
    switch (packet.type) {
      case PacketType::Connect:
        on_connect_reply(c, packet);
        break;
      case PacketType::ConnectError: {
        const json& data = packet.data;
        std::string message = data.is_string() ? data.get<std::string>() : data.value("message", std::string());
        bool retryable = false;
        if (data.is_object() && data.contains("data")) {
          message += " " + data["data"].dump();
          const auto& detail = data["data"];
          retryable = detail.is_object() && detail.value("retryable", false);
        }
        lose(c, fmt::format("server refused namespace {} (CONNECT_ERROR): {}", packet.nsp, message), retryable);
        break;
      }
      case PacketType::Disconnect:
        if (is_joined(packet.nsp) || c->pending_ns.count(packet.nsp) > 0) {
          lose(c, fmt::format("server disconnected namespace {}", packet.nsp));
        }
        break;
      case PacketType::Event:
      case PacketType::BinaryEvent:
        on_event(c, std::move(packet));
        break;
      case PacketType::Ack:
      case PacketType::BinaryAck: {
        const auto it = c->acks.find(*packet.id);
        if (it == c->acks.end()) {
          log::debug("socket.io ack with unknown id", {{"url", endpoint_.url}, {"id", *packet.id}});
          break;
        }
        auto handler = std::move(it->second);
        c->acks.erase(it);
        invoke("ack", [&] { handler(packet.data); });
        break;
      }
    }
  }

  void on_connect_reply(const ConnPtr& c, const Packet& packet) {
    if (c->pending_ns.erase(packet.nsp) == 0) {
      log::debug("socket.io CONNECT for a namespace not asked for", {{"url", endpoint_.url}, {"nsp", packet.nsp}});
      return;
    }
    {
      const std::lock_guard lock(mutex_);
      joined_.insert(packet.nsp);
    }
    if (c->pending_ns.empty() && !c->established) {
      c->established = true;
      c->attempt_timer.cancel();
      const int attempt = c->attempt;
      retries_ = 0;
      log::info("socket.io connected",
                {{"url", endpoint_.url}, {"sid", c->open.sid}, {"namespaces", namespaces_}, {"attempt", attempt}});
      set_state({State::Connected, "", attempt, milliseconds(0)});
      resolve_waiters(connect_waiters_);
    }
    // Events the server sent from its connect handler, before this reply (delivered now, in order).
    const auto early = c->early_events.find(packet.nsp);
    if (early == c->early_events.end()) return;
    std::vector<Packet> events = std::move(early->second);
    c->early_events.erase(early);
    for (auto& event : events) {
      if (stale(c)) return;
      on_event(c, std::move(event));
    }
  }

  void on_event(const ConnPtr& c, Packet packet) {
    if (c->closing) return;
    if (c->pending_ns.count(packet.nsp) > 0) {
      c->early_events[packet.nsp].push_back(std::move(packet));
      return;
    }
    auto& items = packet.data.get_ref<json::array_t&>();
    const std::string name = items.front().get<std::string>();
    json args = json::array_t(std::make_move_iterator(items.begin() + 1), std::make_move_iterator(items.end()));
    Client::EventHandler handler;
    {
      const std::lock_guard lock(mutex_);
      const auto it = handlers_.find({packet.nsp, name});
      if (it != handlers_.end()) handler = it->second;
    }
    if (handler) {
      invoke(name, [&] { handler(args); });
    } else {
      log::debug("socket.io event without handler", {{"url", endpoint_.url}, {"nsp", packet.nsp}, {"event", name}});
    }
    if (packet.id && !stale(c) && !c->closing) enqueue(c, encode(make_ack(packet.nsp, *packet.id, json::array())));
  }

  template <typename F>
  void invoke(const std::string& what, F&& call) {
    {
      const std::lock_guard lock(mutex_);
      if (destroying_) return;
    }
    try {
      call();
    } catch (const std::exception& e) {
      log::error("socket.io handler threw", {{"url", endpoint_.url}, {"handler", what}, {"error", e.what()}});
    } catch (...) {
      log::error("socket.io handler threw a non-exception", {{"url", endpoint_.url}, {"handler", what}});
    }
  }

  void arm_ping(const ConnPtr& c) {
    const auto limit = c->open.ping_interval + c->open.ping_timeout;
    c->ping_timer.expires_after(limit);
    c->ping_timer.async_wait([this, c, limit](beast::error_code ec) {
      if (ec || stale(c)) return;
      if (c->ping_timer.expiry() > std::chrono::steady_clock::now()) return;  // re-armed meanwhile
      lose(c, fmt::format("no ping from the server for {} ms (pingInterval {} + pingTimeout {}): server presumed dead",
                          limit.count(), c->open.ping_interval.count(), c->open.ping_timeout.count()));
    });
  }

  // ---- writing ------------------------------------------------------------------------------

  void enqueue(const ConnPtr& c, Encoded encoded) {
    const auto limit = c->open.max_payload;
    const auto largest =
        std::accumulate(encoded.attachments.begin(), encoded.attachments.end(), encoded.text.size() + 1,
                        [](std::size_t max, const Bytes& attachment) { return std::max(max, attachment.size()); });
    if (limit > 0 && largest > limit) {
      log::warn("socket.io message larger than the server's maxPayload: the server will close the connection",
                {{"url", endpoint_.url}, {"bytes", largest}, {"max_payload", limit}});
    }
    enqueue_text(c, encode_eio(EioType::Message, encoded.text));
    for (auto& attachment : encoded.attachments) {
      c->outq.push_back(OutFrame{true, {}, std::move(attachment)});
    }
    do_write(c);
  }

  void enqueue_text(const ConnPtr& c, std::string text) {
    c->outq.push_back(OutFrame{false, std::move(text), {}});
    do_write(c);
  }

  void do_write(const ConnPtr& c) {
    if (c->dead || c->writing || c->close_started) return;
    if (c->outq.empty()) {
      if (c->closing) start_ws_close(c);
      return;
    }
    c->writing = true;
    const OutFrame& frame = c->outq.front();
    c->ws.binary(frame.binary);
    const auto buffer = frame.binary ? net::buffer(frame.bytes) : net::buffer(frame.text);
    c->ws.async_write(buffer, [this, c](beast::error_code ec, std::size_t /*bytes*/) {
      c->writing = false;
      if (stale(c)) return;
      if (ec) {
        lose(c, fmt::format("websocket write failed: {}", ec.message()));
        return;
      }
      c->outq.pop_front();
      do_write(c);
    });
  }

  // ---- closing ------------------------------------------------------------------------------

  void begin_close(const Waiter& waiter) {
    closing_ = true;
    reconnect_timer_.cancel();
    const auto c = conn_;
    if (!c) {
      if (waiter) close_waiters_.push_back(waiter);
      if (state() == State::Reconnecting || state() == State::Disconnected) {
        finish_closed_state();
      } else {
        resolve_waiters(close_waiters_);
      }
      return;
    }
    if (waiter) close_waiters_.push_back(waiter);
    if (!c->established) {
      finish_closed(c);
      return;
    }
    if (c->closing) return;
    c->closing = true;
    std::set<std::string> joined;
    {
      const std::lock_guard lock(mutex_);
      joined.swap(joined_);
    }
    for (const auto& ns : joined) enqueue(c, encode(make_disconnect(ns)));
    do_write(c);
  }

  void start_ws_close(const ConnPtr& c) {
    c->close_started = true;
    c->ws.async_close(websocket::close_code::normal, [this, c](beast::error_code) {
      if (!stale(c)) finish_closed(c);
    });
  }

  void finish_closed(const ConnPtr& c) {
    kill(c);
    finish_closed_state();
  }

  void finish_closed_state() {
    log::info("socket.io closed", {{"url", endpoint_.url}});
    set_state({State::Closed, "closed by the client", 0, milliseconds(0)});
    fail_waiters(connect_waiters_, fmt::format("Socket.IO connection to {} closed by the client", endpoint_.url));
    resolve_waiters(close_waiters_);
  }

  // ---- failure and reconnection --------------------------------------------------------------

  [[nodiscard]] bool stale(const ConnPtr& c) const { return c != conn_ || c->dead; }

  // Tears down a connection: no handler of it does anything afterwards.
  void kill(const ConnPtr& c) {
    c->dead = true;
    c->attempt_timer.cancel();
    c->ping_timer.cancel();
    c->resolver.cancel();
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(c->ws).socket();
    if (socket.is_open()) {
      socket.shutdown(tcp::socket::shutdown_both, ignored);
      socket.close(ignored);
    }
    c->decoder.reset();
    c->acks.clear();
    if (conn_ == c) conn_.reset();
    const std::lock_guard lock(mutex_);
    joined_.clear();
  }

  // The connection failed (before being established) or was lost (after).
  void lose(const ConnPtr& c, const std::string& what, bool retryable = true) {
    if (stale(c)) return;
    const bool was_established = c->established;
    kill(c);
    if (closing_) {
      finish_closed_state();
      return;
    }
    std::string reason;
    if (was_established) {
      reason = fmt::format("connection to {} lost: {}", endpoint_.url, what);
      log::warn("socket.io disconnected", {{"url", endpoint_.url}, {"reason", what}});
      set_state({State::Disconnected, reason, c->attempt, milliseconds(0)});
    } else {
      reason = fmt::format("cannot connect to {}: {}", endpoint_.url, what);
      log::warn("socket.io connection attempt failed",
                {{"url", endpoint_.url}, {"reason", what}, {"attempt", c->attempt}});
    }
    retry_or_fail(reason, retryable);
  }

  void retry_or_fail(const std::string& reason, bool retryable) {
    if (shutdown_) return;
    const auto& policy = options_.reconnect;
    if (!retryable) {
      fail(reason + " (not retried)");
      return;
    }
    if (!policy.enabled || retries_ >= policy.max_attempts) {
      fail(policy.enabled && policy.max_attempts > 0
               ? fmt::format("{} (gave up after {} reconnection attempts)", reason, retries_)
               : reason);
      return;
    }
    ++retries_;
    const auto delay = policy.delay_for(retries_);
    log::info("socket.io reconnecting", {{"url", endpoint_.url}, {"attempt", retries_}, {"delay_ms", delay.count()}});
    set_state({State::Reconnecting, reason, retries_, delay});
    reconnect_timer_.expires_after(delay);
    reconnect_timer_.async_wait([this](beast::error_code ec) {
      if (ec || shutdown_ || closing_ || conn_ || state() != State::Reconnecting) return;
      start_attempt();
    });
  }

  void fail(const std::string& reason) {
    log::error("socket.io gave up", {{"url", endpoint_.url}, {"reason", reason}});
    set_state({State::Failed, reason, retries_, milliseconds(0)});
    fail_waiters(connect_waiters_, reason);
  }

  void set_state(const StateChange& change) {
    Client::StateHandler handler;
    {
      const std::lock_guard lock(mutex_);
      state_ = change.state;
      handler = state_handler_;
    }
    if (handler) invoke("state", [&] { handler(change); });
  }

  static void resolve_waiters(std::vector<Waiter>& waiters) {
    for (const auto& w : waiters) w->finish();
    waiters.clear();
  }

  static void fail_waiters(std::vector<Waiter>& waiters, const std::string& reason) {
    for (const auto& w : waiters) w->finish(reason);
    waiters.clear();
  }

  const ClientOptions options_;
  const Endpoint endpoint_;
  net::io_context ioc_;
  Strand strand_;
  net::executor_work_guard<net::io_context::executor_type> work_;
  net::steady_timer reconnect_timer_;
  std::thread thread_;
  std::thread::id thread_id_;
  std::atomic<std::uint64_t> next_ack_id_{0};

  // Guarded by mutex_ (read from any thread, written on the strand or by on()).
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, Client::EventHandler> handlers_;
  Client::StateHandler state_handler_;
  State state_ = State::Idle;
  std::set<std::string> joined_;
  bool destroying_ = false;

  // Strand only.
  ConnPtr conn_;
  std::vector<std::string> namespaces_;
  int retries_ = 0;
  bool closing_ = false;
  bool shutdown_ = false;
  std::uint64_t next_conn_id_ = 0;
  std::vector<Waiter> connect_waiters_;
  std::vector<Waiter> close_waiters_;
};

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Client

Client::Client(ClientOptions options) : impl_(std::make_unique<detail::ClientImpl>(std::move(options))) {}
Client::~Client() = default;

void Client::on(const std::string& ns, const std::string& event, EventHandler handler) {
  impl_->on(ns, event, std::move(handler));
}
void Client::on_state(StateHandler handler) {
  impl_->on_state(std::move(handler));
}
void Client::connect(const std::vector<std::string>& namespaces) {
  impl_->connect(namespaces, true);
}
void Client::connect_async(const std::vector<std::string>& namespaces) {
  impl_->connect(namespaces, false);
}

bool Client::emit(const std::string& ns, const std::string& event, nlohmann::json payload, AckHandler ack) {
  json::array_t args;
  args.push_back(std::move(payload));
  return impl_->emit(ns, event, std::move(args), std::move(ack));
}

bool Client::emit_args(const std::string& ns, const std::string& event, nlohmann::json::array_t args, AckHandler ack) {
  return impl_->emit(ns, event, std::move(args), std::move(ack));
}

void Client::close() {
  impl_->close();
}
bool Client::connected(const std::string& ns) const {
  return impl_->connected(ns);
}
State Client::state() const {
  return impl_->state();
}
const std::string& Client::endpoint() const {
  return impl_->url();
}

}  // namespace dub::sio
