#pragma once
// What an STS client reports, tagged with the generation of the connection it came from (sts_link.hpp):
// posted from the client's threads to the worker's, and handed back to the DubSession there.
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "dub/sts/client.hpp"

namespace dub::media_service {

struct StsResultEvent {
  int generation = 0;
  sts::StsResult result;
};
struct StsErrorEvent {
  int generation = 0;
  sts::StsError error;
};
struct StsDisconnectEvent {
  int generation = 0;
  std::string reason;
};
struct StsCompleteEvent {
  int generation = 0;
  nlohmann::json payload;
};
struct StsReopenedEvent {
  int generation = 0;
  sts::StsReady ready;
};
using StsEvent = std::variant<StsResultEvent, StsErrorEvent, StsDisconnectEvent, StsCompleteEvent, StsReopenedEvent>;

}  // namespace dub::media_service
