// store: where events, tasks, row errors and API keys live (the values
// themselves: records.hpp).
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
// Durable tasks (leases, fencing, checkpoints): a worker claims a task with
// claim_next_task(worker_id, now, lease_duration) and renews its lease with
// heartbeat(). A task whose lease ran out (its worker died) is claimed again
// by any worker and continues from its last Checkpoint: every
// TaskWriter::stage(events, errors, checkpoint) writes the batch's rows, its
// row errors and the checkpoint in ONE transaction, so the staged rows, the
// row errors and the checkpoint always agree, also after a crash. Every
// write of a writer (each is fenced: opened with begin_load(task,
// worker_id)) and finish_task(task_id, worker_id, ...) checks, inside its
// transaction, that the task is still `running` and owned by that worker;
// otherwise it rolls back and fails with "lease_lost", so a slow worker
// whose lease was taken over can never write into the new owner's load.
//
// Cancellation: request_cancel() cancels a pending task at once. For a
// running task it records cancel_requested_at; the owning worker learns it
// from heartbeat() (cancel_requested) or from stage()/publish() failing
// with "cancelled" (nothing of that call is written), and then ends the task
// with finish_task(task_id, worker_id, kCancelled, ...), which drops the
// stage. A running task whose lease has already expired is cancelled at once.
//
// Error codes every Store uses: "not_found" (a task named by id does not
// exist), "already_exists" (duplicate task id or API key hash),
// "invalid_cursor", "invalid_argument" (a REQUIRES broken in a way the store
// can check), "invalid_state" (a TaskWriter used after publish/discard, or
// cancelling a finished task), "lease_lost" (the task is no longer this
// worker's), "cancelled" (cancellation was requested; see above),
// "idempotency_conflict" (an idempotency key reused with another body),
// "storage_busy" and "storage_error" (the database failed).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "schema/event.hpp"
#include "store/records.hpp"
#include "store/sources.hpp"

namespace skillsync::store {

class WebhookStore;  // store/webhooks.hpp

// REQUIRES: the Store that made a TaskWriter outlives it.
class TaskWriter {
 public:
  virtual ~TaskWriter() = default;
  // Stages a batch of good rows, its row errors and `checkpoint` in one
  // transaction: checkpoint.progress becomes the task's progress and
  // checkpoint.header_json its header. Events are kept in the order given;
  // across calls, order is the order of the calls. Fails with "lease_lost"
  // or "cancelled" (see the file comment) and then writes nothing of the
  // batch.
  virtual Status stage(std::span<const schema::Event> events, std::span<const RowError> errors,
                       const Checkpoint& checkpoint) = 0;
  // Makes every staged row visible at once and finishes the task with
  // `status` (kCompleted or kCompletedWithErrors) and `progress`, erasing its
  // credentials. Returns the number of events written: every staged row
  // counts, including one that a later row of the same file replaced.
  // The writer is closed afterwards, even when publishing failed (the
  // caller then finishes the task with Store::finish_task). The writer
  // fails with "lease_lost" or "cancelled" and then changes nothing. The
  // stored progress's rows_superseded is computed here (staged rows minus
  // distinct keys).
  virtual Result<uint64_t> publish(TaskStatus status, const Progress& progress) = 0;
  // Drops every staged row of the task and its checkpoint (the two always go
  // together); row errors stay for the report. The task itself is finished
  // with Store::finish_task. A writer that lost the task drops
  // nothing ("lease_lost"). Not for shutdown: release_lease() keeps the
  // stage for the next claim. Closes the writer; a no-op on a closed writer.
  virtual Status discard() = 0;

