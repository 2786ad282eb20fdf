#include "port_check.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include "listening_socket.hpp"

namespace {

// A process holding a port the stack wants (on every address, as Docker publishes).
class Listener : public dub::test::ListeningSocket {
 public:
  Listener() : ListeningSocket(On::kAnyAddress, 1) {}
};

std::filesystem::path compose_file(int rtsp_default, int api_default) {
  auto path = std::filesystem::temp_directory_path() / ("dub-port-check-" + std::to_string(::getpid()) + ".yml");
  std::ofstream(path) << "services:\n"
                         "  mediamtx:\n"
                         "    image: x\n"
                         "    ports:\n"
                         "      - \"${DUB_TEST_RTSP_PORT:-"
                      << rtsp_default
                      << "}:8554\" # RTSP\n"
                         "      - \"127.0.0.1:${DUB_TEST_API_PORT:-"
                      << api_default
                      << "}:9997/tcp\"\n"
                         "      - \"5000\"\n"
                         "  media-service:\n"
                         "    image: y\n"
                         "    ports: [\"18080:8080\"]\n"
                         "  quiet:\n"
                         "    image: z\n";
  return path;
}

TEST(PortCheck, PublishedPortsResolveVariablesAndDefaults) {
  const auto file = compose_file(8554, 9997);
  auto ports = dubctl::published_ports(file, {});
  ASSERT_EQ(ports.size(), 3U);
  EXPECT_EQ(ports[0].service, "mediamtx");
  EXPECT_EQ(ports[0].variable, "DUB_TEST_RTSP_PORT");
  EXPECT_EQ(ports[0].host_port, 8554);
  EXPECT_EQ(ports[0].container_port, 8554);
  EXPECT_EQ(ports[1].variable, "DUB_TEST_API_PORT");
  EXPECT_EQ(ports[1].host_port, 9997);
  EXPECT_EQ(ports[1].container_port, 9997);
  EXPECT_EQ(ports[2].service, "media-service");
  EXPECT_TRUE(ports[2].variable.empty());
  EXPECT_EQ(ports[2].host_port, 18080);
  ports = dubctl::published_ports(file, {{"DUB_TEST_RTSP_PORT", "18554"}}, {"mediamtx"});
  ASSERT_EQ(ports.size(), 2U);  // only the service asked for
  EXPECT_EQ(ports[0].host_port, 18554);
  std::filesystem::remove(file);
}

// Ports published on two addresses (compose/*: DUB_PUBLISH_ADDRESS and DUB_GATEWAY_ADDRESS) are one
// port each, named by the port's variable, not the address's.
TEST(PortCheck, PortsOnSeveralAddressesAreNamedByThePortVariable) {
  auto path = std::filesystem::temp_directory_path() / ("dub-port-addr-" + std::to_string(::getpid()) + ".yml");
  std::ofstream(path) << R"(services:
  mediamtx:
    image: x
    ports:
      - "${DUB_PUBLISH_ADDRESS:-127.0.0.1}:${DUB_TEST_RTSP_PORT:-8554}:8554"
      - "${DUB_GATEWAY_ADDRESS:-172.17.0.1}:${DUB_TEST_RTSP_PORT:-8554}:8554"
  sts:
    image: y
    ports:
      - "${DUB_PUBLISH_ADDRESS:-127.0.0.1}:${DUB_TEST_STS_PORT:-3000}:${DUB_TEST_STS_PORT:-3000}"
      - "${DUB_GATEWAY_ADDRESS:-172.17.0.1}:${DUB_TEST_STS_PORT:-3000}:${DUB_TEST_STS_PORT:-3000}"
)";
  const auto ports =
      dubctl::published_ports(path, {{"DUB_GATEWAY_ADDRESS", "[::]"}, {"DUB_PUBLISH_ADDRESS", "0.0.0.0"}});
  ASSERT_EQ(ports.size(), 2U);
  EXPECT_EQ(ports[0].variable, "DUB_TEST_RTSP_PORT");
  EXPECT_EQ(ports[0].host_port, 8554);
  EXPECT_EQ(ports[0].container_port, 8554);
  EXPECT_EQ(ports[1].variable, "DUB_TEST_STS_PORT");
  EXPECT_EQ(ports[1].host_port, 3000);
  std::filesystem::remove(path);
}

