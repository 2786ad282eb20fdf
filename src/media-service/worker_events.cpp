#include "worker_events.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace dub::media_service {

void EventQueue::post(Event e) {
  {
    const std::lock_guard lock(mutex_);
    queue_.push_back(std::move(e));
  }
  cv_.notify_all();
}

std::deque<Event> EventQueue::take(Clock::time_point until) {
  std::deque<Event> batch;
  std::unique_lock lock(mutex_);
  cv_.wait_until(lock, until, [&] { return !queue_.empty(); });
  batch.swap(queue_);
  return batch;
}

std::string EventQueue::bus_error(bool output, std::chrono::milliseconds timeout) {
  const auto is_error = [output](const Event& e) {
    const auto* b = std::get_if<BusEvent>(&e);
    return b != nullptr && b->output == output && !b->eos;
  };
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return std::any_of(queue_.begin(), queue_.end(), is_error); });
  const auto it = std::find_if(queue_.begin(), queue_.end(), is_error);
  if (it == queue_.end()) return {};
  const auto& b = std::get<BusEvent>(*it);
  return fmt::format(": {} ({})", b.message, b.element);
}

void EventQueue::clear() {
  const std::lock_guard lock(mutex_);
  queue_.clear();
}

bool EventQueue::sleep_unless_stopped(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  return !cv_.wait_for(lock, d, [&] { return stop_.load(); });
}

void EventQueue::set_finished() {
  {
    const std::lock_guard lock(mutex_);
    finished_ = true;
  }
  cv_.notify_all();
}

bool EventQueue::wait_finished(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, timeout, [&] { return finished_.load(); });
}

}  // namespace dub::media_service
