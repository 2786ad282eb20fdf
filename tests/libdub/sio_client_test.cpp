// dub::sio::Client against a real python-socketio server (tests/support/sio_test_server.py, run with
// the tools venv). No assertion on durations: waits are generous upper bounds, and the only timing
// checked is that the announced backoff delays are the configured ones.
#include "dub/sio/client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/crc.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "../support/sio_test_server.hpp"
#include "dub/util/error.hpp"

namespace {

using dub::sio::Client;
using dub::sio::ClientOptions;
using dub::sio::State;
using dub::sio::StateChange;
using nlohmann::json;
using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;

constexpr auto kWait = 30s;  // upper bound for anything the server should do "now"

// 16-bit PCM-like test signal: `n` bytes, deterministic, every byte value present.
Bytes pcm(std::size_t n) {
  Bytes out(n);
  std::uint32_t x = 12345;
  for (auto& b : out) {
    x = x * 1103515245U + 12345U;
    b = static_cast<std::uint8_t>(x >> 16);
  }
  return out;
}

const Bytes& bytes_of(const json& value) {
  return value.get_binary();
}

std::uint32_t crc32(const Bytes& bytes) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

// Records state changes and events (from the client thread) and lets the test wait for them.
class Recorder {
 public:
  void attach(Client& client) {
    client.on_state([this](const StateChange& change) {
      const std::lock_guard lock(mutex_);
      changes_.push_back(change);
      cv_.notify_all();
    });
  }

  Client::EventHandler recorder_for(const std::string& key) {
    return [this, key](const json& args) {
      const std::lock_guard lock(mutex_);
      events_[key].push_back(args);
      cv_.notify_all();
    };
  }

  void listen(Client& client, const std::string& ns, const std::string& event) {
    client.on(ns, event, recorder_for(ns + " " + event));
  }

  // Waits until `count` events `key` ("<ns> <event>") arrived; returns them.
  std::vector<json> wait_events(const std::string& key, std::size_t count = 1) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, kWait, [&] { return events_[key].size() >= count; });
    return events_[key];
  }

  // Waits until `count` changes to `state` were recorded; returns all changes so far.
  std::vector<StateChange> wait_state(State state, std::size_t count = 1) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, kWait, [&] { return count_locked(state) >= count; });
    return changes_;
  }

  std::size_t count(State state) {
    const std::lock_guard lock(mutex_);
    return count_locked(state);
  }

  std::vector<StateChange> changes() {
    const std::lock_guard lock(mutex_);
    return changes_;
  }

 private:
  std::size_t count_locked(State state) const {
    return static_cast<std::size_t>(
        std::count_if(changes_.begin(), changes_.end(), [&](const StateChange& c) { return c.state == state; }));
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<StateChange> changes_;
  std::map<std::string, std::vector<json>> events_;
};

// Waits for an ack and returns its arguments.
class AckWaiter {
 public:
  Client::AckHandler handler() {
    return [this](const json& args) {
      const std::lock_guard lock(mutex_);
      args_ = args;
      cv_.notify_all();
    };
  }
  json wait() {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, kWait, [&] { return args_.has_value(); });
    if (!args_) {
      ADD_FAILURE() << "no ack within " << kWait.count() << " s";
      return nullptr;
    }
    return *args_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::optional<json> args_;
};

ClientOptions options_for(const std::string& url) {
  ClientOptions options;
  options.url = url;
  options.connect_timeout = 20s;
  options.reconnect.max_attempts = 3;
  options.reconnect.initial_delay = 100ms;
  options.reconnect.max_delay = 2s;
  return options;
}

// A port nothing listens on (bound then released by the OS).
int free_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const dub::Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a dub::Error";
  return {};
}

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

// ---------------------------------------------------------------------------------------------

