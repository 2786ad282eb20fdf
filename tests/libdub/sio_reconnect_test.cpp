// dub::sio::Client against a real python-socketio server: reconnection, pings, refused and failed
// connections, auth, unknown namespaces. The only timing checked is that the announced backoff
// delays are the configured ones.
#include "sio_client_helpers.hpp"

namespace sio_test {

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

}  // namespace sio_test
