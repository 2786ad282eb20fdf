#pragma once
// Waiting on HTTP endpoints (health checks, MediaMTX API) with a progress line.
#include <string>

#include "scenario.hpp"

namespace dubctl {

// Polls `url` until it answers `status` (and its body contains `body_contains`, when given).
// Returns a one-line description of the final answer; throws dub::Error with the last
// answer or connection error when `timeout` passes.
std::string wait_http(const std::string& url, int status, const std::string& body_contains, Duration timeout);

}  // namespace dubctl