TEST(SioClient, JoinsRootAndMonitorNamespaces) {
  dub::test::SioTestServer server;
  Recorder rec;
  Client client(options_for(server.url()));
  rec.attach(client);
  rec.listen(client, "/monitor", "monitor:hello");
  EXPECT_EQ(client.state(), State::Idle);
  EXPECT_FALSE(client.connected("/"));
  client.connect({"/", "/monitor"});
  EXPECT_EQ(client.state(), State::Connected);
  EXPECT_TRUE(client.connected("/"));
  EXPECT_TRUE(client.connected("/monitor"));
  EXPECT_FALSE(client.connected("/other"));
  EXPECT_EQ(client.endpoint(),
            "ws://127.0.0.1:" + std::to_string(server.port()) + "/socket.io/?EIO=4&transport=websocket");
  // Sent by the server from its connect handler, i.e. before the CONNECT reply: delivered after it.
  const auto hello = rec.wait_events("/monitor monitor:hello");
  ASSERT_EQ(hello.size(), 1U);
  EXPECT_EQ(hello[0], json::array({{{"namespace", "/monitor"}}}));
  EXPECT_EQ(rec.count(State::Connecting), 1U);
  EXPECT_EQ(rec.count(State::Connected), 1U);
}

TEST(SioClient, EventRoundTrip) {
  dub::test::SioTestServer server;
  Recorder rec;
  Client client(options_for(server.url()));
  rec.listen(client, "/", "echo");
  client.connect();
  const json payload = {{"text", "¿Buenos días? Año ñ"}, {"pts_ns", 6000000000LL}, {"list", {1, 2.5, nullptr, true}}};
  EXPECT_TRUE(client.emit("/", "echo", payload));
  const auto echoed = rec.wait_events("/ echo");
  ASSERT_EQ(echoed.size(), 1U);
  EXPECT_EQ(echoed[0], json::array({payload}));
}

TEST(SioClient, AckRoundTripWithSeveralArguments) {
  dub::test::SioTestServer server;
  Client client(options_for(server.url()));
  client.connect({"/", "/monitor"});
  AckWaiter ack;
  EXPECT_TRUE(client.emit_args("/", "echo", {1, "two", {{"three", 3}}}, ack.handler()));
  EXPECT_EQ(ack.wait(), json::array({1, "two", {{"three", 3}}}));
  AckWaiter none;
  EXPECT_TRUE(client.emit_args("/monitor", "echo", {}, none.handler()));
  EXPECT_EQ(none.wait(), json::array());
}

TEST(SioClient, BinaryAttachmentsBothWaysAreByteExact) {
  dub::test::SioTestServer server;
  Recorder rec;
  Client client(options_for(server.url()));
  rec.listen(client, "/", "echo");
  client.connect();

  // 2 s of 48 kHz mono s16le: 192000 bytes, out as an attachment and back as one.
  const Bytes audio = pcm(192000);
  AckWaiter ack;
  const json fragment = {{"audio", json::binary(audio)}, {"fragment_id", "f-0"}, {"sequence_number", 0}};
  ASSERT_TRUE(client.emit("/", "echo", fragment, ack.handler()));
  const auto echoed = rec.wait_events("/ echo");
  ASSERT_EQ(echoed.size(), 1U);
  ASSERT_TRUE(echoed[0][0]["audio"].is_binary());
  EXPECT_EQ(bytes_of(echoed[0][0]["audio"]), audio);  // BINARY_EVENT from the server
  EXPECT_EQ(echoed[0][0]["fragment_id"], "f-0");
  const json acked = ack.wait();  // BINARY_ACK from the server
  ASSERT_TRUE(acked[0]["audio"].is_binary());
  EXPECT_EQ(bytes_of(acked[0]["audio"]), audio);

  // What the server itself saw: sizes and CRC-32 of every attachment, nested ones and an empty one included.
  const Bytes small = {0, 1, 2, 255};
  AckWaiter described;
  ASSERT_TRUE(client.emit_args(
      "/", "describe",
      {{{"a", json::binary(audio)}, {"b", {json::binary(small), json::binary(Bytes{})}}}, json::binary(Bytes{42})},
      described.handler()));
  const json info = described.wait();
  EXPECT_EQ(info[0]["binary_sizes"], json::array({audio.size(), small.size(), 0, 1}));
  EXPECT_EQ(info[0]["binary_crc32"], json::array({crc32(audio), crc32(small), crc32(Bytes{}), crc32(Bytes{42})}));

  // Bytes generated by the server (not an echo).
  AckWaiter made;
  ASSERT_TRUE(client.emit("/", "make_binary", 100000, made.handler()));
  const json generated = made.wait();
  ASSERT_TRUE(generated[0].is_binary());
  const Bytes& got = bytes_of(generated[0]);
  ASSERT_EQ(got.size(), 100000U);
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i], static_cast<std::uint8_t>((7 * i + 3) % 256)) << "byte " << i;
  }
}

