#include "retry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "eventually.hpp"

namespace dubctl {

int with_retries(const RetryPolicy& policy, const std::function<void()>& attempt,
                 const std::function<bool(const dub::Error&)>& is_final, const std::function<void(Duration)>& pause) {
  const int attempts = 1 + std::max(0, policy.retries);
  for (int n = 1;; ++n) {
    try {
      attempt();
      return n;
    } catch (const Cancelled&) {
      throw;
    } catch (const dub::Error& e) {
      if (is_final && is_final(e)) throw;
      if (n == attempts) {
        if (attempts == 1) throw;
        throw dub::Error(fmt::format("failed {} attempts (retry: {}, delay: {}ms); the last: {}", attempts,
                                     policy.retries, policy.delay.count(), e.what()));
      }
    }
    pause(policy.delay);
  }
}

void cancellable_pause(Duration d) {
  constexpr auto kSlice = std::chrono::milliseconds(50);
  const auto resume = std::chrono::steady_clock::now() + d;
  for (auto now = std::chrono::steady_clock::now(); now < resume; now = std::chrono::steady_clock::now()) {
    check_cancelled();
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(kSlice, resume - now));
  }
  check_cancelled();
}

}  // namespace dubctl