  // Rows staged so far that a later staged row with the same key replaces
  // (what publish() would store as rows_superseded). Reads the whole stage.
  virtual Result<uint64_t> count_superseded() = 0;
  // Ends a dry run: finishes the task with `status` (kCompleted or
  // kCompletedWithErrors) and `progress` (rows_superseded computed as in
  // publish) WITHOUT writing any event, dropping the stage and erasing the
  // credentials in the same transaction. Fenced like publish(). Like
  // publish(), a wrong status is refused ("invalid_argument") with the
  // writer left open; otherwise the writer is closed, even on failure.
  virtual Status finish_dry_run(TaskStatus status, const Progress& progress) = 0;
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
  // The key with that hash, unless it was revoked.
  virtual Result<std::optional<ApiKey>> find_api_key(std::string_view key_hash) = 0;
  // Every key ever added, revoked ones included (so that revoking the last
  // key does not make a server bootstrap a new one).
  virtual Result<uint64_t> count_api_keys() = 0;
  // Every key (revoked ones too), ordered by created_at then id.
  virtual Result<std::vector<ApiKey>> list_api_keys() = 0;
  // Revokes the key: find_api_key stops finding it at once, in every
  // process sharing the store. Returns false when there is no such key or it
  // was already revoked.
  virtual Result<bool> revoke_api_key(std::string_view id, Micros now) = 0;
  // Records that the key was used at `now` (callers may throttle this).
  virtual Status touch_api_key(std::string_view id, Micros now) = 0;

  // --- OAuth clients (like API keys, but found by id) ---
  // Stores the client; created_at == 0 means "now". "already_exists" when
  // the id is taken.
  virtual Status add_oauth_client(const OAuthClient& client) = 0;
  // The client with that id, revoked or not (callers check revoked_at).
  virtual Result<std::optional<OAuthClient>> get_oauth_client(std::string_view id) = 0;
  // Every client (revoked ones too), ordered by created_at then id;
  // secret_hash is "" here.
  virtual Result<std::vector<OAuthClient>> list_oauth_clients() = 0;
  // Sets revoked_at. Returns false when there is no such client or it was
  // already revoked.
  virtual Result<bool> revoke_oauth_client(std::string_view id, Micros now) = 0;
  // Records that the client was used at `now` (callers may throttle this).
  virtual Status touch_oauth_client(std::string_view id, Micros now) = 0;

  // --- tasks ---
  // Stores `task` as given (normally pending); created_at == 0 means "now".
  virtual Status create_task(const Task& task) = 0;
  // Creates `task` unless the same tenant used `idempotency_key` within
  // kIdempotencyWindow before `now`: then, when `body_sha256` matches, it
  // returns that earlier task with created == false, and otherwise fails
  // with "idempotency_conflict". An older key is forgotten and the task is
  // created. Concurrent calls with one key create exactly one task.
  // REQUIRES: idempotency_key is not empty.
  virtual Result<CreatedTask> create_task_idempotent(const Task& task,
                                                     std::string_view idempotency_key,
                                                     std::string_view body_sha256, Micros now) = 0;
  // std::nullopt when no task has that id in that tenant.
  virtual Result<std::optional<Task>> get_task(std::string_view tenant, std::string_view id) = 0;
  // The tenant's tasks matching `filter`, newest first (created_at, then id,
  // both descending). `cursor` is a next_cursor of a previous page ("" for
  // the first page; "invalid_cursor" when it is not one). Keyset pagination:
  // tasks created after the first page never shift later pages.
  // REQUIRES: 1 <= limit <= 1000
  virtual Result<TaskPage> list_tasks(std::string_view tenant, const TaskFilter& filter,
                                      size_t limit, std::string_view cursor) = 0;

  // Counts the tasks of every tenant by status, and the creation time of the
  // oldest pending one: one aggregate query, cheap enough for every scrape.
  virtual Result<TaskStats> task_stats() = 0;

