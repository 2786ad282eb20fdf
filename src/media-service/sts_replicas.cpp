#include "sts_replicas.hpp"

#include <fmt/format.h>

#include <atomic>
#include <memory>
#include <utility>

#include "dub/util/error.hpp"

namespace dub::media_service {

std::string trim_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::vector<std::string> split_sts_urls(const std::string& value) {
  std::vector<std::string> urls;
  std::size_t start = 0;
  while (start <= value.size()) {
    const auto comma = value.find(',', start);
    std::string url = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const auto first = url.find_first_not_of(' ');
    url = trim_slash(first == std::string::npos ? "" : url.substr(first, url.find_last_not_of(' ') - first + 1));
    if (url.empty()) {
      throw Error(fmt::format("STS_SERVICE_URL='{}': an empty URL in the list (URLs are separated by commas)", value));
    }
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      throw Error(fmt::format("STS_SERVICE_URL: '{}' is not an http:// or https:// URL", url));
    }
    urls.push_back(std::move(url));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return urls;
}

sts::StsClientFactory round_robin(std::vector<sts::StsClientFactory> factories) {
  if (factories.empty()) throw Error("round_robin: no STS client factory");
  if (factories.size() == 1) return std::move(factories.front());
  auto next = std::make_shared<std::atomic<std::size_t>>(0);
  return [factories = std::move(factories), next]() { return factories[next->fetch_add(1) % factories.size()](); };
}

}  // namespace dub::media_service