TEST(PortCheck, ATakenPortIsNamedWithItsVariableAndWhatToDo) {
  Listener holder;
  const auto file = compose_file(holder.port(), 9997);
  const auto ports = dubctl::published_ports(file, {}, {"mediamtx"});
  EXPECT_TRUE(dubctl::port_in_use(holder.port()));
  auto taken = dubctl::taken_ports(ports);
  ASSERT_FALSE(taken.empty());
  EXPECT_EQ(taken[0].host_port, holder.port());
  const auto message = dubctl::port_conflict_message("media", taken, {{holder.port(), "the container(s) other_1"}});
  const auto port = std::to_string(holder.port());
  EXPECT_NE(message.find("the 'media' stack cannot start: host port " + port +
                         " (DUB_TEST_RTSP_PORT, mediamtx's port 8554) is already in use by the container(s) other_1"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("ss -ltnp 'sport = :" + port + "'"), std::string::npos) << message;
  EXPECT_NE(message.find("--env DUB_TEST_RTSP_PORT="), std::string::npos) << message;
  // Our own running stack publishing the port is no conflict.
  for (const auto& p : dubctl::taken_ports(ports, {holder.port()})) EXPECT_NE(p.host_port, holder.port());
  holder.close();
  EXPECT_FALSE(dubctl::port_in_use(holder.port()));
  for (const auto& p : dubctl::taken_ports(ports)) EXPECT_NE(p.host_port, holder.port());
  std::filesystem::remove(file);
}

// The check before `compose up` throws the PortConflict type (which `dubctl run` turns into a skipped
// case, spec edge case 5), not a bare dub::Error, and its message names the port.
TEST(PortCheck, ATakenPortBeforeComposeUpIsAPortConflict) {
  Listener holder;
  const auto file = compose_file(holder.port(), 9997);
  const dubctl::Stack stack{"media", "dub-port-check-test-project", file};
  try {
    dubctl::check_ports_free(stack, {}, {"mediamtx"});
    ADD_FAILURE() << "a taken port passed the check";
  } catch (const dubctl::PortConflict& e) {
    EXPECT_NE(std::string(e.what()).find("host port " + std::to_string(holder.port())), std::string::npos) << e.what();
  }
  holder.close();
  std::filesystem::remove(file);
}

TEST(PortCheck, PortsNamedInDockerErrors) {
  EXPECT_EQ(dubctl::ports_in_compose_error(
                "ERROR: for mediamtx  Cannot start service mediamtx: driver failed programming external connectivity "
                "on endpoint dubmedia_mediamtx_1 (5f7d): Error starting userland proxy: listen tcp4 0.0.0.0:8554: "
                "bind: address already in use\n"
                "ERROR: for dubmedia_mediamtx_1 ... listen tcp4 0.0.0.0:8554: bind: address already in use\n"),
            std::vector<int>{8554});
  EXPECT_EQ(dubctl::ports_in_compose_error("Bind for 0.0.0.0:1935 failed: port is already allocated"),
            std::vector<int>{1935});
  EXPECT_TRUE(dubctl::ports_in_compose_error("No such image: dubctl/media-service:dev").empty());
}

// Docker prints consecutive published ports as one range: MediaMTX's playback and API ports (9996, 9997)
// were read as neither, so a stack kept up (--keep-up) was refused as holding its own ports.
TEST(PortCheck, OwnPortsReadDockersRangesAndSinglePorts) {
  const std::string ps =
      "127.0.0.1:1935->1935/tcp, 172.17.0.1:1935->1935/tcp, 127.0.0.1:8554->8554/tcp, "
      "127.0.0.1:9996-9997->9996-9997/tcp, 172.17.0.1:9996-9997->9996-9997/tcp\n"
      "127.0.0.1:8080->8080/tcp\n"
      "8000/tcp\n";
  EXPECT_EQ(dubctl::host_ports_in_ps(ps), (std::set<int>{1935, 8080, 8554, 9996, 9997}));
  EXPECT_TRUE(dubctl::host_ports_in_ps("").empty());
}

}  // namespace
