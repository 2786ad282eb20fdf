// Several STS behind one media service (STS_SERVICE_URL with commas): the list is read strictly, each
// new connection goes to the next STS in turn, and /health shows every STS.
#include "sts_replicas.hpp"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "dub/http/client.hpp"
#include "dub/http/server.hpp"
#include "dub/util/error.hpp"
#include "service.hpp"

namespace {

using dub::media_service::round_robin;
using dub::media_service::split_sts_urls;
using dub::media_service::trim_slash;

TEST(StsReplicas, TrimSlashDropsEveryTrailingSlashOnly) {
  EXPECT_EQ(trim_slash("rtmp://mediamtx:1935//"), "rtmp://mediamtx:1935");
  EXPECT_EQ(trim_slash("http://a/b"), "http://a/b");
  EXPECT_EQ(trim_slash("///"), "");
}

TEST(StsReplicas, OneUrlOrSeveralTrimmed) {
  EXPECT_EQ(split_sts_urls("http://host.docker.internal:3000/"),
            (std::vector<std::string>{"http://host.docker.internal:3000"}));
  EXPECT_EQ(split_sts_urls("http://a:3000, http://b:3001/ ,https://c"),
            (std::vector<std::string>{"http://a:3000", "http://b:3001", "https://c"}));
}

TEST(StsReplicas, AnEmptyEntryOrANonHttpUrlIsRefusedByName) {
  for (const std::string bad : {"", "http://a:3000,", "http://a:3000,,http://b:3001", " , "}) {
    try {
      (void)split_sts_urls(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const dub::Error& e) {
      EXPECT_NE(std::string(e.what()).find("STS_SERVICE_URL"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("empty URL"), std::string::npos) << e.what();
    }
  }
  try {
    (void)split_sts_urls("http://a:3000,sts-service:3001");
    ADD_FAILURE() << "accepted a URL without a scheme";
  } catch (const dub::Error& e) {
    EXPECT_NE(std::string(e.what()).find("'sts-service:3001' is not an http:// or https:// URL"), std::string::npos)
        << e.what();
  }
}

TEST(StsReplicas, EachNewClientGoesToTheNextFactoryInTurn) {
  std::vector<int> made(3, 0);
  std::vector<dub::sts::StsClientFactory> factories;
  factories.reserve(3);
  for (int i = 0; i < 3; ++i) {
    factories.emplace_back([&made, i]() -> std::unique_ptr<dub::sts::StsClient> {
      ++made[i];
      return nullptr;
    });
  }
  auto factory = round_robin(std::move(factories));
  for (int i = 0; i < 7; ++i) (void)factory();
  EXPECT_EQ(made, (std::vector<int>{3, 2, 2}));
  EXPECT_THROW((void)round_robin({}), dub::Error);
}

TEST(StsReplicas, ClientsMadeFromSeveralThreadsAreSpreadEvenly) {
  std::atomic<int> first{0};
  std::atomic<int> second{0};
  auto factory = round_robin({[&first]() -> std::unique_ptr<dub::sts::StsClient> {
                                ++first;
                                return nullptr;
                              },
                              [&second]() -> std::unique_ptr<dub::sts::StsClient> {
                                ++second;
                                return nullptr;
                              }});
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&factory]() {
      for (int i = 0; i < 500; ++i) (void)factory();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(first.load(), 1000);
  EXPECT_EQ(second.load(), 1000);
}

// /health with two STS, one answering and one not: each is listed with its url, and the STS as a
// whole is not reachable (a stream sent to the dead one would fail).
TEST(StsReplicas, HealthListsEveryStsAndIsReachableOnlyWhenAllAre) {
  gst_init(nullptr, nullptr);
  dub::http::ServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  dub::http::Server sts(o);
  sts.get("/health", [](const dub::http::Request&) {
    return dub::http::Response::json(200, {{"status", "ready"}, {"mode", "real"}});
  });
  sts.start();
  const std::string live = "http://127.0.0.1:" + std::to_string(sts.port());
  const std::string dead = "http://127.0.0.1:1";

  dub::media_service::ServiceConfig c;
  c.host = "127.0.0.1";
  c.port = 0;
  c.sts_url = live + "," + dead;
  c.sts_health_interval = std::chrono::milliseconds(200);
  dub::media_service::Service service(c);
  service.start();
  nlohmann::json h;
  for (int i = 0; i < 100; ++i) {
    h = service.health()["sts"];
    if (h.value("checked", false)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  service.stop();
  ASSERT_TRUE(h.value("checked", false)) << h.dump();
  EXPECT_EQ(h["url"], live + "," + dead);
  EXPECT_EQ(h["reachable"], false);
  ASSERT_EQ(h["replicas"].size(), 2U) << h.dump();
  EXPECT_EQ(h["replicas"][0]["url"], live);
  EXPECT_EQ(h["replicas"][0]["reachable"], true);
  EXPECT_EQ(h["replicas"][0]["status"], "ready");
  EXPECT_EQ(h["replicas"][1]["url"], dead);
  EXPECT_EQ(h["replicas"][1]["reachable"], false);
  EXPECT_TRUE(h["replicas"][1].contains("error"));
}

}  // namespace