TEST(SioClient, ServerAcksAreAnsweredAutomatically) {
  dub::test::SioTestServer server;
  Recorder rec;
  Client client(options_for(server.url()));
  rec.listen(client, "/", "question");
  rec.listen(client, "/", "call_result");
  client.connect();
  ASSERT_TRUE(client.emit("/", "call_me", "why?"));
  EXPECT_EQ(rec.wait_events("/ question").at(0), json::array({"why?"}));
  // The server's call() returned: it got our (empty) ack.
  const auto result = rec.wait_events("/ call_result");
  ASSERT_EQ(result.size(), 1U);
  EXPECT_EQ(result[0][0]["asked"], "why?");
}

TEST(SioClient, ServerNamespaceDisconnectTriggersReconnectAndRejoin) {
  dub::test::SioTestServer server;
  Recorder rec;
  Client client(options_for(server.url()));
  rec.attach(client);
  rec.listen(client, "/monitor", "monitor:hello");
  rec.listen(client, "/", "echo");
  client.connect({"/", "/monitor"});
  ASSERT_TRUE(client.emit("/", "disconnect_me", nullptr));

  const auto changes = rec.wait_state(State::Connected, 2);
  ASSERT_EQ(rec.count(State::Connected), 2U);
  const auto lost =
      std::find_if(changes.begin(), changes.end(), [](const auto& c) { return c.state == State::Disconnected; });
  ASSERT_NE(lost, changes.end());
  EXPECT_TRUE(contains(lost->reason, "server disconnected namespace /")) << lost->reason;
  EXPECT_TRUE(contains(lost->reason, client.endpoint())) << lost->reason;
  const auto retry = std::find_if(lost, changes.end(), [](const auto& c) { return c.state == State::Reconnecting; });
  ASSERT_NE(retry, changes.end());
  EXPECT_EQ(retry->attempt, 1);
  EXPECT_EQ(retry->delay, 100ms);
  EXPECT_EQ(changes.back().state, State::Connected);
  EXPECT_EQ(changes.back().attempt, 1);

  // Both namespaces joined again (the server greets /monitor again) and events flow.
  EXPECT_EQ(rec.wait_events("/monitor monitor:hello", 2).size(), 2U);
  EXPECT_TRUE(client.connected("/"));
  EXPECT_TRUE(client.connected("/monitor"));
  ASSERT_TRUE(client.emit("/", "echo", "after"));
  EXPECT_EQ(rec.wait_events("/ echo").at(0), json::array({"after"}));
}

TEST(SioClient, EngineIoSessionDropTriggersReconnect) {
  dub::test::SioTestServer server;
  Recorder rec;
  Client client(options_for(server.url()));
  rec.attach(client);
  rec.listen(client, "/", "echo");
  client.connect();
  ASSERT_TRUE(client.emit("/", "drop_transport", nullptr));
  rec.wait_state(State::Connected, 2);
  ASSERT_EQ(rec.count(State::Connected), 2U);
  EXPECT_EQ(rec.count(State::Disconnected), 1U);
  EXPECT_EQ(rec.count(State::Failed), 0U);
  ASSERT_TRUE(client.emit("/", "echo", 1));
  EXPECT_EQ(rec.wait_events("/ echo").at(0), json::array({1}));
}

