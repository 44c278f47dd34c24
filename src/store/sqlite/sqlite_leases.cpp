// SqliteStore: claiming tasks, leases, cancelling and finishing them.
//
// Every check-then-write runs in a BEGIN IMMEDIATE transaction (or is one
// statement that writes), so it holds the write lock from its first read:
// a claim, a heartbeat, a cancel and a fenced writer's batch are serialized
// and each sees the others' committed state.
#include <string>
#include <vector>

#include "store/sqlite/sqlite_store_impl.hpp"
#include "store/sqlite/sqlite_webhooks.hpp"

namespace skillsync::store::sqlite {
namespace {

// Forgets what a load staged and reported: used where a load restarts from
// the first byte, so nothing would be counted twice.
Status drop_load(Connection& conn, std::string_view task_id) {
  SKILLSYNC_TRY(drop_stage(conn.db(), task_id));
  auto del = conn.cached("DELETE FROM row_errors WHERE task_id = ?1");
  if (!del.ok()) return del.error();
  Stmt& s = *del.value();
  StmtReset reset(s);
  s.bind_text(1, task_id);
  return s.run();
}

}  // namespace

Result<std::optional<Task>> SqliteStore::claim_next_task(std::string_view worker_id, Micros now) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  // One statement that writes takes the write lock before it reads, so the
  // SELECT and the UPDATE see the same state and two workers can never
  // claim the same task.
  auto stmt = (*conn)->cached(
      "UPDATE tasks SET status = 'running', started_at_us = coalesce(started_at_us, ?1),"
      " attempts = attempts + 1, worker_id = ?2, last_heartbeat_at_us = ?1"
      " WHERE id = (SELECT id FROM tasks WHERE status = 'pending'"
      " ORDER BY created_at_us, id LIMIT 1)"
      " RETURNING " SKILLSYNC_TASK_COLUMNS);
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_int64(1, now);
  s.bind_text(2, worker_id);
  return read_optional_task(s);
}

Result<std::optional<Task>> SqliteStore::claim_next_task(std::string_view worker_id, Micros now,
                                                         Micros lease_duration) {
  SKILLSYNC_TRY(check_claim(worker_id, lease_duration));
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto tx = Transaction::begin((*conn)->db());
  if (!tx.ok()) return tx.error();
  std::optional<Task> claimed;
  {
    // Expired leases first: those tasks are older than any pending one and
    // have work staged. The progress goes back to the checkpoint's (or to
    // zero): what was counted after it is read again.
    auto stmt = (*conn)->cached(
        "UPDATE tasks SET status = 'running', started_at_us = coalesce(started_at_us, ?1),"
        " attempts = attempts + 1, worker_id = ?2, lease_expires_at_us = ?1 + ?3,"
        " last_heartbeat_at_us = ?1,"
        " bytes_total = coalesce(ckpt_bytes_total, bytes_total),"
        " " SKILLSYNC_PROGRESS_FROM_CHECKPOINT
        " WHERE id = coalesce("
        " (SELECT id FROM tasks WHERE status = 'running' AND lease_expires_at_us < ?1"
        " ORDER BY created_at_us, id LIMIT 1),"
        " (SELECT id FROM tasks WHERE status = 'pending' ORDER BY created_at_us, id LIMIT 1))"
        " RETURNING " SKILLSYNC_TASK_COLUMNS);
    if (!stmt.ok()) return stmt.error();
    Stmt& s = *stmt.value();
    StmtReset reset(s);
    s.bind_int64(1, now);
    s.bind_text(2, worker_id);
    s.bind_int64(3, lease_duration);
    auto t = read_optional_task(s);
    if (!t.ok()) return t.error();
    claimed = std::move(t).value();
  }
  if (!claimed) return claimed;
  // Without a checkpoint the load starts from the first byte: whatever a
  // checkpoint-less writer staged or reported must not count twice.
  if (!claimed->checkpoint) {
    SKILLSYNC_TRY(drop_load(**conn, claimed->id));
    auto zero = (*conn)->cached("UPDATE tasks SET staged_rows = 0 WHERE id = ?1");
    if (!zero.ok()) return zero.error();
    Stmt& s = *zero.value();
    StmtReset reset(s);
    s.bind_text(1, claimed->id);
    SKILLSYNC_TRY(s.run());
  }
  SKILLSYNC_TRY(tx->commit());
  return claimed;
}

