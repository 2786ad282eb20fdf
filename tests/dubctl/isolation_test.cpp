#include "isolation.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <set>

#include "dub/util/error.hpp"
#include "endpoints.hpp"
#include "stacks.hpp"

namespace {

const std::filesystem::path kRoot = DUB_SOURCE_DIR;

// Sets DUBCTL_RUN_ID (and clears the variables the isolation reads) for one test.
class Isolation : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : kVariables) unsetenv(name);
  }
  void TearDown() override {
    for (const char* name : kVariables) unsetenv(name);
  }
  static void run_id(const char* id) { setenv("DUBCTL_RUN_ID", id, 1); }
  static constexpr const char* kVariables[] = {"DUBCTL_RUN_ID",      "MEDIA_NETWORK",     "STS_NETWORK",
                                               "MEDIA_SERVICE_PORT", "MEDIAMTX_API_PORT", "MEDIAMTX_RTSP_PORT",
                                               "MEDIAMTX_RTMP_PORT", "STS_PORT",          "STS_SERVICE_URL"};
};

TEST_F(Isolation, WithoutARunIdTheProjectsAndNetworksAreTheDefaults) {
  const auto stacks = dubctl::stacks_for("all", kRoot);
  EXPECT_EQ(stacks[0].project, "dubsts");
  EXPECT_EQ(stacks[1].project, "dubmedia");
  EXPECT_EQ(dubctl::with_run_names({{"A", "1"}}), (dubctl::EnvMap{{"A", "1"}}));
}

TEST_F(Isolation, ARunIdNamesTheProjectsAndTheirNetworks) {
  run_id("ci-7");
  const auto stacks = dubctl::stacks_for("all", kRoot);
  EXPECT_EQ(stacks[0].project, "dubsts-ci-7");
  EXPECT_EQ(stacks[1].project, "dubmedia-ci-7");
  const auto endpoints = dubctl::stack_endpoints({}, kRoot);  // ${media.project} in scenarios
  EXPECT_EQ(endpoints.at("media.project"), "dubmedia-ci-7");
  EXPECT_EQ(endpoints.at("sts.project"), "dubsts-ci-7");
  const auto env = dubctl::with_run_names({});
  EXPECT_EQ(env.at("MEDIA_NETWORK"), "dubmedia-ci-7_default");
  EXPECT_EQ(env.at("STS_NETWORK"), "dubsts-ci-7_default");
  // A network the run names itself (a scenario sharing one) is kept.
  EXPECT_EQ(dubctl::with_run_names({{"MEDIA_NETWORK", "shared"}}).at("MEDIA_NETWORK"), "shared");
  setenv("STS_NETWORK", "from-env", 1);
  EXPECT_FALSE(dubctl::with_run_names({}).contains("STS_NETWORK"));  // compose reads the environment's
}

TEST_F(Isolation, ARunIdThatNoComposeProjectCanCarryIsRefused) {
  for (const char* bad : {"UPPER", "-dash", "a b", "a/b", "x123456789012345678901234567890123"}) {
    run_id(bad);
    try {
      (void)dubctl::run_id();
      ADD_FAILURE() << "accepted " << bad;
    } catch (const dub::Error& e) {
      EXPECT_NE(std::string(e.what()).find("DUBCTL_RUN_ID='"), std::string::npos) << e.what();
    }
  }
}

TEST_F(Isolation, FreshRunIdsAreValidAndDiffer) {
  std::set<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    const auto id = dubctl::new_run_id();
    EXPECT_TRUE(std::regex_match(id, std::regex("r[0-9a-f]{8}"))) << id;
    ids.insert(id);
  }
  EXPECT_GT(ids.size(), 45U);
}

TEST_F(Isolation, AFreePortCanBeBoundOnEveryAddress) {
  const int port = dubctl::free_port();
  ASSERT_GT(port, 1024);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  EXPECT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
  ::close(fd);
}

TEST_F(Isolation, OwnPortsForEveryPortNotGivenAndTheStsUrlFollows) {
  int next = 40000;
  const auto env = dubctl::with_own_ports({{"MEDIAMTX_RTSP_PORT", "18554"}}, [&next] { return next++; });
  EXPECT_EQ(env.at("MEDIAMTX_RTSP_PORT"), "18554");  // given: kept
  EXPECT_EQ(env.at("MEDIA_SERVICE_PORT"), "40000");
  EXPECT_EQ(env.at("MEDIAMTX_API_PORT"), "40001");
  EXPECT_EQ(env.at("MEDIAMTX_RTMP_PORT"), "40002");
  EXPECT_EQ(env.at("MEDIAMTX_PLAYBACK_PORT"), "40003");
  EXPECT_EQ(env.at("STS_PORT"), "40004");
  EXPECT_EQ(env.at("STS_SERVICE_URL"), "http://host.docker.internal:40004");
  // The endpoints follow the ports.
  const auto e = dubctl::stack_endpoints(env, kRoot);
  EXPECT_EQ(e.at("media.api"), "http://localhost:40000");
  EXPECT_EQ(e.at("mediamtx.playback"), "http://localhost:40003");
  EXPECT_EQ(e.at("sts.url"), "http://localhost:40004");
  EXPECT_EQ(e.at("mediamtx.rtsp"), "rtsp://localhost:18554");
}

TEST_F(Isolation, AGivenStsUrlIsKeptAndARepeatedPortRefused) {
  const auto env = dubctl::with_own_ports({{"STS_SERVICE_URL", "http://sts:9"}}, dubctl::free_port);
  EXPECT_EQ(env.at("STS_SERVICE_URL"), "http://sts:9");
  std::set<std::string> ports;
  for (const auto& p : dubctl::port_variables()) ports.insert(env.at(p.variable));
  EXPECT_EQ(ports.size(), dubctl::port_variables().size());
  EXPECT_THROW((void)dubctl::with_own_ports({}, [] { return 40000; }), dub::Error);
}

}  // namespace