TEST(SioClient, ReconnectsWhenTheServerRestarts) {
  auto server = std::make_unique<dub::test::SioTestServer>();
  const int port = server->port();
  auto options = options_for(server->url());
  options.reconnect.max_attempts = 30;
  options.reconnect.max_delay = 500ms;
  Recorder rec;
  Client client(options);
  rec.attach(client);
  rec.listen(client, "/", "echo");
  client.connect();
  server.reset();  // the server goes away...
  rec.wait_state(State::Reconnecting);
  ASSERT_GE(rec.count(State::Reconnecting), 1U);
  dub::test::ServerOptions again;
  again.port = port;  // ...and comes back on the same port
  dub::test::SioTestServer restarted(again);
  rec.wait_state(State::Connected, 2);
  ASSERT_EQ(rec.count(State::Connected), 2U);
  ASSERT_TRUE(client.emit("/", "echo", "back"));
  EXPECT_EQ(rec.wait_events("/ echo").at(0), json::array({"back"}));
}

TEST(SioClient, DeadServerIsDetectedByMissingPings) {
  dub::test::ServerOptions server_options;
  server_options.ping_interval_s = 1;
  server_options.ping_timeout_s = 1;
  dub::test::SioTestServer server(server_options);
  auto options = options_for(server.url());
  options.reconnect.max_attempts = 10;
  options.connect_timeout = 5s;
  Recorder rec;
  Client client(options);
  rec.attach(client);
  client.connect();
  server.pause();  // TCP stays up, but no more pings
  const auto changes = rec.wait_state(State::Disconnected);
  server.resume();
  ASSERT_EQ(rec.count(State::Disconnected), 1U);
  const auto lost =
      std::find_if(changes.begin(), changes.end(), [](const auto& c) { return c.state == State::Disconnected; });
  EXPECT_TRUE(contains(lost->reason, "no ping from the server for 2000 ms")) << lost->reason;
  rec.wait_state(State::Connected, 2);
  EXPECT_EQ(rec.count(State::Connected), 2U);
}

TEST(SioClient, PongsKeepAnIdleConnectionAlive) {
  dub::test::ServerOptions server_options;
  server_options.ping_interval_s = 1;  // python-engineio announces whole seconds only
  server_options.ping_timeout_s = 5;
  dub::test::SioTestServer server(server_options);
  Recorder rec;
  Client client(options_for(server.url()));
  rec.attach(client);
  rec.listen(client, "/", "echo");
  client.connect();
  // Idle for several ping/pong rounds: a client that did not answer would be dropped after 1 + 5 s.
  std::this_thread::sleep_for(8s);
  EXPECT_EQ(rec.count(State::Disconnected), 0U);
  ASSERT_TRUE(client.emit("/", "echo", "still here"));
  EXPECT_EQ(rec.wait_events("/ echo").at(0), json::array({"still here"}));
}

TEST(SioClient, ConnectionRefusedRetriesExactlyNTimesThenFails) {
  auto options = options_for("http://127.0.0.1:" + std::to_string(free_port()));
  options.reconnect.max_attempts = 3;
  options.reconnect.initial_delay = 50ms;
  options.reconnect.factor = 2.0;
  Recorder rec;
  Client client(options);
  rec.attach(client);
  const std::string error = error_of([&] { client.connect(); });
  EXPECT_TRUE(contains(error, client.endpoint())) << error;
  EXPECT_TRUE(contains(error, "refused")) << error;
  EXPECT_TRUE(contains(error, "gave up after 3 reconnection attempts")) << error;
  EXPECT_EQ(client.state(), State::Failed);

  const auto changes = rec.changes();
  std::vector<StateChange> retries;
  std::copy_if(changes.begin(), changes.end(), std::back_inserter(retries),
               [](const auto& c) { return c.state == State::Reconnecting; });
  ASSERT_EQ(retries.size(), 3U);
  EXPECT_EQ(rec.count(State::Connecting), 4U);  // the first attempt and three retries
  for (std::size_t i = 0; i < retries.size(); ++i) {
    EXPECT_EQ(retries[i].attempt, static_cast<int>(i) + 1);
    EXPECT_TRUE(contains(retries[i].reason, "refused")) << retries[i].reason;
  }
  EXPECT_EQ(retries[0].delay, 50ms);
  EXPECT_EQ(retries[1].delay, 100ms);
  EXPECT_EQ(retries[2].delay, 200ms);
  ASSERT_FALSE(changes.empty());
  EXPECT_EQ(changes.back().state, State::Failed);
  EXPECT_EQ(changes.back().reason, error);
  EXPECT_EQ(rec.count(State::Connected), 0U);
}