Result<Heartbeat> SqliteStore::heartbeat(std::string_view task_id, std::string_view worker_id,
                                         Micros now, Micros lease_duration) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached(
      "UPDATE tasks SET lease_expires_at_us = ?3 + ?4, last_heartbeat_at_us = ?3"
      " WHERE id = ?1 AND worker_id IS ?2 AND status = 'running'"
      " RETURNING cancel_requested_at_us, lease_expires_at_us");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, task_id);
  s.bind_text(2, worker_id);
  s.bind_int64(3, now);
  s.bind_int64(4, lease_duration);
  auto row = s.step();
  if (!row.ok()) return row.error();
  if (!row.value()) {
    return missed_owner_error(check_owner(**conn, task_id, worker_id, false), task_id);
  }
  // NULL is tested here, not in SQL: SQLite 3.40 evaluates "x IS NOT NULL"
  // in an UPDATE's RETURNING clause wrongly on this table.
  Heartbeat hb{!s.is_null(0), s.column_int64(1)};
  auto done = s.step();  // completes the statement, committing the update
  if (!done.ok()) return done.error();
  return hb;
}

Status SqliteStore::release_lease(std::string_view task_id, std::string_view worker_id) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  // Lease 0 has expired for every claim: any worker may continue the task.
  auto stmt = (*conn)->cached(
      "UPDATE tasks SET worker_id = NULL, lease_expires_at_us = 0"
      " WHERE id = ?1 AND worker_id IS ?2 AND status = 'running'");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, task_id);
  s.bind_text(2, worker_id);
  SKILLSYNC_TRY(s.run());
  if ((*conn)->db().changes() == 0) {
    return missed_owner_error(check_owner(**conn, task_id, worker_id, false), task_id);
  }
  return ok_status();
}

Result<uint64_t> SqliteStore::requeue_running_tasks() {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  Db& db = (*conn)->db();
  auto tx = Transaction::begin(db);
  if (!tx.ok()) return tx.error();
  std::vector<std::string> restart;  // no checkpoint: the load starts over
  uint64_t n = 0;
  {
    auto stmt = (*conn)->cached(
        "SELECT id, ckpt_byte_offset IS NULL FROM tasks"
        " WHERE status = 'running' AND lease_expires_at_us IS NULL");
    if (!stmt.ok()) return stmt.error();
    Stmt& s = *stmt.value();
    StmtReset reset(s);
    for (;;) {
      auto row = s.step();
      if (!row.ok()) return row.error();
      if (!row.value()) break;
      ++n;
      if (s.column_int64(1) != 0) restart.push_back(s.column_string(0));
    }
  }
  for (const std::string& id : restart) SKILLSYNC_TRY(drop_load(**conn, id));
  SKILLSYNC_TRY(
      db.exec("UPDATE tasks SET status = 'pending', worker_id = NULL,"
              " staged_rows = CASE WHEN ckpt_byte_offset IS NULL THEN 0 ELSE staged_rows END,"
              " " SKILLSYNC_PROGRESS_FROM_CHECKPOINT
              " WHERE status = 'running' AND lease_expires_at_us IS NULL"));
  SKILLSYNC_TRY(tx->commit());
  return n;
}

Status SqliteStore::reset_load(std::string_view task_id, std::string_view worker_id) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto tx = Transaction::begin((*conn)->db());
  if (!tx.ok()) return tx.error();
  SKILLSYNC_TRY(check_owner(**conn, task_id, worker_id, false));
  SKILLSYNC_TRY(drop_load(**conn, task_id));
  auto stmt = (*conn)->cached(
      "UPDATE tasks SET staged_rows = 0, bytes_read = 0, rows_read = 0, rows_loaded = 0,"
      " rows_rejected = 0, rows_superseded = 0, " SKILLSYNC_CLEAR_CHECKPOINT " WHERE id = ?1");
  if (!stmt.ok()) return stmt.error();
  {
    Stmt& s = *stmt.value();
    StmtReset reset(s);
    s.bind_text(1, task_id);
    SKILLSYNC_TRY(s.run());
  }
  return tx->commit();
}

