#pragma once
// Several STS behind one media service: STS_SERVICE_URL may name more than one
// ("http://host.docker.internal:3000,http://host.docker.internal:3001"). Each new STS connection goes
// to the next one in turn, so the streams spread over the replicas (a worker holds one connection per
// stream), and a stream whose replica is lost reconnects to the next one.
#include <string>
#include <vector>

#include "dub/sts/client.hpp"

namespace dub::media_service {

// `url` without its trailing slashes ("rtmp://host/" -> "rtmp://host"): every configured URL is kept so.
std::string trim_slash(std::string url);

// The URLs of an STS_SERVICE_URL value: comma-separated, each trimmed of spaces and of trailing
// slashes. Throws dub::Error naming the variable on an empty list or entry, or one not http(s)://.
std::vector<std::string> split_sts_urls(const std::string& value);

// A factory that calls `factories` in turn, one per client made (safe from several threads).
// Throws dub::Error when `factories` is empty.
sts::StsClientFactory round_robin(std::vector<sts::StsClientFactory> factories);

}  // namespace dub::media_service
