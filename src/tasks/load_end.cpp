// How a load ends: the outcome -> status table, refused writes, and the
// retried write of a task's end. See load_end.hpp.
#include "tasks/load_end.hpp"

#include <spdlog/spdlog.h>

namespace skillsync::tasks::internal {

Ending ending_of(Outcome outcome, const store::Progress& progress) {
  using store::TaskStatus;
  switch (outcome) {
    case Outcome::kDone:
      return {
          progress.rows_rejected > 0 ? TaskStatus::kCompletedWithErrors : TaskStatus::kCompleted,
          EndAction::kPublish};
    case Outcome::kFailed:
      return {TaskStatus::kFailed, EndAction::kRecord};
    case Outcome::kCancelled:
      return {TaskStatus::kCancelled, EndAction::kRecord};
    case Outcome::kStopped:
      return {TaskStatus::kRunning, EndAction::kRelease};
    case Outcome::kLost:
      return {TaskStatus::kRunning, EndAction::kLeave};
  }
  return {TaskStatus::kRunning, EndAction::kLeave};  // not reached: every outcome is above
}

LoadEnd end_of_refused_write(const Error& e) {
  if (e.is(Errc::kLeaseLost)) return {Outcome::kLost, {}};
  if (e.is(Errc::kCancelled)) return {Outcome::kCancelled, {}};
  return {Outcome::kFailed, e};
}

bool record_end(store::Store& store, const Clock& clock, const store::Task& task,
                const std::string& worker, store::TaskStatus status,
                const std::optional<store::TaskError>& err, const store::Progress& progress,
                std::chrono::milliseconds retry_for, const CancellationToken& stop) {
  const auto give_up = std::chrono::steady_clock::now() + retry_for;
  for (int attempt = 1;; ++attempt) {
    Status s = store.finish_task(task.id, worker, status, err, progress, clock.now());
    if (s.ok()) {
      if (attempt > 1) spdlog::info("task {}: its end is recorded (attempt {})", task.id, attempt);
      return true;
    }
    const Error& e = s.error();
    if (e.is(Errc::kLeaseLost) || e.is(Errc::kNotFound)) {
      spdlog::warn("task {}: cannot record its end: {}", task.id, e.message);
      return false;
    }
    if (attempt == 1) {
      spdlog::error(
          "task {}: cannot record its end ({}) yet: {}: {}; it shows running while "
          "this worker retries every second",
          task.id, store::to_string(status), e.code, e.message);
    }
    if (std::chrono::steady_clock::now() >= give_up ||
        !sleep_unless_cancelled(std::chrono::seconds(1), &stop)) {
      spdlog::error(
          "task {}: its end ({}) could not be recorded; it shows running until its "
          "lease expires, then a worker runs it again",
          task.id, store::to_string(status));
      return false;
    }
  }
}

}  // namespace skillsync::tasks::internal
