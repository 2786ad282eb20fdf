#pragma once
// Waiting on HTTP endpoints (health checks, MediaMTX API) with a progress line.
#include <string>

#include "scenario.hpp"

namespace dubctl {

// Polls `url` until it answers `status` (and its body contains `body_contains`, when given).
// Returns a one-line description of the final answer; throws dub::Error with the last
// answer or connection error when `timeout` passes.
std::string wait_http(const std::string& url, int status, const std::string& body_contains, Duration timeout);

// Polls MediaMTX's API at `api` (http://host:port) until the path `path` (e.g. live/x/in) has a
// reader. Throws dub::Error saying who should have read it when `timeout` passes.
std::string wait_reader(const std::string& api, const std::string& path, Duration timeout);

}  // namespace dubctl
