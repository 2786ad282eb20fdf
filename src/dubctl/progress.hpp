#pragma once
// A progress line for every wait: what is awaited, elapsed / timeout, and the latest detail.
// On a TTY the line redraws in place (with colour); elsewhere a plain line every few seconds.
#include <chrono>
#include <string>

namespace dubctl {

bool stderr_is_tty();

class Progress {
 public:
  Progress(std::string what, std::chrono::milliseconds timeout);
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress();

  void tick(const std::string& detail = {});
  void done(const std::string& outcome);
  [[nodiscard]] bool expired() const;
  [[nodiscard]] std::chrono::milliseconds elapsed() const;

 private:
  std::string what_;
  std::chrono::milliseconds timeout_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
  bool tty_;
  bool finished_ = false;
};

}  // namespace dubctl
