// `compose down` of one of two projects sharing a network (spec edge case E7): the network still in
// use is the other project's to remove, not a failure (stacks.hpp).
#include <gtest/gtest.h>

#include "stacks.hpp"

namespace {

TEST(StackDown, ASharedNetworkStillInUseIsNotAFailure) {
  // docker-compose 1.29, as printed when the other project's container is still attached.
  const std::string v1 =
      "Stopping dubmedia_media-service_1 ... \n"
      "Stopping dubmedia_media-service_1 ... done\n"
      "Removing dubmedia_mediamtx_1 ... done\n"
      "Removing network dubctl-e7\n"
      "error while removing network: network dubctl-e7 id "
      "5b4f963f9aad3bb84a048c014f1574645d2010a2e228a6d3eb5a6639507cd446 "
      "has active endpoints\n";
  EXPECT_EQ(dubctl::shared_network_left(v1), "dubctl-e7");
  const std::string v2 =
      " Container dubmedia-mediamtx-1  Removed\n"
      " Network dubctl-e7  Removing\n"
      " Network dubctl-e7  Resource is still in use\n";
  EXPECT_EQ(dubctl::shared_network_left(v2), "dubctl-e7");
  const std::string v2_error =
      "Error response from daemon: error while removing network: network dubctl-e7 has active endpoints\n";
  EXPECT_EQ(dubctl::shared_network_left(v2_error), "dubctl-e7");
}

TEST(StackDown, AnyOtherFailureStaysAFailure) {
  EXPECT_FALSE(dubctl::shared_network_left("").has_value());
  EXPECT_FALSE(dubctl::shared_network_left("ERROR: Couldn't connect to Docker daemon\n").has_value());
  EXPECT_FALSE(dubctl::shared_network_left("error while removing network: network x has active endpoints\n"
                                           "Error response from daemon: container y: driver failed\n")
                   .has_value());
}

}  // namespace
