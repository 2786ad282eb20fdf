#pragma once
// Socket.IO v5 client (Engine.IO v4, websocket transport only, plain ws:// — no TLS, no polling).
//
//   dub::sio::ClientOptions options;
//   options.url = "http://sts:3000";                 // http:// or ws://; https/wss are refused
//   options.auth = {{"token", "s3cret"}};            // sent in every namespace CONNECT
//   options.reconnect.max_attempts = 3;
//   dub::sio::Client client(options);
//   client.on("/", "fragment:processed", [](const nlohmann::json& args) {
//     const std::vector<std::uint8_t>& audio = args.at(0).at("dubbed_audio").get_binary();
//   });
//   client.on_state([](const dub::sio::StateChange& change) { ... });
//   client.connect({"/"});                           // blocks; throws dub::Error naming the URL on failure
//   client.emit("/", "fragment:data", {{"audio", nlohmann::json::binary(pcm)}, ...});
//   client.close();
//
// Threading: the client runs its own io_context thread ("the client thread"). Event, ack and state
// handlers are called on that thread, one at a time, in arrival order; keep them short (a handler
// that blocks delays everything, heartbeats included). emit(), on(), connected(), state() and
// close() may be called from any thread; connect() and close() must not be called from a handler
// (connect() throws there, close() from a handler does not wait).
//
// Reconnection: when a connection attempt fails or an established connection is lost (network
// error, server close, server-side namespace DISCONNECT, no ping within pingInterval + pingTimeout,
// protocol error), the client waits initial_delay * factor^(n-1) (capped at max_delay) before retry n,
// for n = 1..max_attempts, then gives up (state Failed). A successful connection resets the count.
// Every reconnection re-joins all namespaces passed to connect(). A CONNECT_ERROR (e.g. a rejected
// auth token) is final unless its data says {"retryable": true}. Unlike the JavaScript client, a
// server-side namespace DISCONNECT also reconnects (the whole connection is dropped and re-made).
// Events the server emits from its connect handler (before the CONNECT reply) are delivered right
// after the reply. Server events that ask for an ack get an empty ack after their handler returns.
// Emits are not buffered: while not connected to the namespace, emit() drops the packet and
// returns false. Ack callbacks whose connection is lost before the ack arrives are never called.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dub::sio {

namespace detail {
class ClientImpl;
}  // namespace detail

struct ReconnectPolicy {
  bool enabled = true;
  int max_attempts = 3;  // retries after the first failed attempt or a lost connection
  std::chrono::milliseconds initial_delay{1000};
  double factor = 2.0;
  std::chrono::milliseconds max_delay{30000};

  // The wait before retry `attempt` (1-based).
  [[nodiscard]] std::chrono::milliseconds delay_for(int attempt) const;
};

struct ClientOptions {
  std::string url;                  // http://host[:port] or ws://host[:port]; port defaults to 80
  std::string path = "/socket.io";  // Engine.IO path on the server
  nlohmann::json auth = nullptr;    // object sent with each namespace CONNECT, or null for none
  ReconnectPolicy reconnect;
  // Bound on one connection attempt: DNS, TCP connect, WebSocket upgrade, Engine.IO open and the
  // Socket.IO CONNECT of every namespace. Also bounds the closing handshake.
  std::chrono::milliseconds connect_timeout{10000};
  std::uint64_t max_message_bytes = 64ULL * 1024 * 1024;  // largest incoming websocket message
};

enum class State {
  Idle,          // never connected
  Connecting,    // first attempt in progress (or a retry, see Reconnecting)
  Connected,     // every requested namespace joined
  Disconnected,  // an established connection was lost (a Reconnecting or Failed change follows)
  Reconnecting,  // waiting `delay` before retry `attempt`
  Failed,        // gave up; `reason` says why
  Closed,        // close() completed
};
const char* to_string(State state);

struct StateChange {
  State state = State::Idle;
  std::string reason;  // Disconnected, Failed, Closed: what happened (names the URL)
  int attempt = 0;     // Reconnecting: retry number (1-based); Connecting/Connected: retry it belongs to
  std::chrono::milliseconds delay{0};  // Reconnecting: wait before the retry
};

class Client {
 public:
  // args: the event's arguments as a JSON array (for an ack: the ack's arguments).
  using EventHandler = std::function<void(const nlohmann::json& args)>;
  using AckHandler = std::function<void(const nlohmann::json& args)>;
  using StateHandler = std::function<void(const StateChange& change)>;

  // Validates the options (URL scheme, host, port, path); throws dub::Error. Starts the client thread.
  explicit Client(ClientOptions options);
  // Forgets all handlers (none is called from here on), close()s (waits up to connect_timeout for
  // the closing handshake), then stops the client thread. Must not run on the client thread.
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  Client(Client&&) = delete;
  Client& operator=(Client&&) = delete;

  // Handler for `event` on namespace `ns` (replaces an earlier one). Events without a handler are
  // logged at debug level and dropped. When the server asks for an ack, an empty ack is sent after
  // the handler returns.
  void on(const std::string& ns, const std::string& event, EventHandler handler);
  void on_state(StateHandler handler);

  // Connects and joins `namespaces`; blocks until Connected (returns) or Failed/Closed (throws
  // dub::Error with the reason). Retries per the reconnect policy first. Throws when already
  // connecting or connected; after Failed or Closed it starts over.
  void connect(const std::vector<std::string>& namespaces = {"/"});
  // Same, without waiting: follow on_state().
  void connect_async(const std::vector<std::string>& namespaces = {"/"});

  // Sends `event` with one argument `payload` (binary_t values become attachments). Returns false,
  // and drops it, when not connected to `ns`. `ack`, if set, is called with the ack's arguments.
  // Throws dub::Error when the packet cannot be encoded (e.g. invalid UTF-8).
  bool emit(const std::string& ns, const std::string& event, nlohmann::json payload, AckHandler ack = {});
  // Same with any number of arguments (`args` is the argument list, possibly empty).
  bool emit_args(const std::string& ns, const std::string& event, nlohmann::json::array_t args, AckHandler ack = {});

  // Graceful: Socket.IO DISCONNECT for every joined namespace, then the websocket closing handshake.
  // Cancels a pending reconnection. Blocks until done (bounded by connect_timeout) unless called
  // from a handler. Idempotent.
  void close();

  [[nodiscard]] bool connected(const std::string& ns = "/") const;
  [[nodiscard]] State state() const;
  // The websocket URL used, e.g. ws://sts:3000/socket.io/?EIO=4&transport=websocket
  [[nodiscard]] const std::string& endpoint() const;

 private:
  std::unique_ptr<detail::ClientImpl> impl_;
};

// Parsed form of ClientOptions::url + path (exposed for tests).
struct Endpoint {
  std::string host;  // without brackets for IPv6
  std::string port;
  std::string target;  // "/socket.io/?EIO=4&transport=websocket"
  std::string url;     // "ws://host:port/socket.io/?EIO=4&transport=websocket"
};
// Throws dub::Error naming the URL on anything but http://host[:port][/] or ws://...
Endpoint parse_endpoint(const std::string& url, const std::string& path);

}  // namespace dub::sio