TEST(SioClient, ConnectWorksAgainAfterFailure) {
  const int port = free_port();
  auto options = options_for("http://127.0.0.1:" + std::to_string(port));
  options.reconnect.max_attempts = 0;
  Client client(options);
  error_of([&] { client.connect(); });
  EXPECT_EQ(client.state(), State::Failed);
  dub::test::ServerOptions server_options;
  server_options.port = port;
  dub::test::SioTestServer server(server_options);
  client.connect();
  EXPECT_TRUE(client.connected("/"));
}

TEST(SioClient, HttpErrorOnUpgradeNamesStatusAndUrl) {
  dub::test::SioTestServer server;
  auto options = options_for(server.url());
  options.path = "/not-socket-io";
  options.reconnect.max_attempts = 0;
  Client client(options);
  const std::string error = error_of([&] { client.connect(); });
  EXPECT_TRUE(contains(error, "HTTP 404")) << error;
  EXPECT_TRUE(contains(error, "/not-socket-io/?EIO=4&transport=websocket")) << error;
}

TEST(SioClient, UnresolvableHostIsReportedWithTheUrl) {
  auto options = options_for("http://no-such-host.invalid:3000");
  options.reconnect.max_attempts = 0;
  options.connect_timeout = 20s;
  Client client(options);
  const std::string error = error_of([&] { client.connect(); });
  EXPECT_TRUE(contains(error, "ws://no-such-host.invalid:3000/socket.io/")) << error;
  EXPECT_TRUE(contains(error, "resolve") || contains(error, "timed out")) << error;
}

TEST(SioClient, AuthTokenAccepted) {
  dub::test::ServerOptions server_options;
  server_options.token = "s3cret";
  dub::test::SioTestServer server(server_options);
  auto options = options_for(server.url());
  options.auth = {{"token", "s3cret"}};
  Client client(options);
  client.connect({"/", "/monitor"});
  EXPECT_TRUE(client.connected("/"));
  EXPECT_TRUE(client.connected("/monitor"));
}

TEST(SioClient, AuthTokenRejectedIsFinal) {
  dub::test::ServerOptions server_options;
  server_options.token = "s3cret";
  dub::test::SioTestServer server(server_options);
  for (const json& auth : {json{{"token", "wrong"}}, json(nullptr)}) {
    SCOPED_TRACE(auth.dump());
    auto options = options_for(server.url());
    options.auth = auth;
    Recorder rec;
    Client client(options);
    rec.attach(client);
    const std::string error = error_of([&] { client.connect({"/", "/monitor"}); });
    EXPECT_TRUE(contains(error, "CONNECT_ERROR")) << error;
    EXPECT_TRUE(contains(error, "UNAUTHORIZED")) << error;
    EXPECT_TRUE(contains(error, "missing or invalid auth token")) << error;
    EXPECT_TRUE(contains(error, client.endpoint())) << error;
    EXPECT_EQ(client.state(), State::Failed);
    EXPECT_EQ(rec.count(State::Reconnecting), 0U);  // retrying cannot fix a wrong token
  }
}

TEST(SioClient, UnknownNamespaceIsRefused) {
  dub::test::SioTestServer server;
  Client client(options_for(server.url()));
  const std::string error = error_of([&] { client.connect({"/nope"}); });
  EXPECT_TRUE(contains(error, "namespace /nope")) << error;
  EXPECT_TRUE(contains(error, "Unable to connect")) << error;
}