  // Claims, for `worker_id` until now + lease_duration, a running task whose
  // lease expired before `now` (its worker died or released it; a running
  // task with no lease at all, left by a release before leases, counts as
  // expired), or else the oldest pending task; oldest first within each
  // kind. attempts + 1, started_at is set on the first claim only,
  // last_heartbeat_at = now. The task comes with its checkpoint (if any) and
  // its stage and row errors are kept, so the load continues from the
  // checkpoint. A claimed task may carry cancel_requested_at: the worker
  // then finishes it as cancelled at once.
  // REQUIRES: worker_id is unique among live workers of every process that
  // shares the store (e.g. host, pid and a random part), lease_duration > 0.
  virtual Result<std::optional<Task>> claim_next_task(std::string_view worker_id, Micros now,
                                                      Micros lease_duration) = 0;
  // Extends the lease of a task this worker owns to now + lease_duration.
  // "lease_lost" when the task is finished or another worker owns it (the
  // worker must stop writing), "not_found" when there is no such task.
  virtual Result<Heartbeat> heartbeat(std::string_view task_id, std::string_view worker_id,
                                      Micros now, Micros lease_duration) = 0;
  // Gives the task up (shutdown): it stays running with its checkpoint and
  // stage, and any worker may claim it at once. "lease_lost" when the task
  // is not this worker's.
  virtual Status release_lease(std::string_view task_id, std::string_view worker_id) = 0;
  // Drops the task's stage, row errors and checkpoint and zeroes its
  // progress, so the load restarts from the first byte (a compressed object
  // cannot resume in the middle). "lease_lost" unless `worker_id` owns it.
  // REQUIRES: no writer of the task is open.
  virtual Status reset_load(std::string_view task_id, std::string_view worker_id) = 0;
  virtual Status update_progress(std::string_view task_id, const Progress& progress) = 0;
  // Finishes a task that did not publish (kFailed, kCancelled) in one
  // transaction, only while `worker_id` owns the running task ("lease_lost"
  // otherwise): sets the status, error, progress and finished_at, erases the
  // credentials, drops any staged rows and the checkpoint, and keeps its row
  // errors.
  // REQUIRES: status is kFailed or kCancelled (completed tasks go through
  // TaskWriter::publish or finish_dry_run).
  virtual Status finish_task(std::string_view task_id, std::string_view worker_id,
                             TaskStatus status, const std::optional<TaskError>& error,
                             const Progress& progress, Micros now) = 0;
  // Cancels a task of `tenant`: a pending task (or a running one whose lease
  // has expired) becomes cancelled at once (finished_at = now, credentials
  // erased, stage dropped); a running one gets cancel_requested_at = now
  // (kept if already set) and its worker ends it. Returns the task as it is
  // afterwards. "invalid_state" when the task is finished, "not_found" when
  // the tenant has no such task.
  virtual Result<Task> request_cancel(std::string_view tenant, std::string_view task_id,
                                      Micros now) = 0;
  // Deletes finished tasks with finished_at < cutoff, their row errors and
  // idempotency keys. Returns how many tasks.
  virtual Result<uint64_t> purge_finished_before(Micros cutoff) = 0;

  // Row errors of a task, in file order.
  virtual Result<std::vector<RowError>> row_errors(std::string_view task_id, size_t limit) = 0;
  // One page of a task's row errors, in file order; `cursor` as in
  // list_tasks. An unknown task has none.
  // REQUIRES: 1 <= limit <= 10000
  virtual Result<RowErrorPage> row_errors_page(std::string_view task_id, size_t limit,
                                               std::string_view cursor) = 0;

  // Opens a fenced writer of an existing task ("not_found" otherwise) for
  // `worker_id`: every stage/publish/finish_dry_run checks that the worker
  // still owns the running task. Rows staged under earlier claims (up to
  // the task's checkpoint) are kept.
  virtual Result<std::unique_ptr<TaskWriter>> begin_load(const Task& task,
                                                         std::string_view worker_id) = 0;

  // --- deployment settings ---
  // Stores `value` under `name` unless a value is there already, and returns
  // the stored value: the first writer wins, also between processes sharing
  // the store (the master key check of every process uses it).
  virtual Result<std::string> ensure_setting(std::string_view name, std::string_view value) = 0;
  // Replaces the value under `name` when it is `expected` (or absent when
  // `expected` is nullopt); returns false, changing nothing, otherwise.
  virtual Result<bool> replace_setting(std::string_view name,
                                       const std::optional<std::string>& expected,
                                       std::string_view value) = 0;

