// SqliteStore: what the task files share about the tasks table.
#include <spdlog/spdlog.h>

#include <string>

#include "common/crypto.hpp"
#include "store/sqlite/sqlite_store_impl.hpp"
#include "store/sqlite/sqlite_webhooks.hpp"

namespace skillsync::store::sqlite {
namespace {

uint64_t u64(const Stmt& s, int i) { return static_cast<uint64_t>(s.column_int64(i)); }

std::optional<Micros> optional_micros(const Stmt& s, int i) {
  if (s.is_null(i)) return std::nullopt;
  return s.column_int64(i);
}

}  // namespace

Result<Task> read_task(const Stmt& s) {
  Task t;
  t.id = s.column_string(0);
  t.tenant = s.column_string(1);
  t.entity_type = s.column_string(2);
  t.method = s.column_string(3);
  t.uri = s.column_string(4);
  t.region = s.column_string(5);
  t.options_json = s.column_string(6);
  t.sealed_credentials = s.column_blob(7);
  auto status = task_status_from_string(s.column_text(8));
  if (!status) return Error{"storage_error", "task " + t.id + " has an unknown status"};
  t.status = *status;
  t.created_at = s.column_int64(9);
  t.started_at = optional_micros(s, 10);
  t.finished_at = optional_micros(s, 11);
  t.progress = Progress{u64(s, 12), u64(s, 13), u64(s, 14), u64(s, 15), u64(s, 16), u64(s, 20)};
  if (!s.is_null(17)) t.error = TaskError{s.column_string(17), s.column_string(18)};
  t.attempts = static_cast<int>(s.column_int64(19));
  t.cancel_requested_at = optional_micros(s, 21);
  t.last_heartbeat_at = optional_micros(s, 22);
  t.worker_id = s.column_string(23);
  t.lease_expires_at = optional_micros(s, 24);
  t.header_json = s.column_string(25);
  if (!s.is_null(26)) {
    Checkpoint& c = t.checkpoint.emplace();
    c.byte_offset = u64(s, 26);
    c.line = u64(s, 27);
    c.batches = u64(s, 28);
    c.state_json = s.column_string(29);
    c.progress = Progress{u64(s, 30), u64(s, 31), u64(s, 32), u64(s, 33), u64(s, 34), u64(s, 35)};
    c.header_json = t.header_json;
  }
  t.trace_id = s.column_string(36);
  t.source_id = s.column_string(37);
  return t;
}

Result<std::optional<Task>> read_optional_task(Stmt& s) {
  auto row = s.step();
  if (!row.ok()) return row.error();
  if (!row.value()) return std::optional<Task>();
  auto task = read_task(s);
  if (!task.ok()) return task.error();
  auto done = s.step();
  if (!done.ok()) return done.error();
  return std::optional<Task>(std::move(task).value());
}

std::string stage_table_name(std::string_view task_id) { return "stage_" + crypto::hex(task_id); }

Status drop_stage(Db& db, std::string_view task_id) {
  return db.exec("DROP TABLE IF EXISTS " + stage_table_name(task_id));
}

void bind_progress(Stmt& s, int first, const Progress& p) {
  s.bind_int64(first, static_cast<int64_t>(p.bytes_total));
  s.bind_int64(first + 1, static_cast<int64_t>(p.bytes_read));
  s.bind_int64(first + 2, static_cast<int64_t>(p.rows_read));
  s.bind_int64(first + 3, static_cast<int64_t>(p.rows_loaded));
  s.bind_int64(first + 4, static_cast<int64_t>(p.rows_rejected));
  s.bind_int64(first + 5, static_cast<int64_t>(p.rows_superseded));
}

Result<int64_t> run_finish(Connection& conn, std::string_view sql, std::string_view task_id,
                           TaskStatus status, const std::optional<TaskError>& error,
                           const Progress& progress, Micros now) {
  auto stmt = conn.cached(sql);
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, task_id);
  s.bind_text(2, to_string(status));
  if (error) {
    s.bind_text(3, error->code);
    s.bind_text(4, error->message);
  }
  bind_progress(s, 5, progress);
  s.bind_int64(11, now);
  SKILLSYNC_TRY(s.run());
  const int64_t changed = conn.db().changes();
  // The task's webhook events, in the transaction that ends it.
  if (changed > 0) SKILLSYNC_TRY(enqueue_task_end_events(conn, task_id, now));
  return changed;
}

Status check_owner(Connection& conn, std::string_view task_id, std::string_view worker_id,
                   bool cancel_is_error) {
  auto stmt = conn.cached(
      "SELECT status = 'running' AND worker_id IS ?2, cancel_requested_at_us IS NOT NULL"
      " FROM tasks WHERE id = ?1");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, task_id);
  s.bind_text(2, worker_id);
  auto row = s.step();
  if (!row.ok()) return row.error();
  TaskOwnership t;
  if (row.value()) {
    t.exists = true;
    t.owned = s.column_int64(0) != 0;
    t.cancel_requested = s.column_int64(1) != 0;
  }
  return check_ownership(t, task_id, worker_id, cancel_is_error);
}

void truncate_wal_after_erase(Db& db) {
  int wal_frames = 0;
  int copied = 0;
  const int rc = sqlite3_wal_checkpoint_v2(db.get(), nullptr, SQLITE_CHECKPOINT_TRUNCATE,
                                           &wal_frames, &copied);
  if (rc != SQLITE_OK) {
    spdlog::warn(
        "the WAL could not be truncated after erasing task credentials ({}); the next "
        "task end retries",
        sqlite3_errstr(rc));
  }
}

}  // namespace skillsync::store::sqlite
