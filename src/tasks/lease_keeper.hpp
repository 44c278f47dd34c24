// LeaseKeeper: renews a running task's lease from a thread of its own, so a
// long parse or a slow network never lets the lease lapse, and tells the
// pipeline when the task was cancelled or taken over by another worker:
// through lost() / cancel_requested(), polled between records, and through
// interrupt(), a token that a download blocked on the network polls.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "common/cancel.hpp"
#include "store/store.hpp"

namespace skillsync::tasks {

class LeaseKeeper {
 public:
  // `stop` (optional): the worker's shutdown token, which interrupt() follows.
  // REQUIRES: stop (when given) outlives this object.
  LeaseKeeper(store::Store& store, const Clock& clock, std::string task_id, std::string worker_id,
              Micros lease_duration, std::chrono::milliseconds interval,
              const CancellationToken* stop = nullptr);
  ~LeaseKeeper();
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  // Another worker owns the task now (or it finished): stop writing.
  bool lost() const { return lost_.load(std::memory_order_relaxed); }
  // A user asked to cancel the task.
  bool cancel_requested() const { return cancel_.load(std::memory_order_relaxed); }
  // Set when the keeper learns that the task must stop (lost(),
  // cancel_requested()) and whenever `stop` is set. lost() and
  // cancel_requested() are already true when a reader sees it set, so they
  // (and `stop`) tell why.
  const CancellationToken& interrupt() const { return interrupt_; }
  // This worker is about to end the task itself (publish, or record its end):
  // a heartbeat that then finds the task no longer running is that ending,
  // not another worker, so it is not reported as a lost lease. A real loss
  // during the publish still shows, as the publish's own lease_lost error.
  void finishing() { finishing_.store(true, std::memory_order_relaxed); }

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
  std::atomic<bool> finishing_{false};
  CancellationToken interrupt_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace skillsync::tasks
