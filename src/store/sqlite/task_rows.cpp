// SqliteStore: what the task files share about the tasks table.
#include <spdlog/spdlog.h>

#include <string>

#include "common/crypto.hpp"
#include "store/sqlite/sqlite_store_impl.hpp"
#include "store/sqlite/sqlite_webhooks.hpp"
#include "store/sqlite/stage_files.hpp"

namespace skillsync::store::sqlite {

std::string stage_table_name(std::string_view task_id) { return "stage_" + crypto::hex(task_id); }

Status drop_stage(Db& db, std::string_view task_id) {
  SKILLSYNC_TRY(remove_stage_file(db, task_id));
  return db.exec("DROP TABLE IF EXISTS " + stage_table_name(task_id));
}

Result<int64_t> run_finish(Connection& conn, std::string_view sql, std::string_view task_id,
                           TaskStatus status, const std::optional<TaskError>& error,
                           const Progress& progress, Micros now) {
  SKILLSYNC_ASSIGN_OR_RETURN(Query s, conn.query(sql));
  s.text(task_id).text(to_string(status));
  bind_task_error(s, error);
  SKILLSYNC_TRY(bind_progress(s, progress).int64(now).run());
  const int64_t changed = conn.db().changes();
  // The task's webhook events, in the transaction that ends it.
  if (changed > 0) SKILLSYNC_TRY(enqueue_task_end_events(conn, task_id, now));
  return changed;
}

Status check_owner(Connection& conn, std::string_view task_id, std::string_view worker_id,
                   bool cancel_is_error) {
  SKILLSYNC_ASSIGN_OR_RETURN(
      Query s,
      conn.query("SELECT status = 'running' AND worker_id IS ?2, cancel_requested_at_us IS NOT NULL"
                 " FROM tasks WHERE id = ?1"));
  s.text(task_id).text(worker_id);
  SKILLSYNC_ASSIGN_OR_RETURN(auto row, s.one<TaskOwnership>([](const Row& r) {
    return TaskOwnership{true, r.boolean(0), r.boolean(1)};
  }));
  return check_ownership(row.value_or(TaskOwnership{}), task_id, worker_id, cancel_is_error);
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
