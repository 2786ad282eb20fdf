#include "dub/sio/client.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

#include "client_impl.hpp"
#include "dub/util/error.hpp"

namespace dub::sio {

// ---------------------------------------------------------------------------------------------
// Small public helpers

std::chrono::milliseconds ReconnectPolicy::delay_for(int attempt) const {
  const double base = static_cast<double>(initial_delay.count());
  const double grown = base * std::pow(factor, std::max(0, attempt - 1));
  const double capped = std::min(grown, static_cast<double>(max_delay.count()));
  return milliseconds(static_cast<milliseconds::rep>(std::llround(capped)));
}

const char* to_string(State state) {
  // In the order of the enum.
  static constexpr std::array<const char*, 7> kNames{"idle",         "connecting", "connected", "disconnected",
                                                     "reconnecting", "failed",     "closed"};
  const auto i = static_cast<std::size_t>(state);
  return i < kNames.size() ? kNames.at(i) : "unknown";
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
