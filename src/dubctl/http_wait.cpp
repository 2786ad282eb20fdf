#include "http_wait.hpp"

#include <fmt/format.h>

#include <functional>
#include <optional>

#include "dub/http/client.hpp"
#include "dub/util/error.hpp"
#include "eventually.hpp"

namespace dubctl {

namespace {

// Polls `url` with a progress line until `accept` takes an answer (returning what to report);
// otherwise `accept` says in `last` why not. Returns nullopt when `timeout` passes, with
// `last` the final answer or connection error.
using Accept = std::function<std::optional<std::string>(const dub::http::ClientResponse&, std::string& last)>;
std::optional<std::string> poll_http(const std::string& what, const std::string& url, Duration timeout,
                                     std::chrono::milliseconds interval, const Accept& accept, std::string& last,
                                     const DeadCheck& dead = {}) {
  last = "no answer yet";
  auto next_check = std::chrono::steady_clock::now();
  return eventually(
      {what, timeout, interval},
      [&](std::string& why) -> std::optional<std::string> {
        try {
          return accept(dub::http::request("GET", url, "", std::chrono::seconds(3)), why);
        } catch (const dub::Error& e) {
          why = e.what();
          if (dead && std::chrono::steady_clock::now() >= next_check) {
            next_check = std::chrono::steady_clock::now() + std::chrono::seconds(2);
            if (const auto message = dead(url)) throw dub::Error(fmt::format("{} ({}: {})", *message, url, why));
          }
          return std::nullopt;
        }
      },
      last);
}

}  // namespace

std::string wait_http(const std::string& url, int status, const std::string& body_contains, Duration timeout,
                      const DeadCheck& dead, HttpAnswer* answer) {
  std::string last;
  const auto done = poll_http(
      fmt::format("waiting for HTTP {} from {}", status, url), url, timeout, std::chrono::milliseconds(500),
      [&](const dub::http::ClientResponse& response, std::string& why) -> std::optional<std::string> {
        why = fmt::format("HTTP {}", response.status);
        if (response.status != status) return std::nullopt;
        if (body_contains.empty() || response.body.find(body_contains) != std::string::npos) {
          if (answer != nullptr) *answer = {response.status, response.body};
          return why;
        }
        why += fmt::format(" but the body lacks '{}'", body_contains);
        return std::nullopt;
      },
      last, dead);
  if (done) return *done;
  throw dub::Error(fmt::format("{} did not answer HTTP {} within {:.0f}s (last: {})", url, status,
                               std::chrono::duration<double>(timeout).count(), last));
}

std::string wait_reader(const std::string& api, const std::string& path, Duration timeout) {
  std::string last;
  const auto done = poll_http(
      fmt::format("waiting for a reader on {}", path), fmt::format("{}/v3/paths/get/{}", api, path), timeout,
      std::chrono::milliseconds(50),
      [](const dub::http::ClientResponse& response, std::string& why) -> std::optional<std::string> {
        if (response.status != 200) {
          why = fmt::format("HTTP {}", response.status);
          return std::nullopt;
        }
        const auto readers = response.json().value("readers", nlohmann::json::array());
        if (readers.is_array() && !readers.empty()) return fmt::format("{} reader(s)", readers.size());
        why = "the path has no reader yet";
        return std::nullopt;
      },
      last);
  if (done) return *done;
  throw dub::Error(
      fmt::format("nothing read {} within {:.0f}s (last: {}): the media service did not start a worker "
                  "for it; check its log and MediaMTX's runOnReady hook",
                  path, std::chrono::duration<double>(timeout).count(), last));
}

}  // namespace dubctl
