#include "backoff.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "dub/util/error.hpp"

namespace dub::media_service {

std::chrono::milliseconds BackoffPolicy::delay_for(int retry) const {
  if (retry < 1) return std::chrono::milliseconds(0);
  const double ms = static_cast<double>(initial_delay.count()) * std::pow(std::max(1.0, factor), retry - 1);
  const double capped = std::min(ms, static_cast<double>(max_delay.count()));
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(capped)));
}

void retry_with_backoff(const BackoffPolicy& policy, const std::string& what, const std::function<void()>& attempt,
                        const std::function<bool(int, std::chrono::milliseconds, const std::string&)>& wait) {
  const int attempts = std::max(0, policy.retries) + 1;
  std::string last;
  for (int i = 1; i <= attempts; ++i) {
    try {
      attempt();
      return;
    } catch (const std::exception& e) {
      last = e.what();
    }
    if (i == attempts) break;
    if (!wait(i, policy.delay_for(i), last)) throw Error(fmt::format("{}: abandoned (last error: {})", what, last));
  }
  throw Error(fmt::format("{} failed after {} attempt{}: {}", what, attempts, attempts == 1 ? "" : "s", last));
}

}  // namespace dub::media_service
