// SqliteStore: tasks and their row errors.
#include <string>

#include "common/crypto.hpp"
#include "store/sqlite/sqlite_store_impl.hpp"

namespace skillsync::store::sqlite {
namespace {

// Column list shared by every query that returns tasks; read_task() depends
// on this order.
#define SKILLSYNC_TASK_COLUMNS                                                              \
  "id, tenant, entity_type, method, uri, region, options_json, sealed_credentials, status," \
  " created_at_us, started_at_us, finished_at_us, bytes_total, bytes_read, rows_read,"      \
  " rows_loaded, rows_rejected, error_code, error_message, attempts"

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
  if (!s.is_null(10)) t.started_at = s.column_int64(10);
  if (!s.is_null(11)) t.finished_at = s.column_int64(11);
  t.progress.bytes_total = static_cast<uint64_t>(s.column_int64(12));
  t.progress.bytes_read = static_cast<uint64_t>(s.column_int64(13));
  t.progress.rows_read = static_cast<uint64_t>(s.column_int64(14));
  t.progress.rows_loaded = static_cast<uint64_t>(s.column_int64(15));
  t.progress.rows_rejected = static_cast<uint64_t>(s.column_int64(16));
  if (!s.is_null(17)) t.error = TaskError{s.column_string(17), s.column_string(18)};
  t.attempts = static_cast<int>(s.column_int64(19));
  return t;
}

// Reads zero or one task from a bound statement, then runs it to the end
// (an UPDATE ... RETURNING commits when it completes).
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

Error task_not_found(std::string_view id) {
  return Error{"not_found", "no task with id " + std::string(id)};
}

}  // namespace

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
}

Status SqliteStore::create_task(const Task& task) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached(
      "INSERT INTO tasks (id, tenant, entity_type, method, uri, region, options_json,"
      " sealed_credentials, status, created_at_us, started_at_us, finished_at_us, bytes_total,"
      " bytes_read, rows_read, rows_loaded, rows_rejected, error_code, error_message, attempts)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
      " ?19, ?20)");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, task.id);
  s.bind_text(2, task.tenant);
  s.bind_text(3, task.entity_type);
  s.bind_text(4, task.method);
  s.bind_text(5, task.uri);
  s.bind_text(6, task.region);
  s.bind_text(7, task.options_json.empty() ? std::string_view("{}") : task.options_json);
  if (task.sealed_credentials.empty()) {
    s.bind_null(8);
  } else {
    s.bind_blob(8, task.sealed_credentials);
  }
  s.bind_text(9, to_string(task.status));
  s.bind_int64(10, task.created_at != 0 ? task.created_at : clock_.now());
  if (task.started_at) s.bind_int64(11, *task.started_at);
  if (task.finished_at) s.bind_int64(12, *task.finished_at);
  bind_progress(s, 13, task.progress);
  if (task.error) {
    s.bind_text(18, task.error->code);
    s.bind_text(19, task.error->message);
  }
  s.bind_int64(20, task.attempts);
  return s.run();
}

Result<std::optional<Task>> SqliteStore::get_task(std::string_view tenant, std::string_view id) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt =
      (*conn)->cached("SELECT " SKILLSYNC_TASK_COLUMNS " FROM tasks WHERE tenant = ?1 AND id = ?2");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, tenant);
  s.bind_text(2, id);
  return read_optional_task(s);
}

