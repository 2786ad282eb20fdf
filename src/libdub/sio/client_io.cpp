// dub::sio::Client: reading frames, packets and events, pings, writing (see client_impl.hpp).
#include "client_impl.hpp"

namespace dub::sio::detail {

void ClientImpl::do_read(const ConnPtr& c) {
  c->ws.async_read(c->rbuf, [this, c](beast::error_code ec, std::size_t /*bytes*/) { on_read(c, ec); });
}

void ClientImpl::on_read(const ConnPtr& c, beast::error_code ec) {
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

void ClientImpl::on_text(const ConnPtr& c, const std::string& frame) {
  EioPacket packet = decode_eio(frame);
  if (!c->opened && packet.type != EioType::Open) {
    throw Error(fmt::format("expected the Engine.IO open packet first, got type '{}'", static_cast<char>(packet.type)));
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

void ClientImpl::on_binary(const ConnPtr& c, Bytes bytes) {
  if (!c->opened) throw Error("binary message before the Engine.IO open packet");
  if (auto done = c->decoder.feed_binary(std::move(bytes))) on_packet(c, std::move(*done));
}

void ClientImpl::on_packet(const ConnPtr& c, Packet packet) {
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

void ClientImpl::on_connect_reply(const ConnPtr& c, const Packet& packet) {
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

void ClientImpl::on_event(const ConnPtr& c, Packet packet) {
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

void ClientImpl::arm_ping(const ConnPtr& c) {
  const auto limit = c->open.ping_interval + c->open.ping_timeout;
  c->ping_timer.expires_after(limit);
  c->ping_timer.async_wait([this, c, limit](beast::error_code ec) {
    if (ec || stale(c)) return;
    if (c->ping_timer.expiry() > std::chrono::steady_clock::now()) return;  // re-armed meanwhile
    lose(c, fmt::format("no ping from the server for {} ms (pingInterval {} + pingTimeout {}): server presumed dead",
                        limit.count(), c->open.ping_interval.count(), c->open.ping_timeout.count()));
  });
}

void ClientImpl::enqueue(const ConnPtr& c, Encoded encoded) {
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

void ClientImpl::enqueue_text(const ConnPtr& c, std::string text) {
  c->outq.push_back(OutFrame{false, std::move(text), {}});
  do_write(c);
}

void ClientImpl::do_write(const ConnPtr& c) {
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

}  // namespace dub::sio::detail