  // --- wake-ups ---
  // Registers `callback` to be called (from a store thread) when a task may
  // have become claimable because ANOTHER process created or released one;
  // workers use it to claim at once instead of waiting for their poll. A
  // store shared by one process only (SQLite) may never call it: the
  // process wakes its own workers. Replaces any earlier callback; an empty
  // function unregisters. The store stops calling it before it is destroyed.
  virtual void set_task_listener(std::function<void()> callback) = 0;
  // --- recurring sources (store/sources.hpp) ---
  // Errors: "not_found" (no such source in the tenant), "already_exists"
  // (duplicate id), "lease_lost" (a check's lease was taken over).
  virtual Status create_source(const Source& source) = 0;
  virtual Result<std::optional<Source>> get_source(std::string_view tenant,
                                                   std::string_view id) = 0;
  // Newest first (created_at, then id, descending); cursor as in list_tasks.
  // REQUIRES: 1 <= limit <= 1000
  virtual Result<SourcePage> list_sources(std::string_view tenant, size_t limit,
                                          std::string_view cursor) = 0;
  // Writes every field a user or a status change sets (name .. status,
  // last_error, next_check_at, failures_since; updated_at = now) of the
  // tenant's source `source.id`; the check's lease and last_check_at are
  // kept. Returns false when there is no such source.
  virtual Result<bool> update_source(const Source& source, Micros now) = 0;
  // Deletes the source and its ledger (its tasks stay). False when absent.
  virtual Result<bool> delete_source(std::string_view tenant, std::string_view id) = 0;
  // Claims an active source with next_check_at <= now (or absent: a check
  // whose owner died) whose check lease is free or expired, for `owner`
  // until now + lease_duration, and clears its next_check_at (a check is
  // under way); of several, the one due longest. Processes sharing the
  // store never claim one source at once (PostgreSQL: FOR UPDATE SKIP
  // LOCKED). std::nullopt when none.
  virtual Result<std::optional<Source>> claim_due_source(std::string_view owner, Micros now,
                                                         Micros lease_duration) = 0;
  // Ends `owner`'s check: last_check_at, next_check_at (the earlier of
  // result.next_check_at and one set meanwhile, e.g. by a "run" during the
  // check, so that request is not lost), lease freed, and
  // with result.error the source goes to kError with it. "lease_lost" when
  // `owner` no longer holds the source (nothing is written).
  virtual Status finish_source_check(std::string_view source_id, std::string_view owner,
                                     const SourceCheckResult& result) = 0;
  // Records a file in the ledger unless (source_id, key, etag) is there;
  // returns the stored row either way.
  virtual Result<RecordedFile> record_source_file(const SourceFile& file) = 0;
  // In ONE transaction: records `file` with file.task_id = task.id and
  // creates `task`, unless (source_id, key, etag) is already recorded: then
  // nothing is written and the earlier row comes back (created == false).
  virtual Result<RecordedFile> record_file_and_create_task(const SourceFile& file,
                                                           const Task& task) = 0;
  // A check of batch "per_check": in ONE transaction, records each of
  // `files` (key order) not yet in the ledger with file.task_id = task.id,
  // and, if any was new, creates `task` with those files as its objects
  // (list_task_objects, in the order given). Files already recorded are
  // left alone; when none is new nothing is written and the result is
  // empty. Returns the rows recorded.
  virtual Result<std::vector<SourceFile>> record_files_and_create_task(
      const std::vector<SourceFile>& files, const Task& task) = 0;
  // The objects a task made by record_files_and_create_task loads, in order;
  // empty for any other task. They go with the task when it is purged.
  virtual Result<std::vector<TaskObject>> list_task_objects(std::string_view task_id) = 0;
  // The ledger of a source, in recording order, with each task's state.
  // REQUIRES: 1 <= limit <= 1000
  virtual Result<SourceFilePage> list_source_files(std::string_view source_id, size_t limit,
                                                   std::string_view cursor) = 0;
  // Statuses of the source's tasks created at or after `since`, newest
  // first, at most `limit` of them.
  virtual Result<std::vector<TaskStatus>> recent_source_task_statuses(std::string_view source_id,
                                                                      Micros since,
                                                                      size_t limit) = 0;

  // --- webhooks (store/webhooks.hpp): endpoints, outbox, delivery records ---
  // Lives as long as the Store.
  virtual WebhookStore& webhooks() = 0;
};

}  // namespace skillsync::store