TEST(SioClient, CloseIsGracefulAndIdempotent) {
  dub::test::SioTestServer server;
  Recorder seen;
  Client observer(options_for(server.url()));
  seen.listen(observer, "/monitor", "peer:connected");
  seen.listen(observer, "/monitor", "peer:disconnected");
  observer.connect({"/monitor"});

  Recorder rec;
  Client client(options_for(server.url()));
  rec.attach(client);
  client.connect();
  seen.wait_events("/monitor peer:connected");
  client.close();
  EXPECT_EQ(client.state(), State::Closed);
  EXPECT_FALSE(client.connected("/"));
  EXPECT_FALSE(client.emit("/", "echo", 1));
  client.close();
  EXPECT_EQ(rec.count(State::Closed), 1U);
  EXPECT_EQ(rec.count(State::Disconnected), 0U);
  EXPECT_EQ(rec.count(State::Reconnecting), 0U);
  // The server saw a Socket.IO DISCONNECT from the client, not a dropped transport.
  const auto gone = seen.wait_events("/monitor peer:disconnected");
  ASSERT_EQ(gone.size(), 1U);
  EXPECT_EQ(gone[0][0]["reason"], "client disconnect");
}

TEST(SioClient, CloseCancelsPendingReconnection) {
  auto options = options_for("http://127.0.0.1:" + std::to_string(free_port()));
  options.reconnect.max_attempts = 5;
  options.reconnect.initial_delay = 10s;
  Recorder rec;
  Client client(options);
  rec.attach(client);
  client.connect_async();
  rec.wait_state(State::Reconnecting);
  ASSERT_EQ(rec.count(State::Reconnecting), 1U);
  client.close();
  EXPECT_EQ(client.state(), State::Closed);
  EXPECT_EQ(rec.count(State::Connecting), 1U);
}

TEST(SioClient, EmitBeforeConnectIsRefused) {
  dub::test::SioTestServer server;
  Client client(options_for(server.url()));
  EXPECT_FALSE(client.emit("/", "echo", 1));
  client.connect();
  EXPECT_FALSE(client.emit("/monitor", "echo", 1));                         // namespace not joined
  EXPECT_THROW(client.emit("/", "echo", std::string("\xff")), dub::Error);  // not UTF-8
  EXPECT_THROW(client.connect(), dub::Error);                               // already connected
}

