// store: where events, tasks, row errors and API keys live.
//
// Store is the interface; sqlite/ is the embedded default and postgres/ (a
// later issue) the shared one. A single contract test suite runs against
// every implementation.
//
// Atomic loads: a File Load Task's good rows are first staged with
// TaskWriter::stage() (one transaction per batch, together with its row
// errors and progress), and become visible all at once in
// TaskWriter::publish(), which in one transaction upserts the staged rows
// into the events (a later row of the file wins over an earlier one with the
// same key), marks the task finished, erases its credentials and drops the
// staging rows. discard() (or a failed task) leaves no row behind.
//
// Thread safety: a Store may be used from many threads at once. A TaskWriter
// belongs to one thread.
//
// Error codes every Store uses: "not_found" (a task named by id does not
// exist), "already_exists" (duplicate task id or API key hash),
// "invalid_cursor", "invalid_argument" (a REQUIRES broken in a way the store
// can check), "invalid_state" (a TaskWriter used after publish/discard),
// "storage_busy" and "storage_error" (the database failed).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "schema/schema.hpp"

namespace skillsync::store {

inline constexpr std::string_view kDefaultTenant = "default";

struct StoredEvent {
  schema::Event event;
  Micros created_at = 0;
  Micros updated_at = 0;
  std::optional<std::string> task_id;  // the File Load Task that last wrote it
};

struct EventPage {
  std::vector<StoredEvent> items;
  std::optional<std::string> next_cursor;  // opaque; absent on the last page
};

enum class TaskStatus { kPending, kRunning, kCompleted, kCompletedWithErrors, kFailed, kCancelled };
std::string_view to_string(TaskStatus s);
std::optional<TaskStatus> task_status_from_string(std::string_view s);
inline bool is_finished(TaskStatus s) {
  return s != TaskStatus::kPending && s != TaskStatus::kRunning;
}

struct Progress {
  uint64_t bytes_total = 0;
  uint64_t bytes_read = 0;
  uint64_t rows_read = 0;
  uint64_t rows_loaded = 0;
  uint64_t rows_rejected = 0;
};

struct TaskError {
  std::string code;
  std::string message;
};

struct RowError {
  uint64_t line = 0;
  uint64_t byte_offset = 0;
  std::string column;  // column name, or "" when the whole row is at fault
  std::string code;
  std::string message;
  std::string raw;  // the record as in the file, cut at 4 KiB
};

struct Task {
  std::string id;
  std::string tenant{kDefaultTenant};
  std::string entity_type;
  std::string method;
  std::string uri;
  std::string region;              // "" = server default
  std::string options_json;        // "{}" when none
  std::string sealed_credentials;  // AES-GCM blob (see common/crypto); "" once erased
  TaskStatus status = TaskStatus::kPending;
  Micros created_at = 0;
  std::optional<Micros> started_at;
  std::optional<Micros> finished_at;
  Progress progress;
  std::optional<TaskError> error;
  int attempts = 0;
};

struct ApiKey {
  std::string id;
  std::string tenant;
  std::string scopes;  // "read,write"
  Micros created_at = 0;
};

// REQUIRES: the Store that made a TaskWriter outlives it.
class TaskWriter {
 public:
  virtual ~TaskWriter() = default;
  // Stages a batch of good rows, its row errors and the task's progress, in
  // one transaction. Events are kept in the order given; across calls, order
  // is the order of the calls.
  virtual Status stage(std::span<const schema::Event> events, std::span<const RowError> errors,
                       const Progress& progress) = 0;
  // Makes every staged row visible at once and finishes the task with
  // `status` (kCompleted or kCompletedWithErrors) and `progress`, erasing its
  // credentials. Returns the number of events written: every staged row
  // counts, including one that a later row of the same file replaced.
  // The writer is closed afterwards, even when publishing failed (the
  // caller then finishes the task with Store::finish_task).
  virtual Result<uint64_t> publish(TaskStatus status, const Progress& progress) = 0;
  // Drops every staged row of the task (the task itself is finished with
  // Store::finish_task). Closes the writer; a no-op on a closed writer.
  virtual Status discard() = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // --- events (Skill Event API) ---
  virtual Result<StoredEvent> upsert_event(std::string_view tenant, const schema::Event& e) = 0;
  virtual Result<std::optional<StoredEvent>> get_event(std::string_view tenant,
                                                       std::string_view employee_external_id,
                                                       std::string_view external_id) = 0;
  // Returns false when there was no such event.
  virtual Result<bool> delete_event(std::string_view tenant, std::string_view employee_external_id,
                                    std::string_view external_id) = 0;
  // Ordered by timestamp, then external_id. `cursor` is a next_cursor from a
  // previous page (code "invalid_cursor" when it is not one).
  // REQUIRES: 1 <= limit <= 1000
  virtual Result<EventPage> list_events(std::string_view tenant,
                                        std::string_view employee_external_id, size_t limit,
                                        std::string_view cursor) = 0;

  // --- API keys ---
  // Stores only `key_hash` (SHA-256 hex of the key), never the key.
  // key.created_at == 0 means "now".
  virtual Status add_api_key(const ApiKey& key, std::string_view key_hash) = 0;
  virtual Result<std::optional<ApiKey>> find_api_key(std::string_view key_hash) = 0;
  virtual Result<uint64_t> count_api_keys() = 0;

  // --- tasks ---
  // Stores `task` as given (normally pending); created_at == 0 means "now".
  virtual Status create_task(const Task& task) = 0;
  // std::nullopt when no task has that id in that tenant.
  virtual Result<std::optional<Task>> get_task(std::string_view tenant, std::string_view id) = 0;
  // Claims the oldest pending task: status -> running, started_at = now,
  // attempts + 1, owned by `worker_id`. std::nullopt when none is pending.
  virtual Result<std::optional<Task>> claim_next_task(std::string_view worker_id, Micros now) = 0;
  // Tasks left `running` by a process that died go back to `pending` (their
  // staged rows are dropped, so the load restarts cleanly). Returns how many.
  virtual Result<uint64_t> requeue_running_tasks() = 0;
  virtual Status update_progress(std::string_view task_id, const Progress& progress) = 0;
  // Finishes a task that did not publish (kFailed, kCancelled): sets the
  // status, error, progress and finished_at, erases the credentials and
  // drops any staged rows and keeps its row errors.
  virtual Status finish_task(std::string_view task_id, TaskStatus status,
                             const std::optional<TaskError>& error, const Progress& progress,
                             Micros now) = 0;
  // Row errors of a task, in file order.
  virtual Result<std::vector<RowError>> row_errors(std::string_view task_id, size_t limit) = 0;

  // Opens the writer of an existing task ("not_found" otherwise). Rows a
  // previous writer of the same attempt staged and did not discard are kept.
  virtual Result<std::unique_ptr<TaskWriter>> begin_load(const Task& task) = 0;
};

}  // namespace skillsync::store
