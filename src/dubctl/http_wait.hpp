#pragma once
// Waiting on HTTP endpoints (health checks, MediaMTX API) with a progress line.
#include <functional>
#include <optional>
#include <string>

#include "scenario.hpp"

namespace dubctl {

// After a connection error (at most every 2 s): a message when the service behind the URL is known
// to be dead (its container exited), which ends the wait at once with that message.
using DeadCheck = std::function<std::optional<std::string>(const std::string& url)>;

// An answer that ended a wait.
struct HttpAnswer {
  int status = 0;
  std::string body;
};

// Polls `url` until it answers `status` (and its body contains `body_contains`, when given).
// Returns a one-line description of the final answer (and the answer itself in `answer`, when
// given); throws dub::Error with the last answer or connection error when `timeout` passes, or at
// once when `dead` names a dead service.
std::string wait_http(const std::string& url, int status, const std::string& body_contains, Duration timeout,
                      const DeadCheck& dead = {}, HttpAnswer* answer = nullptr);

// Polls MediaMTX's API at `api` (http://host:port) until the path `path` (e.g. live/x/in) has a
// reader. Throws dub::Error saying who should have read it when `timeout` passes.
std::string wait_reader(const std::string& api, const std::string& path, Duration timeout);

}  // namespace dubctl
