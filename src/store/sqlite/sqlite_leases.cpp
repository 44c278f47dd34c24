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
#include "store/sqlite/stage_files.hpp"

namespace skillsync::store {

// This file defines members of DialectStore (store/dialect_store.hpp), in
// its namespace, with the sqlite backend's names in reach.
using namespace sqlite;  // NOLINT(build/namespaces)

namespace {

// Forgets what a load staged and reported: used where a load restarts from
// the first byte, so nothing would be counted twice.
Status drop_load(Connection& conn, std::string_view task_id) {
  SKILLSYNC_TRY(drop_stage(conn.db(), task_id));
  SKILLSYNC_ASSIGN_OR_RETURN(Query s, conn.query("DELETE FROM row_errors WHERE task_id = ?1"));
  s.text(task_id);
  return s.run();
}

}  // namespace

template <>
Result<std::optional<Task>> SqliteDialect::claim_next_task(std::string_view worker_id, Micros now,
                                                           Micros lease_duration) {
  SKILLSYNC_TRY(check_claim(worker_id, lease_duration));
  SKILLSYNC_ASSIGN_OR_RETURN(PooledConnection conn, pool_.acquire());
  SKILLSYNC_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(conn->db()));
  std::optional<Task> claimed;
  {
    // Expired leases first: those tasks are older than any pending one and
    // have work staged. A running task without a lease was left by a
    // release before leases (schema version 1): its worker is gone too.
    // The progress goes back to the checkpoint's (or to zero): what was
    // counted after it is read again.
    SKILLSYNC_ASSIGN_OR_RETURN(
        Query s,
        conn->query(
            "UPDATE tasks SET status = 'running', started_at_us = coalesce(started_at_us, ?1),"
            " attempts = attempts + 1, worker_id = ?2, lease_expires_at_us = ?1 + ?3,"
            " last_heartbeat_at_us = ?1,"
            " bytes_total = coalesce(ckpt_bytes_total, bytes_total),"
            " " SKILLSYNC_PROGRESS_FROM_CHECKPOINT " WHERE id = coalesce("
            " (SELECT id FROM tasks WHERE status = 'running'"
            " AND (lease_expires_at_us IS NULL OR lease_expires_at_us < ?1)"
            " ORDER BY created_at_us, id LIMIT 1),"
            " (SELECT id FROM tasks WHERE status = 'pending' ORDER BY created_at_us, id LIMIT 1))"
            " RETURNING " SKILLSYNC_TASK_COLUMNS));
    s.int64(now).text(worker_id).int64(lease_duration);
    SKILLSYNC_ASSIGN_OR_RETURN(claimed, s.one<Task>(read_task<Row>));
  }
  if (!claimed) return claimed;
  // Without a checkpoint the load starts from the first byte: whatever a
  // checkpoint-less writer staged or reported must not count twice.
  if (!claimed->checkpoint) {
    SKILLSYNC_TRY(drop_load(*conn, claimed->id));
    SKILLSYNC_ASSIGN_OR_RETURN(Query s,
                               conn->query("UPDATE tasks SET staged_rows = 0 WHERE id = ?1"));
    SKILLSYNC_TRY(s.text(claimed->id).run());
  }
  SKILLSYNC_TRY(tx.commit());
  // Resuming needs the run file the checkpoint counts on (stage_files.hpp).
  if (claimed->checkpoint) {
    SKILLSYNC_ASSIGN_OR_RETURN(Task resumed,
                               check_resumed_stage(*conn, std::move(*claimed), worker_id));
    return std::optional<Task>(std::move(resumed));
  }
  return claimed;
}

template <>
Result<Heartbeat> SqliteDialect::heartbeat(std::string_view task_id, std::string_view worker_id,
                                           Micros now, Micros lease_duration) {
  SKILLSYNC_ASSIGN_OR_RETURN(PooledConnection conn, pool_.acquire());
  SKILLSYNC_ASSIGN_OR_RETURN(
      Query s,
      conn->query("UPDATE tasks SET lease_expires_at_us = ?3 + ?4, last_heartbeat_at_us = ?3"
                  " WHERE id = ?1 AND worker_id IS ?2 AND status = 'running'"
                  " RETURNING cancel_requested_at_us, lease_expires_at_us"));
  s.text(task_id).text(worker_id).int64(now).int64(lease_duration);
  // NULL is tested here, not in SQL: SQLite 3.40 evaluates "x IS NOT NULL"
  // in an UPDATE's RETURNING clause wrongly on this table. one() completes
  // the statement, committing the update.
  SKILLSYNC_ASSIGN_OR_RETURN(auto hb, s.one<Heartbeat>([](const Row& r) {
    return Heartbeat{!r.is_null(0), r.int64(1)};
  }));
  if (!hb) return missed_owner_error(check_owner(*conn, task_id, worker_id, false), task_id);
  return *hb;
}

