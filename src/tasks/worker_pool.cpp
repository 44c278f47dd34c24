// WorkerPool: claim -> run -> repeat, with an idle wait that a new task cuts short.
#include <spdlog/spdlog.h>

#include <unistd.h>

#include "common/crypto.hpp"
#include "tasks/task_metrics.hpp"
#include "tasks/tasks.hpp"

namespace skillsync::tasks {

WorkerPool::WorkerPool(store::Store& store, ObjectOpener& opener, const MasterKey& key,
                       const Clock& clock, WorkerPoolConfig config)
    : store_(store), opener_(opener), key_(key), clock_(clock), config_(config) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  id_prefix_ = std::string(host) + "-" + std::to_string(::getpid()) + "-" +
               crypto::hex(crypto::random_bytes(4));
}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::start() {
  // Tasks created by other processes (a shared store) wake us like our own.
  store_.set_task_listener([this] { notify(); });
  for (int i = 0; i < config_.workers; ++i) threads_.emplace_back([this, i] { loop(i); });
  threads_.emplace_back([this] { purge_loop(); });
}

void WorkerPool::notify() {
  {
    std::lock_guard lock(mu_);
    ++wakeups_;
  }
  cv_.notify_all();  // the purge thread waits on it too
}

void WorkerPool::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  store_.set_task_listener({});
  stop_token_.cancel();
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void WorkerPool::loop(int index) {
  const std::string worker_id = id_prefix_ + "-w" + std::to_string(index);
  LoadPipeline pipeline(store_, opener_, key_, clock_, config_.pipeline);
  uint64_t seen_wakeups = 0;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      seen_wakeups = wakeups_;
    }
    auto claimed = store_.claim_next_task(worker_id, clock_.now(), config_.pipeline.lease_duration);
    if (!claimed.ok()) {
      spdlog::error("{}: cannot claim a task: {}", worker_id, claimed.error().message);
    } else if (claimed->has_value()) {
      const store::Task& task = **claimed;
      auto fields = task_log_fields(task);
      spdlog::info("task {} running on {} (attempt {}{}): {} {}", task.id, worker_id, task.attempts,
                   task.checkpoint ? ", from line " + std::to_string(task.checkpoint->line) : "",
                   task.entity_type, task.uri);
      if (store::is_finished(pipeline.run(task, worker_id, stop_token_))) {
        record_task_end(store_, task);
      }
      continue;  // look for more work at once
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, config_.idle_poll, [&] { return stopping_ || wakeups_ != seen_wakeups; });
  }
}

void WorkerPool::purge_loop() {
  const Micros retention =
      std::chrono::duration_cast<std::chrono::microseconds>(config_.retention).count();
  std::unique_lock lock(mu_);
  for (;;) {
    lock.unlock();
    auto purged = store_.purge_finished_before(clock_.now() - retention);
    if (!purged.ok()) {
      spdlog::warn("cannot purge finished tasks: {}", purged.error().message);
    } else if (*purged > 0) {
      spdlog::info("purged {} finished task(s) older than the retention time", *purged);
    }
    lock.lock();
    if (cv_.wait_for(lock, config_.purge_interval, [&] { return stopping_; })) return;
  }
}

}  // namespace skillsync::tasks
