// sources/scheduler: the thread, inside `serve` and `worker`, that runs due
// source checks.
//
// Loop: claim a due source (Store::claim_due_source, under a lease of
// config.lease_duration, so with a shared store each due check runs in one
// process only), check it (SourceChecker), then finish_source_check with
// next_check_at = now + schedule: a restart runs a missed check once, never
// once per missed interval. A process that dies mid-check leaves its lease
// to expire; the next claimant repeats the check, and the ledger's unique
// (source, key, etag) keeps every version loaded once.
//
// When a check puts a source in status "error", config.on_source_error is
// called (after the store says so): the one place where a source enters
// error, for notifications (e.g. a webhook's source.error.v1).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "common/cancel.hpp"
#include "sources/checker.hpp"

namespace skillsync::sources {

struct SchedulerConfig {
  std::chrono::milliseconds poll{1000};  // how often to look for due sources
  Micros lease_duration = Micros{120} * 1'000'000;
  std::function<void()> on_tasks_created;  // wakes the local task workers
  std::function<void(const store::Source& source, const std::string& reason)> on_source_error;
};

class SourceScheduler {
 public:
  SourceScheduler(store::Store& store, SourceChecker& checker, const Clock& clock,
                  SchedulerConfig config);
  ~SourceScheduler();
  void start();
  // Looks for due sources now (a source was created or asked to run).
  void wake();
  // Stops after the check under way; joins the thread. Idempotent.
  void stop();
  // Claims and checks due sources until none is due; returns how many ran.
  size_t run_due();

 private:
  void loop();

  store::Store& store_;
  SourceChecker& checker_;
  const Clock& clock_;
  SchedulerConfig config_;
  std::string owner_;  // host, pid and a random part
  std::thread thread_;
  CancellationToken stop_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t wakeups_ = 0;
};

}  // namespace skillsync::sources
