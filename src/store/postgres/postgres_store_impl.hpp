// PostgresStore: the Store over a PostgreSQL database. Internal to
// src/store/postgres; the public entry point is open_postgres_store() in
// postgres_store.hpp.
//
// The calls whose SQL is the same in both dialects but for the placeholders
// are store/sql_store.hpp's; the others, declared once for both stores in
// store/dialect_store.hpp, are defined here in PostgreSQL's SQL, split by
// responsibility like the SQLite store's: postgres_store.cpp (opening),
// pg_tasks.cpp (creating, reading, listing tasks), pg_leases.cpp
// (claiming, leases, cancelling and finishing), pg_writer.cpp (staging and
// publishing loads) and listener.cpp (LISTEN/NOTIFY). task_rows.cpp holds
// what they share about the tasks table; what the SQLite store shares too
// (argument checks, error values, column lists,
// row mapping and binding) is in store/store_checks.hpp,
// store/sql_columns.hpp, store/row_mapping.hpp and store/row_params.hpp.
//
// Concurrency: every check-then-write locks the task's row first (SELECT
// ... FOR UPDATE), so a claim, a heartbeat, a cancel and a fenced writer's
// batch on one task are serialized and each sees the others' committed
// state; claims skip rows another claim holds (FOR UPDATE SKIP LOCKED).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/time.hpp"
#include "store/dialect_store.hpp"
#include "store/postgres/listener.hpp"
#include "store/postgres/pg_webhooks.hpp"
#include "store/postgres/pool.hpp"
#include "store/row_mapping.hpp"
#include "store/row_params.hpp"
#include "store/sql_columns.hpp"
#include "store/store.hpp"
#include "store/store_checks.hpp"

namespace skillsync::store::postgres {

// The channel that create_task, release_lease and a recorded file's task
// notify.
inline constexpr const char* kTaskChannel = "skillsync_tasks";

// The calls PostgreSQL writes in its own SQL, declared once for both
// stores in store/dialect_store.hpp and defined (explicit specializations)
// in pg_tasks.cpp, pg_leases.cpp, pg_writer.cpp, pg_sources.cpp and
// pg_task_objects.cpp.
using PgDialect = DialectStore<ConnectionPool, PgRow>;

// The store: PgDialect (and under it SqlStore, store/sql_store.hpp, the
// calls alike in both dialects) plus what is PostgreSQL's alone: the
// LISTEN/NOTIFY listener and the webhook store over the same pool.
class PostgresStore final : public PgDialect {
 public:
  PostgresStore(std::string conninfo, std::string password, const Clock& clock)
      : PgDialect(clock, std::move(conninfo), std::move(password)), listener_(pool_) {}
  ~PostgresStore() override { listener_.set({}); }

  void set_task_listener(std::function<void()> callback) override {
    listener_.set(std::move(callback));
  }
  WebhookStore& webhooks() override { return *webhooks_; }

 private:
  TaskListener listener_;
  std::unique_ptr<WebhookStore> webhooks_ = make_webhook_store(pool_, clock_);
};

// --- shared by the task files (task_rows.cpp) ---

// The statement that ends a task: $1 id, $2 status, $3 error code, $4 error
// message, $5..$10 progress, $11 finished_at; the stage goes with it.
#define SKILLSYNC_PG_FINISH                                                                     \
  "UPDATE tasks SET status = $2, error_code = $3, error_message = $4, bytes_total = $5,"        \
  " bytes_read = $6, rows_read = $7, rows_loaded = $8, rows_rejected = $9,"                     \
  " rows_superseded = $10, finished_at_us = $11, sealed_credentials = NULL,"                    \
  " worker_id = NULL, lease_expires_at_us = NULL, staged_rows = 0, " SKILLSYNC_CLEAR_CHECKPOINT \
  " WHERE id = $1"

// Inserts a task: $1..$23 as bind_task() appends them.
#define SKILLSYNC_PG_INSERT_TASK                                                            \
  "INSERT INTO tasks (id, tenant, entity_type, method, uri, region, options_json,"          \
  " sealed_credentials, status, created_at_us, started_at_us, finished_at_us, bytes_total," \
  " bytes_read, rows_read, rows_loaded, rows_rejected, rows_superseded, error_code,"        \
  " error_message, attempts, trace_id, source_id)"                                          \
  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,"    \
  " $18, $19, $20, $21::int8::int, $22, $23)"

// The staging table of a task: "stage_" + the first 40 hex digits of
// SHA-256(task id), so any id yields a valid identifier that fits in
// PostgreSQL's 63 bytes.
std::string stage_table_name(std::string_view task_id);

// Drops the task's staging table if there is one.
Status drop_stage(const PgConn& conn, std::string_view task_id);
// Drops the stage and the row errors: the load restarts from the first byte.
Status drop_load(const PgConn& conn, std::string_view task_id);

// Runs SKILLSYNC_PG_FINISH. Returns the rows it changed.
Result<uint64_t> run_finish(const PgConn& conn, std::string_view task_id, TaskStatus status,
                            const std::optional<TaskError>& error, const Progress& progress,
                            Micros now);

// What a worker-scoped statement needs to know about a task, read with its
// row locked (SELECT ... FOR UPDATE) inside the caller's transaction.
struct LockedTask : TaskOwnership {
  int64_t staged_rows = 0;
};
Result<LockedTask> lock_task(const PgConn& conn, std::string_view task_id,
                             std::string_view worker_id);

// Inside a transaction: locks the task row and fails as check_ownership()
// (store_checks.hpp) says: "not_found", "lease_lost", and, when
// `cancel_is_error`, "cancelled".
Result<LockedTask> check_owner(const PgConn& conn, std::string_view task_id,
                               std::string_view worker_id, bool cancel_is_error);

// Sends NOTIFY on kTaskChannel (delivered when the transaction commits).
Status notify_tasks(const PgConn& conn);

}  // namespace skillsync::store::postgres