TEST(SioClient, ConcurrentEmitsFromManyThreads) {
  dub::test::SioTestServer server;
  constexpr std::size_t kThreads = 4;
  constexpr std::size_t kPerThread = 100;
  std::mutex mutex;
  std::condition_variable cv;
  std::map<std::size_t, json> acks;
  Client client(options_for(server.url()));
  client.connect();
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (std::size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = 0; i < kPerThread; ++i) {
        const std::size_t id = t * kPerThread + i;
        json payload = {{"id", id}};
        if (i % 10 == 0) payload["blob"] = json::binary(pcm(1000 + id));
        client.emit("/", "echo", payload, [&, id](const json& args) {
          const std::lock_guard lock(mutex);
          acks[id] = args;
          cv.notify_all();
        });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::unique_lock lock(mutex);
  cv.wait_for(lock, kWait, [&] { return acks.size() == kThreads * kPerThread; });
  ASSERT_EQ(acks.size(), kThreads * kPerThread);
  for (const auto& [id, args] : acks) {
    EXPECT_EQ(args[0]["id"], id);
    if (args[0].contains("blob")) {
      EXPECT_EQ(bytes_of(args[0]["blob"]), pcm(1000 + id));
    }
  }
}

// The real STS service in echo mode: the protocol of docs/protocol.md end to end, audio byte-exact.
TEST(SioStsEcho, StreamRoundTripWithAuthAndMonitor) {
  const int port = free_port();
  dub::test::StsEchoServer sts(port, "tok3n");
  auto options = options_for(sts.url());
  options.auth = {{"token", "tok3n"}};
  // The service needs a moment to start: retry refused connections (at most ~60 s).
  options.reconnect.max_attempts = 240;
  options.reconnect.initial_delay = 250ms;
  options.reconnect.factor = 1.0;
  Recorder rec;
  Client client(options);
  for (const char* event : {"stream:ready", "fragment:ack", "fragment:processed", "stream:complete", "error"}) {
    rec.listen(client, "/", event);
  }
  for (const char* event : {"monitor:hello", "stream:started", "fragment:summary", "stream:completed"}) {
    rec.listen(client, "/monitor", event);
  }
  client.connect({"/", "/monitor"});
  ASSERT_TRUE(sts.running());
  const auto hello = rec.wait_events("/monitor monitor:hello");
  ASSERT_EQ(hello.size(), 1U);
  EXPECT_EQ(hello[0][0]["mode"], "echo");

  const json init = {{"stream_id", "sio-test-1"},
                     {"source_language", "en"},
                     {"target_language", "es"},
                     {"sample_rate", 48000},
                     {"channels", 1},
                     {"sample_format", "s16le"},
                     {"fragment_duration_ns", 2000000000LL}};
  ASSERT_TRUE(client.emit("/", "stream:init", init));
  const auto ready = rec.wait_events("/ stream:ready");
  ASSERT_EQ(ready.size(), 1U) << json(rec.wait_events("/ error", 0)).dump();
  EXPECT_EQ(ready[0][0]["mode"], "echo");
  EXPECT_EQ(ready[0][0]["stream_id"], "sio-test-1");

  // 2 s of 48 kHz mono s16le = 192000 bytes, as a binary attachment; echoed back byte for byte.
  const Bytes audio = pcm(192000);
  const json fragment = {{"stream_id", "sio-test-1"},   {"fragment_id", "sio-test-1-0000"},
                         {"sequence_number", 0},        {"pts_ns", 0},
                         {"duration_ns", 2000000000LL}, {"audio", json::binary(audio)}};
  ASSERT_TRUE(client.emit("/", "fragment:data", fragment));
  const auto ack = rec.wait_events("/ fragment:ack");
  ASSERT_EQ(ack.size(), 1U) << json(rec.wait_events("/ error", 0)).dump();
  EXPECT_EQ(ack[0][0]["status"], "queued");
  const auto processed = rec.wait_events("/ fragment:processed");
  ASSERT_EQ(processed.size(), 1U);
  const json& result = processed[0][0];
  EXPECT_EQ(result["fragment_id"], "sio-test-1-0000");
  ASSERT_TRUE(result["dubbed_audio"].is_binary());
  EXPECT_EQ(bytes_of(result["dubbed_audio"]), audio);

  ASSERT_TRUE(client.emit("/", "stream:end", {{"stream_id", "sio-test-1"}}));
  const auto complete = rec.wait_events("/ stream:complete");
  ASSERT_EQ(complete.size(), 1U);
  EXPECT_EQ(complete[0][0]["fragments_processed"], 1);
  // The monitor namespace saw the same stream.
  EXPECT_EQ(rec.wait_events("/monitor stream:started").size(), 1U);
  EXPECT_EQ(rec.wait_events("/monitor fragment:summary").at(0)[0]["dubbed_audio_bytes"], audio.size());
  EXPECT_EQ(rec.wait_events("/monitor stream:completed").size(), 1U);
  EXPECT_TRUE(rec.wait_events("/ error", 0).empty()) << json(rec.wait_events("/ error", 0)).dump();

  // A wrong token is refused with the service's CONNECT_ERROR, and not retried.
  auto wrong = options_for(sts.url());
  wrong.auth = {{"token", "nope"}};
  Client intruder(wrong);
  const std::string error = error_of([&] { intruder.connect(); });
  EXPECT_TRUE(contains(error, "UNAUTHORIZED")) << error;
  EXPECT_TRUE(contains(error, "not retried")) << error;
}

TEST(SioClient, OptionsAreValidated) {
  auto options = options_for("https://sts:3000");
  EXPECT_THROW(Client{options}, dub::Error);
  options = options_for("http://127.0.0.1:1");
  options.reconnect.max_attempts = -1;
  EXPECT_THROW(Client{options}, dub::Error);
  options = options_for("http://127.0.0.1:1");
  options.auth = "token";
  EXPECT_THROW(Client{options}, dub::Error);
}

}  // namespace
