// PostgresStore: what the task files share about the tasks table.
#include <string>

#include "common/crypto.hpp"
#include "store/postgres/pg_webhooks.hpp"
#include "store/postgres/postgres_store_impl.hpp"

namespace skillsync::store::postgres {

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

Result<uint64_t> run_finish(const PgConn& conn, std::string_view task_id, TaskStatus status,
                            const std::optional<TaskError>& error, const Progress& progress,
                            Micros now) {
  Params p;
  p.text(task_id).text(to_string(status));
  bind_task_error(p, error);
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
