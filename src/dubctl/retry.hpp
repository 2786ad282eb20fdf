#pragma once
// Per-step `retry: N` and `delay: D` (venom's semantics): a step that fails is run again, up to N
// more times, D apart; the final failure names how many attempts were made. The run's cancellation
// (Ctrl-C, SIGTERM, the scenario's deadline) is never retried, nor is an error the caller calls final.
#include <functional>

#include "dub/util/error.hpp"
#include "scenario.hpp"

namespace dubctl {

struct RetryPolicy {
  int retries = 0;    // attempts after the first
  Duration delay{0};  // the pause before each of them
};

// Runs `attempt` until it returns without throwing dub::Error (returns how many attempts it took),
// at most 1 + policy.retries times,
// calling `pause(policy.delay)` between attempts. Cancelled and errors `is_final` accepts are
// rethrown as they are, at once. When the last of several attempts fails, throws dub::Error
// "failed N attempts (retry: R, delay: D); the last: <its message>"; with one attempt, its error as is.
int with_retries(const RetryPolicy& policy, const std::function<void()>& attempt,
                 const std::function<bool(const dub::Error&)>& is_final, const std::function<void(Duration)>& pause);

// Sleeps `d`, seeing the run's cancellation (check_cancelled, eventually.hpp) within 50 ms.
void cancellable_pause(Duration d);

}  // namespace dubctl