Status SqliteStore::finish_task(std::string_view task_id, TaskStatus status,
                                const std::optional<TaskError>& error, const Progress& progress,
                                Micros now) {
  SKILLSYNC_TRY(check_finish_status(status));
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto tx = Transaction::begin((*conn)->db());
  if (!tx.ok()) return tx.error();
  auto changed = run_finish(**conn, "UPDATE tasks SET " SKILLSYNC_FINISH_SET " WHERE id = ?1",
                            task_id, status, error, progress, now);
  if (!changed.ok()) return changed.error();
  if (changed.value() == 0) return task_not_found(task_id);
  SKILLSYNC_TRY(drop_stage((*conn)->db(), task_id));
  SKILLSYNC_TRY(tx->commit());
  truncate_wal_after_erase((*conn)->db());
  return ok_status();
}

Status SqliteStore::finish_task(std::string_view task_id, std::string_view worker_id,
                                TaskStatus status, const std::optional<TaskError>& error,
                                const Progress& progress, Micros now) {
  SKILLSYNC_TRY(check_fenced_finish_status(status));
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto tx = Transaction::begin((*conn)->db());
  if (!tx.ok()) return tx.error();
  SKILLSYNC_TRY(check_owner(**conn, task_id, worker_id, false));
  auto changed = run_finish(**conn, "UPDATE tasks SET " SKILLSYNC_FINISH_SET " WHERE id = ?1",
                            task_id, status, error, progress, now);
  if (!changed.ok()) return changed.error();
  SKILLSYNC_TRY(drop_stage((*conn)->db(), task_id));
  SKILLSYNC_TRY(tx->commit());
  truncate_wal_after_erase((*conn)->db());
  return ok_status();
}

Result<Task> SqliteStore::request_cancel(std::string_view tenant, std::string_view task_id,
                                         Micros now) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto tx = Transaction::begin((*conn)->db());
  if (!tx.ok()) return tx.error();
  // 0: finished, 1: cancel at once (pending, or nobody holds a live lease),
  // 2: ask the running worker.
  int64_t action = 0;
  {
    auto stmt = (*conn)->cached(
        "SELECT CASE WHEN status = 'pending' THEN 1 WHEN status <> 'running' THEN 0"
        " WHEN worker_id IS NULL OR lease_expires_at_us < ?3 THEN 1 ELSE 2 END"
        " FROM tasks WHERE tenant = ?1 AND id = ?2");
    if (!stmt.ok()) return stmt.error();
    Stmt& s = *stmt.value();
    StmtReset reset(s);
    s.bind_text(1, tenant);
    s.bind_text(2, task_id);
    s.bind_int64(3, now);
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!row.value()) return task_not_found(task_id);
    action = s.column_int64(0);
  }
  if (action == 0) return task_already_finished(task_id);
  if (action == 1) {
    SKILLSYNC_TRY(drop_stage((*conn)->db(), task_id));
  }
  auto stmt = (*conn)->cached(
      action == 1 ? "UPDATE tasks SET status = 'cancelled', finished_at_us = ?2,"
                    " cancel_requested_at_us = coalesce(cancel_requested_at_us, ?2),"
                    " sealed_credentials = NULL, worker_id = NULL, lease_expires_at_us = NULL,"
                    " staged_rows = 0, " SKILLSYNC_CLEAR_CHECKPOINT
                    " WHERE id = ?1 RETURNING " SKILLSYNC_TASK_COLUMNS
                  : "UPDATE tasks SET cancel_requested_at_us = coalesce(cancel_requested_at_us, ?2)"
                    " WHERE id = ?1 RETURNING " SKILLSYNC_TASK_COLUMNS);
  if (!stmt.ok()) return stmt.error();
  std::optional<Task> after;
  {
    Stmt& s = *stmt.value();
    StmtReset reset(s);
    s.bind_text(1, task_id);
    s.bind_int64(2, now);
    auto t = read_optional_task(s);
    if (!t.ok()) return t.error();
    if (!t->has_value()) return task_not_found(task_id);
    after = std::move(t).value();
  }
  // Cancelled at once: its webhook events, in the same transaction.
  if (action == 1) SKILLSYNC_TRY(enqueue_task_end_events(**conn, task_id, now));
  SKILLSYNC_TRY(tx->commit());
  if (action == 1) truncate_wal_after_erase((*conn)->db());
  return std::move(*after);
}

}  // namespace skillsync::store::sqlite
