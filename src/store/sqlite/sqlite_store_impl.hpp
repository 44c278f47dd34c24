// SqliteStore: the Store over one SQLite file. Internal to src/store/sqlite;
// the public entry point is open_sqlite_store() in sqlite_store.hpp.
//
// The calls whose SQL is the same in both dialects but for the placeholders
// (events by key, API keys, OAuth clients, settings, reading a task, its
// progress and row errors, sources but for their ledger writes)
// are store/sql_store.hpp's, once for both stores. The others, declared
// once for both in store/dialect_store.hpp, are defined here in SQLite's
// SQL, split by responsibility: sqlite_store.cpp (opening),
// sqlite_tasks.cpp (creating, reading, listing tasks),
// sqlite_leases.cpp (claiming, leases, cancelling and finishing),
// sqlite_sources.cpp and task_writer.cpp (staging and publishing loads;
// the stage's run file and its merge: stage_files.hpp, stage_merge.cpp).
// task_rows.cpp holds what they share about the tasks table; what the
// PostgreSQL store shares too (argument checks, error values, column lists,
// row mapping and binding) is in store/store_checks.hpp,
// store/sql_columns.hpp, store/row_mapping.hpp and store/row_params.hpp.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/time.hpp"
#include "store/dialect_store.hpp"
#include "store/row_mapping.hpp"
#include "store/row_params.hpp"
#include "store/sql_columns.hpp"
#include "store/sqlite/pool.hpp"
#include "store/sqlite/sqlite_webhooks.hpp"
#include "store/store.hpp"
#include "store/store_checks.hpp"

namespace skillsync::store::sqlite {

// The calls SQLite writes in its own SQL, declared once for both stores in
// store/dialect_store.hpp and defined (explicit specializations) in
// sqlite_tasks.cpp, sqlite_leases.cpp, task_writer.cpp, sqlite_sources.cpp
// and sqlite_task_objects.cpp.
using SqliteDialect = DialectStore<ConnectionPool, Row>;

// The store: SqliteDialect (and under it SqlStore, store/sql_store.hpp, the
// calls alike in both dialects) plus what is SQLite's alone: no listener,
// and the webhook store over the same pool.
class SqliteStore final : public SqliteDialect {
 public:
  SqliteStore(std::string path, const Clock& clock) : SqliteDialect(clock, std::move(path)) {}

  // One process only: its own workers are woken by the process itself.
  void set_task_listener(std::function<void()>) override {}
  WebhookStore& webhooks() override { return *webhooks_; }

 private:
  std::unique_ptr<WebhookStore> webhooks_ = make_webhook_store(pool_, clock_);
};

// --- shared by the task files (task_rows.cpp) ---

// SET clause fragment that ends a task: ?2 status, ?3 error code, ?4 error
// message, ?5..?10 progress, ?11 finished_at; the stage is gone with it.
#define SKILLSYNC_FINISH_SET                                                             \
  "status = ?2, error_code = ?3, error_message = ?4, bytes_total = ?5, bytes_read = ?6," \
  " rows_read = ?7, rows_loaded = ?8, rows_rejected = ?9, rows_superseded = ?10,"        \
  " finished_at_us = ?11, sealed_credentials = NULL, worker_id = NULL,"                  \
  " lease_expires_at_us = NULL, staged_rows = 0, " SKILLSYNC_CLEAR_CHECKPOINT

// Inserts `task` (created_at as given) on `conn`, in the caller's transaction.
Status insert_task(Connection& conn, const Task& task, Micros created_at);

// The staging table that versions before schema 9 made for a task:
// "stage_" + hex of the task id. Loads now stage into a run file
// (stage_files.hpp); such a table is only ever dropped.
std::string stage_table_name(std::string_view task_id);

// Removes the task's run file and drops any older staging table.
Status drop_stage(Db& db, std::string_view task_id);

// Runs a finishing UPDATE (SKILLSYNC_FINISH_SET ... WHERE id = ?1 ...) on
// `conn`, binding the parameters above. Returns the rows it changed.
Result<int64_t> run_finish(Connection& conn, std::string_view sql, std::string_view task_id,
                           TaskStatus status, const std::optional<TaskError>& error,
                           const Progress& progress, Micros now);

// After the commit of a transaction that erased a task's sealed credentials:
// copies the WAL into the database file and truncates it (wal_checkpoint
// TRUNCATE), so that no older copy of the pages that held them survives in
// skillsync.db-wal (the database file itself zeroes them: secure_delete).
// Best effort, never failing the caller: a checkpoint that cannot finish
// within the busy timeout (a reader on an old snapshot, another writer) is
// logged, and the next one copies and truncates what this one left.
void truncate_wal_after_erase(Db& db);

// Inside a write transaction: reads the task and fails as
// check_ownership() (store_checks.hpp) says: "not_found", "lease_lost", and,
// when `cancel_is_error`, "cancelled".
Status check_owner(Connection& conn, std::string_view task_id, std::string_view worker_id,
                   bool cancel_is_error);

}  // namespace skillsync::store::sqlite
