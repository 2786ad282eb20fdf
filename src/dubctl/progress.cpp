#include "progress.hpp"

#include <fmt/color.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "redact.hpp"

namespace dubctl {

bool stderr_is_tty() {
  return isatty(STDERR_FILENO) == 1;
}

Progress::Progress(std::string what, std::chrono::milliseconds timeout)
    : what_(std::move(what)), timeout_(timeout), start_(std::chrono::steady_clock::now()), tty_(stderr_is_tty()) {}

Progress::~Progress() {
  if (!finished_ && tty_) std::fputc('\n', stderr);
}

std::chrono::milliseconds Progress::elapsed() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_);
}

bool Progress::expired() const {
  return elapsed() >= timeout_;
}

void Progress::tick(const std::string& detail) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed_s = static_cast<double>(elapsed().count()) / 1000.0;
  const double timeout_s = static_cast<double>(timeout_.count()) / 1000.0;
  const auto text =
      terminal_redactor().apply(fmt::format("  ... {} [{:.0f}s / {:.0f}s] {}", what_, elapsed_s, timeout_s, detail));
  if (tty_) {
    fmt::print(stderr, "\r\033[K{}", fmt::styled(text, fmt::fg(fmt::terminal_color::cyan)));
    std::fflush(stderr);
  } else if (now - last_print_ >= std::chrono::seconds(5)) {
    fmt::print(stderr, "{}\n", text);
    last_print_ = now;
  }
}

void Progress::done(const std::string& outcome) {
  finished_ = true;
  const double elapsed_s = static_cast<double>(elapsed().count()) / 1000.0;
  const auto text = terminal_redactor().apply(
      fmt::format("  {} {}: {} in {:.1f}s", tty_ ? "\u2714" : "ok", what_, outcome, elapsed_s));
  if (tty_) {
    fmt::print(stderr, "\r\033[K{}\n", fmt::styled(text, fmt::fg(fmt::terminal_color::green)));
  } else {
    fmt::print(stderr, "{}\n", text);
  }
}

}  // namespace dubctl
