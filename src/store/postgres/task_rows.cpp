// PostgresStore: what the task files share about the tasks table.
#include <string>

#include "common/crypto.hpp"
#include "store/postgres/pg_webhooks.hpp"
#include "store/postgres/postgres_store_impl.hpp"

namespace skillsync::store::postgres {

Result<Task> read_task(const PgResult& r, int i) {
  Task t;
  t.id = r.string(i, 0);
  t.tenant = r.string(i, 1);
  t.entity_type = r.string(i, 2);
  t.method = r.string(i, 3);
  t.uri = r.string(i, 4);
  t.region = r.string(i, 5);
  t.options_json = r.string(i, 6);
  t.sealed_credentials = r.bytea(i, 7);
  auto status = task_status_from_string(r.text(i, 8));
  if (!status) return Error{"storage_error", "task " + t.id + " has an unknown status"};
  t.status = *status;
  t.created_at = r.int64(i, 9);
  t.started_at = r.optional_int64(i, 10);
  t.finished_at = r.optional_int64(i, 11);
  t.progress = Progress{r.uint64(i, 12), r.uint64(i, 13), r.uint64(i, 14),
                        r.uint64(i, 15), r.uint64(i, 16), r.uint64(i, 20)};
  if (!r.is_null(i, 17)) t.error = TaskError{r.string(i, 17), r.string(i, 18)};
  t.attempts = static_cast<int>(r.int64(i, 19));
  t.cancel_requested_at = r.optional_int64(i, 21);
  t.last_heartbeat_at = r.optional_int64(i, 22);
  t.worker_id = r.string(i, 23);
  t.lease_expires_at = r.optional_int64(i, 24);
  t.header_json = r.string(i, 25);
  if (!r.is_null(i, 26)) {
    Checkpoint& c = t.checkpoint.emplace();
    c.byte_offset = r.uint64(i, 26);
    c.line = r.uint64(i, 27);
    c.batches = r.uint64(i, 28);
    c.state_json = r.string(i, 29);
    c.progress = Progress{r.uint64(i, 30), r.uint64(i, 31), r.uint64(i, 32),
                          r.uint64(i, 33), r.uint64(i, 34), r.uint64(i, 35)};
    c.header_json = t.header_json;
  }
  t.trace_id = r.string(i, 36);
  t.source_id = r.string(i, 37);
  return t;
}

Result<std::optional<Task>> read_optional_task(const PgResult& r) {
  if (r.rows() == 0) return std::optional<Task>();
  auto task = read_task(r, 0);
  if (!task.ok()) return task.error();
  return std::optional<Task>(std::move(task).value());
}

std::string stage_table_name(std::string_view task_id) {
  return "stage_" + crypto::sha256_hex(task_id).substr(0, 40);
}

Status drop_stage(const PgConn& conn, std::string_view task_id) {
  // The name is ours (hex digits): nothing of the task id reaches the SQL.
  return conn.exec_script("DROP TABLE IF EXISTS " + stage_table_name(task_id));
}

Status drop_load(const PgConn& conn, std::string_view task_id) {
  SKILLSYNC_TRY(drop_stage(conn, task_id));
  SKILLSYNC_TRY(conn.exec("DELETE FROM row_errors WHERE task_id = $1", Params().text(task_id)));
  return ok_status();
}

Params& bind_progress(Params& p, const Progress& progress) {
  return p.int64(static_cast<int64_t>(progress.bytes_total))
      .int64(static_cast<int64_t>(progress.bytes_read))
      .int64(static_cast<int64_t>(progress.rows_read))
      .int64(static_cast<int64_t>(progress.rows_loaded))
      .int64(static_cast<int64_t>(progress.rows_rejected))
      .int64(static_cast<int64_t>(progress.rows_superseded));
}

Result<uint64_t> run_finish(const PgConn& conn, std::string_view task_id, TaskStatus status,
                            const std::optional<TaskError>& error, const Progress& progress,
                            Micros now) {
  Params p;
  p.text(task_id).text(to_string(status));
  if (error) {
    p.text(error->code).text(error->message);
  } else {
    p.null_text().null_text();
  }
  bind_progress(p, progress).int64(now);
  auto r = conn.exec(SKILLSYNC_PG_FINISH, p);
  if (!r.ok()) return r.error();
  const uint64_t changed = r->affected();
  // The task's webhook events, in the transaction that ends it.
  if (changed > 0) SKILLSYNC_TRY(enqueue_task_end_events(conn, task_id, now));
  return changed;
}

Result<LockedTask> lock_task(const PgConn& conn, std::string_view task_id,
                             std::string_view worker_id) {
  auto r = conn.exec(
      "SELECT status = 'running' AND worker_id IS NOT DISTINCT FROM $2,"
      " cancel_requested_at_us IS NOT NULL, staged_rows FROM tasks WHERE id = $1 FOR UPDATE",
      Params().text(task_id).text(worker_id));
  if (!r.ok()) return r.error();
  LockedTask t;
  if (r->rows() == 0) return t;
  t.exists = true;
  t.owned = r->boolean(0, 0);
  t.cancel_requested = r->boolean(0, 1);
  t.staged_rows = r->int64(0, 2);
  return t;
}

Result<LockedTask> check_owner(const PgConn& conn, std::string_view task_id,
                               std::string_view worker_id, bool cancel_is_error) {
  auto t = lock_task(conn, task_id, worker_id);
  if (!t.ok()) return t.error();
  SKILLSYNC_TRY(check_ownership(*t, task_id, worker_id, cancel_is_error));
  return t;
}

Status notify_tasks(const PgConn& conn) {
  SKILLSYNC_TRY(conn.exec("SELECT pg_notify($1, '')", Params().text(kTaskChannel)));
  return ok_status();
}

}  // namespace skillsync::store::postgres