template <>
Status SqliteDialect::release_lease(std::string_view task_id, std::string_view worker_id) {
  SKILLSYNC_ASSIGN_OR_RETURN(PooledConnection conn, pool_.acquire());
  // Lease 0 has expired for every claim: any worker may continue the task.
  SKILLSYNC_ASSIGN_OR_RETURN(
      Query s, conn->query("UPDATE tasks SET worker_id = NULL, lease_expires_at_us = 0"
                           " WHERE id = ?1 AND worker_id IS ?2 AND status = 'running'"));
  s.text(task_id).text(worker_id);
  SKILLSYNC_TRY(s.run());
  if (conn->db().changes() == 0) {
    return missed_owner_error(check_owner(*conn, task_id, worker_id, false), task_id);
  }
  return ok_status();
}

template <>
Status SqliteDialect::reset_load(std::string_view task_id, std::string_view worker_id) {
  return pool_.transact([&](Connection& conn) -> Status {
    SKILLSYNC_TRY(check_owner(conn, task_id, worker_id, false));
    SKILLSYNC_TRY(drop_load(conn, task_id));
    SKILLSYNC_ASSIGN_OR_RETURN(
        Query s,
        conn.query(
            "UPDATE tasks SET staged_rows = 0, bytes_read = 0, rows_read = 0,"
            " rows_loaded = 0, rows_rejected = 0, rows_superseded = 0, " SKILLSYNC_CLEAR_CHECKPOINT
            " WHERE id = ?1"));
    return s.text(task_id).run();
  });
}

template <>
Status SqliteDialect::finish_task(std::string_view task_id, std::string_view worker_id,
                                  TaskStatus status, const std::optional<TaskError>& error,
                                  const Progress& progress, Micros now) {
  SKILLSYNC_TRY(check_fenced_finish_status(status));
  SKILLSYNC_ASSIGN_OR_RETURN(PooledConnection conn, pool_.acquire());
  SKILLSYNC_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(conn->db()));
  SKILLSYNC_TRY(check_owner(*conn, task_id, worker_id, false));
  auto changed = run_finish(*conn, "UPDATE tasks SET " SKILLSYNC_FINISH_SET " WHERE id = ?1",
                            task_id, status, error, progress, now);
  if (!changed.ok()) return changed.error();
  SKILLSYNC_TRY(drop_stage(conn->db(), task_id));
  SKILLSYNC_TRY(tx.commit());
  truncate_wal_after_erase(conn->db());
  return ok_status();
}

template <>
Result<Task> SqliteDialect::request_cancel(std::string_view tenant, std::string_view task_id,
                                           Micros now) {
  SKILLSYNC_ASSIGN_OR_RETURN(PooledConnection conn, pool_.acquire());
  SKILLSYNC_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(conn->db()));
  // 0: finished, 1: cancel at once (pending, or nobody holds a live lease),
  // 2: ask the running worker.
  int64_t action = 0;
  {
    SKILLSYNC_ASSIGN_OR_RETURN(
        Query s,
        conn->query("SELECT CASE WHEN status = 'pending' THEN 1 WHEN status <> 'running' THEN 0"
                    " WHEN worker_id IS NULL OR lease_expires_at_us < ?3 THEN 1 ELSE 2 END"
                    " FROM tasks WHERE tenant = ?1 AND id = ?2"));
    SKILLSYNC_ASSIGN_OR_RETURN(auto found, s.text(tenant).text(task_id).int64(now).one<int64_t>(
                                               [](const Row& r) { return r.int64(0); }));
    if (!found) return task_not_found(task_id);
    action = *found;
  }
  if (action == 0) return task_already_finished(task_id);
  if (action == 1) {
    SKILLSYNC_TRY(drop_stage(conn->db(), task_id));
  }
  std::optional<Task> after;
  {
    SKILLSYNC_ASSIGN_OR_RETURN(
        Query s,
        conn->query(
            action == 1
                ? "UPDATE tasks SET status = 'cancelled', finished_at_us = ?2,"
                  " cancel_requested_at_us = coalesce(cancel_requested_at_us, ?2),"
                  " sealed_credentials = NULL, worker_id = NULL, lease_expires_at_us = NULL,"
                  " staged_rows = 0, " SKILLSYNC_CLEAR_CHECKPOINT
                  " WHERE id = ?1 RETURNING " SKILLSYNC_TASK_COLUMNS
                : "UPDATE tasks SET cancel_requested_at_us = coalesce(cancel_requested_at_us, ?2)"
                  " WHERE id = ?1 RETURNING " SKILLSYNC_TASK_COLUMNS));
    SKILLSYNC_ASSIGN_OR_RETURN(after, s.text(task_id).int64(now).one<Task>(read_task<Row>));
    if (!after) return task_not_found(task_id);
  }
  // Cancelled at once: its webhook events, in the same transaction.
  if (action == 1) SKILLSYNC_TRY(enqueue_task_end_events(*conn, task_id, now));
  SKILLSYNC_TRY(tx.commit());
  if (action == 1) truncate_wal_after_erase(conn->db());
  return std::move(*after);
}

}  // namespace skillsync::store
