#include "http_wait.hpp"

#include <fmt/format.h>

#include <thread>

#include "dub/http/client.hpp"
#include "dub/util/error.hpp"
#include "progress.hpp"

namespace dubctl {

std::string wait_http(const std::string& url, int status, const std::string& body_contains, Duration timeout) {
  Progress progress(fmt::format("waiting for HTTP {} from {}", status, url), timeout);
  std::string last = "no answer yet";
  while (!progress.expired()) {
    try {
      const auto response = dub::http::request("GET", url, "", std::chrono::seconds(3));
      last = fmt::format("HTTP {}", response.status);
      if (response.status == status &&
          (body_contains.empty() || response.body.find(body_contains) != std::string::npos)) {
        progress.done(last);
        return last;
      }
      if (response.status == status) last += fmt::format(" but the body lacks '{}'", body_contains);
    } catch (const dub::Error& e) {
      last = e.what();
    }
    progress.tick(last);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  throw dub::Error(fmt::format("{} did not answer HTTP {} within {:.0f}s (last: {})", url, status,
                               std::chrono::duration<double>(timeout).count(), last));
}

std::string wait_reader(const std::string& api, const std::string& path, Duration timeout) {
  const auto url = fmt::format("{}/v3/paths/get/{}", api, path);
  Progress progress(fmt::format("waiting for a reader on {}", path), timeout);
  std::string last = "no answer yet";
  while (!progress.expired()) {
    try {
      const auto response = dub::http::request("GET", url, "", std::chrono::seconds(3));
      if (response.status == 200) {
        const auto body = response.json();
        const auto readers = body.value("readers", nlohmann::json::array());
        if (readers.is_array() && !readers.empty()) {
          auto what = fmt::format("{} reader(s)", readers.size());
          progress.done(what);
          return what;
        }
        last = "the path has no reader yet";
      } else {
        last = fmt::format("HTTP {}", response.status);
      }
    } catch (const dub::Error& e) {
      last = e.what();
    }
    progress.tick(last);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw dub::Error(
      fmt::format("nothing read {} within {:.0f}s (last: {}): the media service did not start a worker "
                  "for it; check its log and MediaMTX's runOnReady hook",
                  path, std::chrono::duration<double>(timeout).count(), last));
}

}  // namespace dubctl
