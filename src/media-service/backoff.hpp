#pragma once
// Retries with exponential backoff: attempt, then wait initial, initial*factor, ... between
// retries (capped at max_delay), `retries` times, then give up with an error that says how
// many attempts were made and what the last failure was.
#include <chrono>
#include <functional>
#include <string>

namespace dub::media_service {

struct BackoffPolicy {
  int retries = 3;  // retries after the first attempt (so retries + 1 attempts in all)
  std::chrono::milliseconds initial_delay{1000};
  double factor = 2.0;
  std::chrono::milliseconds max_delay{30000};

  // Wait before retry `retry` (1-based): initial * factor^(retry-1), capped.
  [[nodiscard]] std::chrono::milliseconds delay_for(int retry) const;
};

// Calls `attempt` until it returns without throwing dub::Error (or std::exception). Between tries
// calls `wait(retry, delay, last_error)`; `wait` returns false to abandon (e.g. stop requested),
// which throws dub::Error "<what>: abandoned". After the last failed attempt throws dub::Error
// "<what> failed after N attempts: <last error>".
void retry_with_backoff(
    const BackoffPolicy& policy, const std::string& what, const std::function<void()>& attempt,
    const std::function<bool(int retry, std::chrono::milliseconds delay, const std::string& error)>& wait);

}  // namespace dub::media_service