Result<std::optional<Task>> SqliteStore::claim_next_task(std::string_view worker_id, Micros now) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  // One statement that writes takes the write lock before it reads, so the
  // SELECT and the UPDATE see the same state and two workers can never
  // claim the same task.
  auto stmt = (*conn)->cached(
      "UPDATE tasks SET status = 'running', started_at_us = ?1, attempts = attempts + 1,"
      " worker_id = ?2"
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

Result<uint64_t> SqliteStore::requeue_running_tasks() {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  Db& db = (*conn)->db();
  auto tx = Transaction::begin(db);
  if (!tx.ok()) return tx.error();
  std::vector<std::string> ids;
  {
    auto stmt = (*conn)->cached("SELECT id FROM tasks WHERE status = 'running'");
    if (!stmt.ok()) return stmt.error();
    Stmt& s = *stmt.value();
    StmtReset reset(s);
    for (;;) {
      auto row = s.step();
      if (!row.ok()) return row.error();
      if (!row.value()) break;
      ids.push_back(s.column_string(0));
    }
  }
  // The load restarts from the first byte, so what it staged and the row
  // errors it reported so far would be counted twice.
  auto del = (*conn)->cached("DELETE FROM row_errors WHERE task_id = ?1");
  if (!del.ok()) return del.error();
  for (const std::string& id : ids) {
    SKILLSYNC_TRY(drop_stage(db, id));
    Stmt& s = *del.value();
    StmtReset reset(s);
    s.bind_text(1, id);
    SKILLSYNC_TRY(s.run());
  }
  SKILLSYNC_TRY(
      db.exec("UPDATE tasks SET status = 'pending', started_at_us = NULL, worker_id = NULL,"
              " lease_expires_at_us = NULL, bytes_read = 0, rows_read = 0, rows_loaded = 0,"
              " rows_rejected = 0 WHERE status = 'running'"));
  SKILLSYNC_TRY(tx->commit());
  return static_cast<uint64_t>(ids.size());
}

Status SqliteStore::update_progress(std::string_view task_id, const Progress& progress) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached(
      "UPDATE tasks SET bytes_total = ?2, bytes_read = ?3, rows_read = ?4, rows_loaded = ?5,"
      " rows_rejected = ?6 WHERE id = ?1");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, task_id);
  bind_progress(s, 2, progress);
  SKILLSYNC_TRY(s.run());
  if ((*conn)->db().changes() == 0) return task_not_found(task_id);
  return ok_status();
}

Status SqliteStore::finish_task(std::string_view task_id, TaskStatus status,
                                const std::optional<TaskError>& error, const Progress& progress,
                                Micros now) {
  if (!is_finished(status)) {
    return Error{"invalid_argument", "finish_task needs a final status"};
  }
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  Db& db = (*conn)->db();
  auto tx = Transaction::begin(db);
  if (!tx.ok()) return tx.error();
  {
    auto stmt = (*conn)->cached(
        "UPDATE tasks SET status = ?2, error_code = ?3, error_message = ?4, bytes_total = ?5,"
        " bytes_read = ?6, rows_read = ?7, rows_loaded = ?8, rows_rejected = ?9,"
        " finished_at_us = ?10, sealed_credentials = NULL, worker_id = NULL,"
        " lease_expires_at_us = NULL WHERE id = ?1");
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
    s.bind_int64(10, now);
    SKILLSYNC_TRY(s.run());
    if (db.changes() == 0) return task_not_found(task_id);
  }
  SKILLSYNC_TRY(drop_stage(db, task_id));
  return tx->commit();
}

Result<std::vector<RowError>> SqliteStore::row_errors(std::string_view task_id, size_t limit) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached(
      "SELECT line, byte_offset, column_name, code, message, raw FROM row_errors"
      " WHERE task_id = ?1 ORDER BY seq LIMIT ?2");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, task_id);
  // LIMIT takes a signed integer; clamp so a huge size_t stays "no limit".
  s.bind_int64(2, limit > static_cast<size_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(limit));
  std::vector<RowError> out;
  for (;;) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!row.value()) break;
    RowError& e = out.emplace_back();
    e.line = static_cast<uint64_t>(s.column_int64(0));
    e.byte_offset = static_cast<uint64_t>(s.column_int64(1));
    e.column = s.column_string(2);
    e.code = s.column_string(3);
    e.message = s.column_string(4);
    e.raw = s.column_string(5);
  }
  return out;
}

}  // namespace skillsync::store::sqlite
