// PostgresStore: claiming tasks, leases, cancelling and finishing them.
//
// Claims lock their candidate with FOR UPDATE SKIP LOCKED: concurrent
// claims (in any process) pass over a row another claim holds instead of
// queueing behind it, and never return the same task. Every other
// check-then-write locks the task row first (lock_task / check_owner).
#include <string>
#include <vector>

#include "store/postgres/pg_webhooks.hpp"
#include "store/postgres/postgres_store_impl.hpp"

namespace skillsync::store {

// This file defines members of DialectStore (store/dialect_store.hpp), in
// its namespace, with the postgres backend's names in reach.
using namespace postgres;  // NOLINT(build/namespaces)

namespace {

// True when the stage of a task with a checkpoint still holds the
// `staged_rows` its checkpoint counts. Stages are UNLOGGED, so a server
// crash empties them while the checkpoint (logged) survives; such a load
// must start over rather than publish a partial stage.
Result<bool> stage_intact(const PgConn& conn, std::string_view task_id, int64_t staged_rows) {
  if (staged_rows == 0) return true;
  const std::string stage = stage_table_name(task_id);
  auto exists = conn.exec("SELECT to_regclass($1) IS NOT NULL", Params().text(stage));
  if (!exists.ok()) return exists.error();
  if (!exists->boolean(0, 0)) return false;
  auto n = conn.exec("SELECT count(*) FROM " + stage);
  if (!n.ok()) return n.error();
  return n->int64(0, 0) == staged_rows;
}

// The task a claim takes: its id, whether it has a checkpoint, and the
// rows its checkpoint counts as staged.
struct Candidate {
  std::string id;
  bool has_checkpoint = false;
  int64_t staged_rows = 0;
};

// Picks (and locks, skipping rows other claims hold) the task a claim
// takes: an expired lease first, since those tasks are older than any
// pending one and have work staged (a running task without a lease was left
// by a binary that claimed without one: its worker is gone too). Two
// statements rather than one UNION, so that a claim locks only the row it
// takes. nullopt when there is none.
Result<std::optional<Candidate>> pick_candidate(const PgConn& c, Micros now) {
  SKILLSYNC_ASSIGN_OR_RETURN(
      PgResult pick, c.exec("SELECT id, ckpt_byte_offset IS NOT NULL, staged_rows FROM tasks"
                            " WHERE status = 'running' AND (lease_expires_at_us IS NULL"
                            " OR lease_expires_at_us < $1)"
                            " ORDER BY created_at_us, id LIMIT 1 FOR UPDATE SKIP LOCKED",
                            Params().int64(now)));
  if (pick.rows() == 0) {
    SKILLSYNC_ASSIGN_OR_RETURN(
        pick, c.exec("SELECT id, ckpt_byte_offset IS NOT NULL, staged_rows FROM tasks"
                     " WHERE status = 'pending' ORDER BY created_at_us, id LIMIT 1"
                     " FOR UPDATE SKIP LOCKED"));
    if (pick.rows() == 0) return std::optional<Candidate>();
  }
  return std::optional<Candidate>(
      Candidate{pick.string(0, 0), pick.boolean(0, 1), pick.int64(0, 2)});
}

// Without a (usable) checkpoint the load starts from the first byte:
// whatever an earlier attempt staged or reported must not count twice.
Status restart_unless_resumable(const PgConn& c, const Candidate& task) {
  if (task.has_checkpoint) {
    SKILLSYNC_ASSIGN_OR_RETURN(const bool intact, stage_intact(c, task.id, task.staged_rows));
    if (intact) return ok_status();
  }
  SKILLSYNC_TRY(drop_load(c, task.id));
  SKILLSYNC_TRY(c.exec("UPDATE tasks SET staged_rows = 0, " SKILLSYNC_CLEAR_CHECKPOINT
                       " WHERE id = $1",
                       Params().text(task.id)));
  return ok_status();
}

}  // namespace

template <>
Result<std::optional<Task>> PgDialect::claim_next_task(std::string_view worker_id, Micros now,
                                                       Micros lease_duration) {
  SKILLSYNC_TRY(check_claim(worker_id, lease_duration));
  return pool_.transact([&](const PgConn& c) -> Result<std::optional<Task>> {
    SKILLSYNC_ASSIGN_OR_RETURN(std::optional<Candidate> task, pick_candidate(c, now));
    if (!task) return std::optional<Task>();
    SKILLSYNC_TRY(restart_unless_resumable(c, *task));
    // The progress goes back to the checkpoint's (or to zero): what was
    // counted after it is read again.
    SKILLSYNC_ASSIGN_OR_RETURN(
        PgResult r,
        c.exec("UPDATE tasks SET status = 'running', started_at_us = coalesce(started_at_us, $1),"
               " attempts = attempts + 1, worker_id = $2, lease_expires_at_us = $1 + $3,"
               " last_heartbeat_at_us = $1,"
               " bytes_total = coalesce(ckpt_bytes_total, bytes_total),"
               " " SKILLSYNC_PROGRESS_FROM_CHECKPOINT
               " WHERE id = $4 RETURNING " SKILLSYNC_TASK_COLUMNS,
               Params().int64(now).text(worker_id).int64(lease_duration).text(task->id)));
    return r.one<Task>(read_task<PgRow>);
  });
}

template <>
Result<Heartbeat> PgDialect::heartbeat(std::string_view task_id, std::string_view worker_id,
                                       Micros now, Micros lease_duration) {
  SKILLSYNC_ASSIGN_OR_RETURN(PooledConn conn, pool_.acquire());
  auto r = conn->exec(
      "UPDATE tasks SET lease_expires_at_us = $3 + $4, last_heartbeat_at_us = $3"
      " WHERE id = $1 AND worker_id = $2 AND status = 'running'"
      " RETURNING cancel_requested_at_us IS NOT NULL, lease_expires_at_us",
      Params().text(task_id).text(worker_id).int64(now).int64(lease_duration));
  if (!r.ok()) return r.error();
  if (r->rows() == 0) {
    return missed_owner_error(check_owner(*conn, task_id, worker_id, false), task_id);
  }
  return Heartbeat{r->boolean(0, 0), r->int64(0, 1)};
}

template <>
Status PgDialect::release_lease(std::string_view task_id, std::string_view worker_id) {
  SKILLSYNC_ASSIGN_OR_RETURN(PooledConn conn, pool_.acquire());
  // Lease 0 has expired for every claim: any worker may continue the task,
  // and the NOTIFY (sent with the commit) tells them so.
  auto r = conn->exec(
      "WITH released AS (UPDATE tasks SET worker_id = NULL, lease_expires_at_us = 0"
      " WHERE id = $1 AND worker_id = $2 AND status = 'running' RETURNING 1)"
      " SELECT pg_notify('skillsync_tasks', '') FROM released",
      Params().text(task_id).text(worker_id));
  if (!r.ok()) return r.error();
  if (r->rows() == 0) {
    return missed_owner_error(check_owner(*conn, task_id, worker_id, false), task_id);
  }
  return ok_status();
}

template <>
Status PgDialect::reset_load(std::string_view task_id, std::string_view worker_id) {
  return pool_.transact([&](const PgConn& c) -> Status {
    SKILLSYNC_TRY(check_owner(c, task_id, worker_id, false));
    SKILLSYNC_TRY(drop_load(c, task_id));
    SKILLSYNC_TRY(c.exec(
        "UPDATE tasks SET staged_rows = 0, bytes_read = 0, rows_read = 0, rows_loaded = 0,"
        " rows_rejected = 0, rows_superseded = 0, " SKILLSYNC_CLEAR_CHECKPOINT " WHERE id = $1",
        Params().text(task_id)));
    return ok_status();
  });
}

template <>
Status PgDialect::finish_task(std::string_view task_id, std::string_view worker_id,
                              TaskStatus status, const std::optional<TaskError>& error,
                              const Progress& progress, Micros now) {
  SKILLSYNC_TRY(check_fenced_finish_status(status));
  return pool_.transact([&](const PgConn& c) -> Status {
    SKILLSYNC_TRY(check_owner(c, task_id, worker_id, false));
    SKILLSYNC_TRY(run_finish(c, task_id, status, error, progress, now));
    return drop_stage(c, task_id);
  });
}

template <>
Result<Task> PgDialect::request_cancel(std::string_view tenant, std::string_view task_id,
                                       Micros now) {
  return pool_.transact([&](const PgConn& c) -> Result<Task> {
    // 0: finished, 1: cancel at once (pending, or nobody holds a live
    // lease), 2: ask the running worker.
    SKILLSYNC_ASSIGN_OR_RETURN(
        PgResult state,
        c.exec("SELECT CASE WHEN status = 'pending' THEN 1 WHEN status <> 'running' THEN 0"
               " WHEN worker_id IS NULL OR lease_expires_at_us < $3 THEN 1 ELSE 2 END"
               " FROM tasks WHERE tenant = $1 AND id = $2 FOR UPDATE",
               Params().text(tenant).text(task_id).int64(now)));
    if (state.rows() == 0) return task_not_found(task_id);
    const int64_t action = state.int64(0, 0);
    if (action == 0) return task_already_finished(task_id);
    if (action == 1) SKILLSYNC_TRY(drop_stage(c, task_id));
    SKILLSYNC_ASSIGN_OR_RETURN(
        PgResult r,
        c.exec(action == 1
                   ? "UPDATE tasks SET status = 'cancelled', finished_at_us = $2,"
                     " cancel_requested_at_us = coalesce(cancel_requested_at_us, $2),"
                     " sealed_credentials = NULL, worker_id = NULL, lease_expires_at_us = NULL,"
                     " staged_rows = 0, " SKILLSYNC_CLEAR_CHECKPOINT
                     " WHERE id = $1 RETURNING " SKILLSYNC_TASK_COLUMNS
                   : "UPDATE tasks SET cancel_requested_at_us = coalesce(cancel_requested_at_us,"
                     " $2) WHERE id = $1 RETURNING " SKILLSYNC_TASK_COLUMNS,
               Params().text(task_id).int64(now)));
    SKILLSYNC_ASSIGN_OR_RETURN(std::optional<Task> after, r.one<Task>(read_task<PgRow>));
    if (!after) return task_not_found(task_id);
    // Cancelled at once: its webhook events, in the same transaction.
    if (action == 1) SKILLSYNC_TRY(enqueue_task_end_events(c, task_id, now));
    return std::move(*after);
  });
}

}  // namespace skillsync::store
