// dub::sio::Client: connecting, reconnecting, closing, state (see client_impl.hpp).
#include "client_impl.hpp"

namespace dub::sio::detail {

void ClientImpl::on(const std::string& ns, const std::string& event, Client::EventHandler handler) {
  const std::lock_guard lock(mutex_);
  handlers_[{normalize_namespace(ns), event}] = std::move(handler);
}

void ClientImpl::on_state(Client::StateHandler handler) {
  const std::lock_guard lock(mutex_);
  state_handler_ = std::move(handler);
}

void ClientImpl::connect(const std::vector<std::string>& namespaces, bool wait) {
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

bool ClientImpl::emit(const std::string& ns, const std::string& event, json::array_t args, Client::AckHandler ack) {
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

void ClientImpl::close() {
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

bool ClientImpl::connected(const std::string& ns) const {
  const std::lock_guard lock(mutex_);
  return joined_.count(normalize_namespace(ns)) > 0;
}

State ClientImpl::state() const {
  const std::lock_guard lock(mutex_);
  return state_;
}

void ClientImpl::run() {
  for (;;) {
    try {
      ioc_.run();
      return;
    } catch (const std::exception& e) {
      log::error("socket.io client thread: unexpected exception", {{"url", endpoint_.url}, {"error", e.what()}});
    }
  }
}

void ClientImpl::shutdown() {
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

std::vector<std::string> ClientImpl::normalize_all(const std::vector<std::string>& namespaces) {
  if (namespaces.empty()) throw Error("dub::sio::Client::connect() needs at least one namespace");
  std::vector<std::string> out;
  for (const auto& ns : namespaces) {
    auto n = normalize_namespace(ns);
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(std::move(n));
  }
  return out;
}

bool ClientImpl::is_joined(const std::string& nsp) const {
  const std::lock_guard lock(mutex_);
  return joined_.count(nsp) > 0;
}

void ClientImpl::start(std::vector<std::string> namespaces, const Waiter& waiter) {
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

void ClientImpl::start_attempt() {
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

void ClientImpl::on_tcp_connected(const ConnPtr& c, beast::error_code ec, const tcp::endpoint& peer) {
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

void ClientImpl::begin_close(const Waiter& waiter) {
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

void ClientImpl::start_ws_close(const ConnPtr& c) {
  c->close_started = true;
  c->ws.async_close(websocket::close_code::normal, [this, c](beast::error_code) {
    if (!stale(c)) finish_closed(c);
  });
}

void ClientImpl::finish_closed(const ConnPtr& c) {
  kill(c);
  finish_closed_state();
}

void ClientImpl::finish_closed_state() {
  log::info("socket.io closed", {{"url", endpoint_.url}});
  set_state({State::Closed, "closed by the client", 0, milliseconds(0)});
  fail_waiters(connect_waiters_, fmt::format("Socket.IO connection to {} closed by the client", endpoint_.url));
  resolve_waiters(close_waiters_);
}

void ClientImpl::kill(const ConnPtr& c) {
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

void ClientImpl::lose(const ConnPtr& c, const std::string& what, bool retryable) {
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

void ClientImpl::retry_or_fail(const std::string& reason, bool retryable) {
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

void ClientImpl::fail(const std::string& reason) {
  log::error("socket.io gave up", {{"url", endpoint_.url}, {"reason", reason}});
  set_state({State::Failed, reason, retries_, milliseconds(0)});
  fail_waiters(connect_waiters_, reason);
}

void ClientImpl::set_state(const StateChange& change) {
  Client::StateHandler handler;
  {
    const std::lock_guard lock(mutex_);
    state_ = change.state;
    handler = state_handler_;
  }
  if (handler) invoke("state", [&] { handler(change); });
}

void ClientImpl::resolve_waiters(std::vector<Waiter>& waiters) {
  for (const auto& w : waiters) w->finish();
  waiters.clear();
}

void ClientImpl::fail_waiters(std::vector<Waiter>& waiters, const std::string& reason) {
  for (const auto& w : waiters) w->finish(reason);
  waiters.clear();
}

}  // namespace dub::sio::detail
