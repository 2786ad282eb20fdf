#pragma once
// dub::sio::Client's implementation (internal to libdub): one I/O thread, one strand, one
// transport at a time. Split by concern: client_lifecycle.cpp (connect, reconnect, close, state)
// and client_io.cpp (reading, packets, events, pings, writing).
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

#include "dub/sio/client.hpp"
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

namespace detail {

using Strand = net::strand<net::io_context::executor_type>;

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

  void on(const std::string& ns, const std::string& event, Client::EventHandler handler);
  void on_state(Client::StateHandler handler);
  void connect(const std::vector<std::string>& namespaces, bool wait);
  bool emit(const std::string& ns, const std::string& event, json::array_t args, Client::AckHandler ack);
  void close();
  [[nodiscard]] bool connected(const std::string& ns) const;
  [[nodiscard]] State state() const;

  [[nodiscard]] const std::string& url() const { return endpoint_.url; }

 private:
  // ---- lifecycle ----------------------------------------------------------------------------

  void run();
  void shutdown();

  [[nodiscard]] bool on_client_thread() const { return std::this_thread::get_id() == thread_id_; }

  static std::vector<std::string> normalize_all(const std::vector<std::string>& namespaces);
  bool is_joined(const std::string& nsp) const;

  // ---- strand only --------------------------------------------------------------------------

  void start(std::vector<std::string> namespaces, const Waiter& waiter);
  void start_attempt();
  void on_tcp_connected(const ConnPtr& c, beast::error_code ec, const tcp::endpoint& peer);
  void do_read(const ConnPtr& c);
  void on_read(const ConnPtr& c, beast::error_code ec);
  void on_text(const ConnPtr& c, const std::string& frame);
  void on_binary(const ConnPtr& c, Bytes bytes);
  void on_packet(const ConnPtr& c, Packet packet);
  void on_connect_reply(const ConnPtr& c, const Packet& packet);
  void on_event(const ConnPtr& c, Packet packet);

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

  void arm_ping(const ConnPtr& c);

  // ---- writing ------------------------------------------------------------------------------

  void enqueue(const ConnPtr& c, Encoded encoded);
  void enqueue_text(const ConnPtr& c, std::string text);
  void do_write(const ConnPtr& c);

  // ---- closing ------------------------------------------------------------------------------

  void begin_close(const Waiter& waiter);
  void start_ws_close(const ConnPtr& c);
  void finish_closed(const ConnPtr& c);
  void finish_closed_state();

  // ---- failure and reconnection --------------------------------------------------------------

  [[nodiscard]] bool stale(const ConnPtr& c) const { return c != conn_ || c->dead; }

  // Tears down a connection: no handler of it does anything afterwards.
  void kill(const ConnPtr& c);

  // The connection failed (before being established) or was lost (after).
  void lose(const ConnPtr& c, const std::string& what, bool retryable = true);
  void retry_or_fail(const std::string& reason, bool retryable);
  void fail(const std::string& reason);
  void set_state(const StateChange& change);
  static void resolve_waiters(std::vector<Waiter>& waiters);
  static void fail_waiters(std::vector<Waiter>& waiters, const std::string& reason);

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

}  // namespace dub::sio
