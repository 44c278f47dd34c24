#include "tasks/lease_keeper.hpp"

#include <spdlog/spdlog.h>

namespace skillsync::tasks {

LeaseKeeper::LeaseKeeper(store::Store& store, const Clock& clock, std::string task_id,
                         std::string worker_id, Micros lease_duration,
                         std::chrono::milliseconds interval, const CancellationToken* stop)
    : store_(store),
      clock_(clock),
      task_id_(std::move(task_id)),
      worker_id_(std::move(worker_id)),
      lease_duration_(lease_duration),
      interval_(interval),
      interrupt_(stop) {
  thread_ = std::thread([this] { loop(); });
}

LeaseKeeper::~LeaseKeeper() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void LeaseKeeper::loop() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, interval_, [&] { return stopping_; })) {
    lock.unlock();
    auto beat = store_.heartbeat(task_id_, worker_id_, clock_.now(), lease_duration_);
    lock.lock();
    if (beat.ok()) {
      if (beat->cancel_requested) {
        cancel_.store(true, std::memory_order_relaxed);
        interrupt_.cancel();  // after cancel_: a reader of the token sees why
      }
    } else if (beat.error().is(Errc::kLeaseLost) || beat.error().is(Errc::kNotFound)) {
      if (finishing_.load(std::memory_order_relaxed)) return;  // our own publish ended it
      spdlog::warn("task {}: lease lost ({}); this worker stops writing", task_id_,
                   beat.error().message);
      lost_.store(true, std::memory_order_relaxed);
      interrupt_.cancel();
      return;
    } else {
      // Busy behind another task's publish, or a passing storage error: the
      // lease is long enough to try again at the next beat.
      spdlog::warn("task {}: heartbeat failed: {}", task_id_, beat.error().message);
    }
  }
}

}  // namespace skillsync::tasks
