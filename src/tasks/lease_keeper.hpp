// LeaseKeeper: renews a running task's lease from a thread of its own, so a
// long parse or a slow network never lets the lease lapse, and tells the
// pipeline when the task was cancelled or taken over by another worker.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "store/store.hpp"

namespace skillsync::tasks {

class LeaseKeeper {
 public:
  LeaseKeeper(store::Store& store, const Clock& clock, std::string task_id, std::string worker_id,
              Micros lease_duration, std::chrono::milliseconds interval);
  ~LeaseKeeper();
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  // Another worker owns the task now (or it finished): stop writing.
  bool lost() const { return lost_.load(std::memory_order_relaxed); }
  // A user asked to cancel the task.
  bool cancel_requested() const { return cancel_.load(std::memory_order_relaxed); }

 private:
  void loop();

  store::Store& store_;
  const Clock& clock_;
  const std::string task_id_;
  const std::string worker_id_;
  const Micros lease_duration_;
  const std::chrono::milliseconds interval_;
  std::atomic<bool> lost_{false};
  std::atomic<bool> cancel_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace skillsync::tasks
