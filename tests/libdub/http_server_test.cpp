#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "dub/http/client.hpp"
#include "dub/http/server.hpp"
#include "dub/util/error.hpp"

namespace {

using dub::http::Request;
using dub::http::Response;

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dub::http::ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<dub::http::Server>(options);
    server_->get("/health", [](const Request&) { return Response::json(200, {{"status", "ok"}}); });
    server_->post("/v1/echo", [](const Request& r) {
      auto body = r.json();
      body["seen_query"] = r.query;
      return Response::json(201, body);
    });
    server_->route_prefix("GET", "/v1/streams/", [](const Request& r) {
      return Response::json(200, {{"name", r.rest}});
    });
    server_->route_prefix("DELETE", "/v1/streams/", [](const Request& r) {
      if (r.rest == "missing") throw dub::http::HttpError(404, "no stream 'missing'");
      return Response::json(200, {{"deleted", r.rest}});
    });
    server_->get("/boom", [](const Request&) -> Response { throw std::runtime_error("kaboom"); });
    server_->start();
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }
  void TearDown() override { server_->stop(); }

  std::unique_ptr<dub::http::Server> server_;
  std::string base_;
};

TEST_F(HttpServerTest, GetJson) {
  const auto r = dub::http::get(base_ + "/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.at("content-type"), "application/json");
  EXPECT_EQ(r.json()["status"], "ok");
}

TEST_F(HttpServerTest, PostJsonWithQuery) {
  const auto r = dub::http::post_json(base_ + "/v1/echo?a=1&b=x%20y", {{"hello", "world"}});
  EXPECT_EQ(r.status, 201);
  const auto j = r.json();
  EXPECT_EQ(j["hello"], "world");
  EXPECT_EQ(j["seen_query"]["a"], "1");
  EXPECT_EQ(j["seen_query"]["b"], "x y");
}

TEST_F(HttpServerTest, BadJsonIs400) {
  const auto r = dub::http::request("POST", base_ + "/v1/echo", "{nope", std::chrono::seconds(2));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.json()["error"].get<std::string>().find("not valid JSON"), std::string::npos);
}

TEST_F(HttpServerTest, PrefixRoutesAndPercentDecoding) {
  auto r = dub::http::get(base_ + "/v1/streams/live%2Done");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["name"], "live-one");
  r = dub::http::del(base_ + "/v1/streams/abc");
  EXPECT_EQ(r.json()["deleted"], "abc");
  r = dub::http::del(base_ + "/v1/streams/missing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json()["error"], "no stream 'missing'");
}

TEST_F(HttpServerTest, NotFoundMethodNotAllowedAndHandlerErrors) {
  EXPECT_EQ(dub::http::get(base_ + "/nowhere").status, 404);
  EXPECT_EQ(dub::http::del(base_ + "/health").status, 405);
  const auto r = dub::http::get(base_ + "/boom");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.json()["error"], "kaboom");
}

TEST_F(HttpServerTest, ConcurrentClients) {
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (dub::http::get(base_ + "/health").status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 100);
}

TEST_F(HttpServerTest, StopIsIdempotentAndRefusesNewConnections) {
  server_->stop();
  server_->stop();
  EXPECT_THROW(dub::http::get(base_ + "/health", std::chrono::milliseconds(500)), dub::Error);
}

TEST(HttpServer, PortInUseIsAClearError) {
  dub::http::ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  dub::http::Server first(options);
  first.start();
  options.port = first.port();
  dub::http::Server second(options);
  try {
    second.start();
    FAIL() << "second bind succeeded";
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot listen on 127.0.0.1"), std::string::npos) << e.what();
  }
}

TEST(HttpClient, ConnectionRefusedIsAnError) {
  // Bind then stop to get a port that nothing listens on.
  dub::http::ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  std::uint16_t port = 0;
  {
    dub::http::Server s(options);
    s.start();
    port = s.port();
    s.stop();
  }
  try {
    dub::http::get("http://127.0.0.1:" + std::to_string(port) + "/health", std::chrono::seconds(2));
    FAIL() << "request succeeded";
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find("connect failed"), std::string::npos) << e.what();
  }
}

TEST(HttpClient, UrlParsing) {
  auto u = dub::http::Url::parse("http://mediamtx:9997/v3/paths/list?x=1");
  EXPECT_EQ(u.host, "mediamtx");
  EXPECT_EQ(u.port, 9997);
  EXPECT_EQ(u.target, "/v3/paths/list?x=1");
  u = dub::http::Url::parse("http://localhost");
  EXPECT_EQ(u.port, 80);
  EXPECT_EQ(u.target, "/");
  u = dub::http::Url::parse("127.0.0.1:8080/health");
  EXPECT_EQ(u.port, 8080);
  u = dub::http::Url::parse("http://[::1]:3000/socket.io/");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.str(), "http://[::1]:3000/socket.io/");
  EXPECT_THROW(dub::http::Url::parse("https://x"), dub::Error);
  EXPECT_THROW(dub::http::Url::parse("http://x:99999/"), dub::Error);
  EXPECT_THROW(dub::http::Url::parse("http://:80/"), dub::Error);
}

TEST(HttpServer, DispatchWithoutNetwork) {
  dub::http::Server s({});
  s.route_prefix("GET", "/a/", [](const Request& r) { return Response::text(200, "short:" + r.rest); });
  s.route_prefix("GET", "/a/b/", [](const Request& r) { return Response::text(200, "long:" + r.rest); });
  Request req;
  req.method = "GET";
  req.path = "/a/b/c";
  EXPECT_EQ(s.dispatch(req).body, "long:c");
  req.path = "/a/x";
  EXPECT_EQ(s.dispatch(req).body, "short:x");
}

TEST(Http, UrlCoding) {
  EXPECT_EQ(dub::http::url_decode("a%20b+c", true), "a b c");
  EXPECT_EQ(dub::http::url_decode("a+b%zz%4"), "a+b%zz%4");
  EXPECT_EQ(dub::http::url_encode("live/a b"), "live%2Fa%20b");
}

}  // namespace
