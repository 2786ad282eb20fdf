#pragma once
// Work that runs beside a scenario's steps: a fixture playing into the pipeline, the output being
// recorded, a delayed fault. `job` gets a cancel flag and a "started" callback and returns a summary.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dub/util/error.hpp"
#include "eventually.hpp"

namespace dubctl {

class BackgroundTask {
 public:
  using Job = std::function<std::string(const std::atomic<bool>& cancel, const std::function<void()>& started)>;

  BackgroundTask(std::string kind, Job job) : kind_(std::move(kind)) {
    thread_ = std::thread([this, job = std::move(job)] {
      try {
        summary_ = job(cancel_, [this] { started_ = true; });
      } catch (const dub::Error& e) {
        error_ = e.what();
      }
      finished_ = true;
    });
  }
  BackgroundTask(const BackgroundTask&) = delete;
  BackgroundTask& operator=(const BackgroundTask&) = delete;
  BackgroundTask(BackgroundTask&&) = delete;
  BackgroundTask& operator=(BackgroundTask&&) = delete;
  ~BackgroundTask() { stop(); }

  void stop() {
    cancel_ = true;
    join();
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  // Blocks until the job has started (or already ended); throws its error if it ended with one.
  // Like every wait of a step it is cancelled by an interrupt or the scenario's deadline
  // (eventually.hpp: check_cancelled); the task's owner then stops it.
  void wait_started() const {
    while (!started_ && !finished_) {
      check_cancelled();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (finished_ && !error_.empty()) throw dub::Error(error_);
  }
  // Blocks until the job has ended, cancelled as wait_started() is.
  void wait_finished() {
    while (!finished_) {
      check_cancelled();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    join();
  }
  [[nodiscard]] const std::string& kind() const { return kind_; }
  [[nodiscard]] bool finished() const { return finished_; }
  [[nodiscard]] const std::string& error() const { return error_; }      // valid once finished
  [[nodiscard]] const std::string& summary() const { return summary_; }  // valid once finished

 private:
  std::string kind_;
  std::atomic<bool> cancel_{false};
  std::atomic<bool> started_{false};
  std::atomic<bool> finished_{false};
  std::string error_;
  std::string summary_;
  std::thread thread_;
};

using Tasks = std::vector<std::unique_ptr<BackgroundTask>>;

}  // namespace dubctl
