#include "store/store_checks.hpp"

#include <string>

namespace skillsync::store {

Status check_page_limit(size_t limit, size_t max) {
  if (limit < 1 || limit > max) {
    return Error{"invalid_argument", "limit must be between 1 and " + std::to_string(max)};
  }
  return ok_status();
}

Result<std::optional<TaskCursor>> decode_task_page_request(size_t limit, size_t max,
                                                           std::string_view cursor) {
  SKILLSYNC_TRY(check_page_limit(limit, max));
  return decode_task_page_cursor(cursor);
}

int64_t clamp_limit(size_t limit) {
  return limit > static_cast<size_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(limit);
}

Status check_idempotency_key(std::string_view idempotency_key) {
  if (idempotency_key.empty()) {
    return Error{"invalid_argument", "the idempotency key must not be empty"};
  }
  return ok_status();
}

Status check_claim(std::string_view worker_id, Micros lease_duration) {
  if (worker_id.empty() || lease_duration <= 0) {
    return Error{"invalid_argument", "a claim needs a worker id and a positive lease"};
  }
  return ok_status();
}

Status check_fenced_finish_status(TaskStatus status) {
  if (status != TaskStatus::kFailed && status != TaskStatus::kCancelled) {
    return Error{"invalid_argument", "finish_task needs kFailed or kCancelled"};
  }
  return ok_status();
}

Status check_completed_status(TaskStatus status, std::string_view call) {
  if (status != TaskStatus::kCompleted && status != TaskStatus::kCompletedWithErrors) {
    return Error{"invalid_argument",
                 std::string(call) + " needs kCompleted or kCompletedWithErrors"};
  }
  return ok_status();
}

Status check_writer_open(bool closed) {
  if (closed) return Error{Errc::kInvalidState, "the load was already published or discarded"};
  return ok_status();
}

Error task_not_found(std::string_view id) {
  return Error{Errc::kNotFound, "no task with id " + std::string(id)};
}

Error idempotency_conflict() {
  return Error{Errc::kIdempotencyConflict,
               "the idempotency key was already used with a different request body"};
}

Error task_already_finished(std::string_view id) {
  return Error{Errc::kInvalidState, "task " + std::string(id) + " has already finished"};
}

Status check_ownership(const TaskOwnership& task, std::string_view task_id,
                       std::string_view worker_id, bool cancel_is_error) {
  if (!task.exists) return task_not_found(task_id);
  if (!task.owned) {
    return Error{Errc::kLeaseLost, "task " + std::string(task_id) +
                                       " is no longer owned by worker " + std::string(worker_id)};
  }
  if (cancel_is_error && task.cancel_requested) {
    return Error{Errc::kCancelled, "task " + std::string(task_id) + " was cancelled"};
  }
  return ok_status();
}

Error source_lease_lost(std::string_view source_id) {
  return Error{Errc::kLeaseLost, "source " + std::string(source_id) + " is not held by this check"};
}

Error outbox_lease_lost(std::string_view event_id) {
  return Error{Errc::kLeaseLost,
               "webhook event " + std::string(event_id) + " is not leased to this process"};
}

Error unexpected_change(std::string_view task_id) {
  return Error{"storage_error", "task " + std::string(task_id) + " changed unexpectedly"};
}

}  // namespace skillsync::store
