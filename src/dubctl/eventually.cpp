#include "eventually.hpp"

#include <fmt/format.h>

#include <memory>
#include <thread>

#include "progress.hpp"

namespace dubctl {

std::atomic<int>& interrupt_signal() {
  static std::atomic<int> signal{0};
  return signal;
}

void check_interrupted() {
  if (const int sig = interrupt_signal().load(); sig != 0) {
    throw Cancelled(fmt::format("interrupted by signal {}", sig));
  }
}

std::optional<std::string> eventually(const Wait& wait, const Attempt& attempt, std::string& last) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + wait.timeout;
  std::unique_ptr<Progress> progress;
  if (!wait.what.empty()) progress = std::make_unique<Progress>(wait.what, wait.timeout);
  const auto cancelled = [&wait] {
    check_interrupted();
    if (wait.cancel != nullptr && *wait.cancel) throw Cancelled("cancelled");
  };
  while (true) {
    if (auto outcome = attempt(last)) {
      if (progress) progress->done(*outcome);
      return outcome;
    }
    if (Clock::now() >= deadline) return std::nullopt;
    cancelled();
    if (progress) progress->tick(last.substr(0, last.find(';')));
    std::this_thread::sleep_for(wait.interval);
  }
}

}  // namespace dubctl
