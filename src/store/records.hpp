// store: the values the Store (store.hpp) reads and writes: events as
// stored, tasks with their progress, checkpoint and errors, row errors, the
// pages of the lists, API keys and OAuth clients. Plain data, no behaviour
// beyond the task status's names; what each field means to a load is in
// store.hpp's contract.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.hpp"
#include "schema/event.hpp"

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
  // Rows of the file replaced by a later row with the same
  // (employee_external_id, external_id) in the same file. Computed by the
  // store in publish() and finish_dry_run(); a caller's value is ignored there.
  uint64_t rows_superseded = 0;
};

// Where a load stands, stored with the task by TaskWriter::stage() in the
// same transaction as the batch it follows. Resuming reads the object from
// byte_offset; every record before it is staged or reported.
struct Checkpoint {
  uint64_t byte_offset = 0;  // first byte of the object not yet consumed
  uint64_t line = 0;         // 1-based physical line that starts at byte_offset
  Progress progress;         // the task's progress as of this checkpoint
  std::string header_json;   // the file's header names, a JSON array of strings
  uint64_t batches = 0;      // batches staged so far
  std::string state_json;    // opaque state the pipeline needs to continue (e.g.
                             // the object's ETag, the dialect); "" when none
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
  std::string raw;   // the record as in the file, cut at 4 KiB
  std::string file;  // object key of the row's file in a prefix load; "" otherwise
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
  int attempts = 0;  // how many times a worker claimed (started or resumed) it
  // The W3C trace id (32 lower-case hex digits) of the request that created
  // the task, from its `traceparent` header; "" when it had none.
  std::string trace_id;
  // The recurring source that made the task (store/sources.hpp); "" when
  // none.
  std::string source_id;
  // --- set by the store; ignored by create_task ---
  std::optional<Micros> cancel_requested_at;
  std::optional<Micros> last_heartbeat_at;
  std::string worker_id;                   // owner while running; "" otherwise
  std::optional<Micros> lease_expires_at;  // while running under a lease
  // The last checkpoint of the current load (absent before the first
  // checkpointed batch, after reset_load() and once the task is finished).
  std::optional<Checkpoint> checkpoint;
  // The header names of the file (a JSON array), kept after the task ends so
  // the error report can be written as CSV; "" until a checkpoint names them.
  std::string header_json;
};

struct TaskFilter {
  std::optional<TaskStatus> status;
  std::optional<std::string> entity_type;
};

struct TaskPage {
  std::vector<Task> items;  // sealed_credentials is always "" here
  std::optional<std::string> next_cursor;
};

struct RowErrorPage {
  std::vector<RowError> items;
  std::optional<std::string> next_cursor;
};

struct CreatedTask {
  Task task;
  bool created = false;  // false: an earlier request with the same key made it
};

// How many tasks each status holds, over every tenant (for metrics).
struct TaskStats {
  std::array<uint64_t, 6> by_status{};              // indexed by static_cast<size_t>(TaskStatus)
  std::optional<Micros> oldest_pending_created_at;  // absent when none is pending
};

struct Heartbeat {
  bool cancel_requested = false;
  Micros lease_expires_at = 0;
};

// How long an idempotency key keeps answering with its task.
inline constexpr Micros kIdempotencyWindow = Micros{24} * 3600 * 1'000'000;

struct ApiKey {
  std::string id;
  std::string tenant;
  std::string scopes;  // "read,write"
  Micros created_at = 0;
  std::optional<Micros> last_used_at;  // set by touch_api_key
  std::optional<Micros> revoked_at;    // revoked keys are never found by find_api_key
};

// An OAuth2 client (client-credentials grant, see auth/). The store keeps the
// secret's hash as given (auth/ makes it: salted, slow), never the secret.
struct OAuthClient {
  std::string id;  // the client_id
  std::string tenant;
  std::string scopes;       // "read,write"
  std::string secret_hash;  // opaque to the store
  Micros created_at = 0;
  std::optional<Micros> last_used_at;  // set by touch_oauth_client
  std::optional<Micros> revoked_at;
};

}  // namespace skillsync::store
