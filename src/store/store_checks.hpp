// Argument checks, limits and error values that every Store shares.
// Internal to src/store: sqlite/ and postgres/ call these so that both
// refuse the same arguments with the same Error (code and message), which
// the one contract suite (tests/store/contract_*_test.cpp) holds them to.
// What differs between the backends (SQL, locking) stays in each of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/result.hpp"
#include "common/time.hpp"
#include "store/cursor.hpp"
#include "store/store.hpp"

namespace skillsync::store {

// --- limits ---

// The largest page of list_events and list_tasks.
inline constexpr size_t kMaxListLimit = 1000;
// The largest page of row_errors_page.
inline constexpr size_t kMaxRowErrorPageLimit = 10000;
// A row error's raw record is stored cut at this many bytes.
inline constexpr size_t kMaxRowErrorRawBytes = 4096;

// "invalid_argument" unless 1 <= limit <= max.
Status check_page_limit(size_t limit, size_t max);
// The arguments of a list call paged on (created_at, id) (tasks, sources,
// webhook endpoints): check_page_limit, then the cursor decoded as
// decode_task_page_cursor (cursor.hpp) does; std::nullopt for the first page.
Result<std::optional<TaskCursor>> decode_task_page_request(size_t limit, size_t max,
                                                           std::string_view cursor);

// `limit` as a LIMIT parameter: SQL takes a signed integer, so a size_t
// beyond INT64_MAX is clamped to it and stays "no limit".
int64_t clamp_limit(size_t limit);

// --- the REQUIRES of Store and TaskWriter calls ("invalid_argument") ---

// create_task_idempotent: the key must not be empty.
Status check_idempotency_key(std::string_view idempotency_key);
// claim_next_task with a lease: a worker id and a positive lease.
Status check_claim(std::string_view worker_id, Micros lease_duration);
// The fenced finish_task: kFailed or kCancelled.
Status check_fenced_finish_status(TaskStatus status);
// TaskWriter::publish and finish_dry_run (`call` names which, for the
// message): kCompleted or kCompletedWithErrors.
Status check_completed_status(TaskStatus status, std::string_view call);

// "invalid_state" when a TaskWriter is used after publish/discard.
Status check_writer_open(bool closed);

// --- errors ---

// "not_found": no task has that id.
Error task_not_found(std::string_view id);
// "idempotency_conflict": the key was used with another request body.
Error idempotency_conflict();
// "invalid_state": request_cancel on a finished task.
Error task_already_finished(std::string_view id);

// "lease_lost": finish_source_check by an owner that lost the source.
Error source_lease_lost(std::string_view source_id);

// "lease_lost": record_attempt by a process whose lease on the outbox row
// ran out.
Error outbox_lease_lost(std::string_view event_id);

// What a worker-scoped call reads about a task inside its transaction.
struct TaskOwnership {
  bool exists = false;
  bool owned = false;  // running and owned by the worker asked about
  bool cancel_requested = false;
};

// The fence of every worker-scoped write: "not_found" when the task does
// not exist, "lease_lost" when `worker_id` does not own it running, and,
// when `cancel_is_error`, "cancelled" when cancellation was requested.
Status check_ownership(const TaskOwnership& task, std::string_view task_id,
                       std::string_view worker_id, bool cancel_is_error);

// The error of a worker-scoped statement that matched no row: what
// `owner_check` (the backend's check_owner of the same task, run just
// after it) found wrong, or "storage_error" when it found nothing wrong,
// since then the task changed between the two.
Error unexpected_change(std::string_view task_id);
template <class T>
Error missed_owner_error(const Result<T>& owner_check, std::string_view task_id) {
  if (!owner_check.ok()) return owner_check.error();
  return unexpected_change(task_id);
}

}  // namespace skillsync::store
