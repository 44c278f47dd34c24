// SqliteStore: creating, reading, listing and purging tasks, and reading
// their row errors.
#include <string>

#include "store/cursor.hpp"
#include "store/sqlite/sqlite_store_impl.hpp"

namespace skillsync::store::sqlite {

Status insert_task(Connection& conn, const Task& task, Micros created_at) {
  auto stmt = conn.cached(
      "INSERT INTO tasks (id, tenant, entity_type, method, uri, region, options_json,"
      " sealed_credentials, status, created_at_us, started_at_us, finished_at_us, bytes_total,"
      " bytes_read, rows_read, rows_loaded, rows_rejected, rows_superseded, error_code,"
      " error_message, attempts, trace_id, source_id)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
      " ?19, ?20, ?21, ?22, ?23)");
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
  s.bind_int64(10, created_at);
  if (task.started_at) s.bind_int64(11, *task.started_at);
  if (task.finished_at) s.bind_int64(12, *task.finished_at);
  bind_progress(s, 13, task.progress);
  if (task.error) {
    s.bind_text(19, task.error->code);
    s.bind_text(20, task.error->message);
  }
  s.bind_int64(21, task.attempts);
  s.bind_text(22, task.trace_id);
  s.bind_text(23, task.source_id);
  return s.run();
}

namespace {

Result<std::optional<Task>> select_task(Connection& conn, std::string_view tenant,
                                        std::string_view id) {
  auto stmt =
      conn.cached("SELECT " SKILLSYNC_TASK_COLUMNS " FROM tasks WHERE tenant = ?1 AND id = ?2");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, tenant);
  s.bind_text(2, id);
  return read_optional_task(s);
}

// The SELECT of list_tasks for one combination of filters; the text is the
// key of the connection's statement cache, so each shape is prepared once.
std::string list_sql(const TaskFilter& filter, bool after) {
  std::string sql = "SELECT " SKILLSYNC_TASK_COLUMNS " FROM tasks WHERE tenant = ?1";
  if (filter.status) sql += " AND status = ?2";
  if (filter.entity_type) sql += " AND entity_type = ?3";
  if (after) sql += " AND (created_at_us, id) < (?4, ?5)";
  sql += " ORDER BY created_at_us DESC, id DESC LIMIT ?6";
  return sql;
}

}  // namespace

Status SqliteStore::create_task(const Task& task) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  return insert_task(**conn, task, task.created_at != 0 ? task.created_at : clock_.now());
}

Result<CreatedTask> SqliteStore::create_task_idempotent(const Task& task,
                                                        std::string_view idempotency_key,
                                                        std::string_view body_sha256, Micros now) {
  SKILLSYNC_TRY(check_idempotency_key(idempotency_key));
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  Db& db = (*conn)->db();
  // BEGIN IMMEDIATE serializes every create with a key: of concurrent
  // duplicates, the first inserts and the others then find its key.
  auto tx = Transaction::begin(db);
  if (!tx.ok()) return tx.error();
  {
    auto stmt = (*conn)->cached(
        "SELECT body_sha256, task_id, created_at_us FROM idempotency_keys"
        " WHERE tenant = ?1 AND idem_key = ?2");
    if (!stmt.ok()) return stmt.error();
    Stmt& s = *stmt.value();
    StmtReset reset(s);
    s.bind_text(1, task.tenant);
    s.bind_text(2, idempotency_key);
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (row.value() && now - s.column_int64(2) < kIdempotencyWindow) {
      if (s.column_text(0) != body_sha256) return idempotency_conflict();
      const std::string earlier = s.column_string(1);
      auto existing = select_task(**conn, task.tenant, earlier);
      if (!existing.ok()) return existing.error();
      if (!existing->has_value()) return task_not_found(earlier);  // the FK makes this a bug
      return CreatedTask{std::move(**existing), false};
    }
  }
  // No key, or one older than the window: it is forgotten (its task stays).
  auto upsert_key = (*conn)->cached(
      "INSERT INTO idempotency_keys (tenant, idem_key, body_sha256, task_id, created_at_us)"
      " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (tenant, idem_key) DO UPDATE SET"
      " body_sha256 = excluded.body_sha256, task_id = excluded.task_id,"
      " created_at_us = excluded.created_at_us");
  if (!upsert_key.ok()) return upsert_key.error();
  SKILLSYNC_TRY(insert_task(**conn, task, task.created_at != 0 ? task.created_at : now));
  {
    Stmt& s = *upsert_key.value();
    StmtReset reset(s);
    s.bind_text(1, task.tenant);
    s.bind_text(2, idempotency_key);
    s.bind_text(3, body_sha256);
    s.bind_text(4, task.id);
    s.bind_int64(5, now);
    SKILLSYNC_TRY(s.run());
  }
  auto created = select_task(**conn, task.tenant, task.id);
  if (!created.ok()) return created.error();
  SKILLSYNC_TRY(tx->commit());
  return CreatedTask{std::move(**created), true};
}

Result<std::optional<Task>> SqliteStore::get_task(std::string_view tenant, std::string_view id) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  return select_task(**conn, tenant, id);
}

Result<TaskPage> SqliteStore::list_tasks(std::string_view tenant, const TaskFilter& filter,
                                         size_t limit, std::string_view cursor) {
  SKILLSYNC_TRY(check_page_limit(limit, kMaxListLimit));
  auto page_start = decode_task_page_cursor(cursor);
  if (!page_start.ok()) return page_start.error();
  const std::optional<TaskCursor>& after = *page_start;
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  // Keyset pagination on (created_at_us, id) descending, served by
  // tasks_by_tenant_time or tasks_by_tenant_status_time read backwards; a
  // task inserted meanwhile sorts before the cursor and shifts nothing.
  auto stmt = (*conn)->cached(list_sql(filter, after.has_value()));
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, tenant);
  if (filter.status) s.bind_text(2, to_string(*filter.status));
  if (filter.entity_type) s.bind_text(3, *filter.entity_type);
  if (after) {
    s.bind_int64(4, after->created_at);
    s.bind_text(5, after->id);
  }
  s.bind_int64(6, static_cast<int64_t>(limit) + 1);  // one extra: is there a next page?
  TaskPage page;
  page.items.reserve(limit);
  for (;;) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!row.value()) break;
    if (page.items.size() == limit) {
      set_next_cursor(page);
      break;
    }
    auto task = read_task(s);
    if (!task.ok()) return task.error();
    task->sealed_credentials.clear();  // a listing never needs them
    page.items.push_back(std::move(task).value());
  }
  return page;
}

Status SqliteStore::update_progress(std::string_view task_id, const Progress& progress) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached(
      "UPDATE tasks SET bytes_total = ?2, bytes_read = ?3, rows_read = ?4, rows_loaded = ?5,"
      " rows_rejected = ?6, rows_superseded = ?7 WHERE id = ?1");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, task_id);
  bind_progress(s, 2, progress);
  SKILLSYNC_TRY(s.run());
  if ((*conn)->db().changes() == 0) return task_not_found(task_id);
  return ok_status();
}

Result<uint64_t> SqliteStore::purge_finished_before(Micros cutoff) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  // Row errors and idempotency keys go with their task (ON DELETE CASCADE;
  // foreign_keys is on for every connection). Finished tasks have no stage.
  auto stmt = (*conn)->cached(
      "DELETE FROM tasks WHERE finished_at_us < ?1"
      " AND status NOT IN ('pending', 'running')");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_int64(1, cutoff);
  SKILLSYNC_TRY(s.run());
  return static_cast<uint64_t>((*conn)->db().changes());
}

namespace {

RowError read_row_error(const Stmt& s) {
  RowError e;
  e.line = static_cast<uint64_t>(s.column_int64(0));
  e.byte_offset = static_cast<uint64_t>(s.column_int64(1));
  e.column = s.column_string(2);
  e.code = s.column_string(3);
  e.message = s.column_string(4);
  e.raw = s.column_string(5);
  e.file = s.column_string(6);
  return e;
}

}  // namespace

Result<std::vector<RowError>> SqliteStore::row_errors(std::string_view task_id, size_t limit) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached("SELECT " SKILLSYNC_ROW_ERROR_COLUMNS
                              " FROM row_errors WHERE task_id = ?1 ORDER BY seq LIMIT ?2");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, task_id);
  s.bind_int64(2, clamp_limit(limit));
  std::vector<RowError> out;
  for (;;) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!row.value()) break;
    out.push_back(read_row_error(s));
  }
  return out;
}

Result<RowErrorPage> SqliteStore::row_errors_page(std::string_view task_id, size_t limit,
                                                  std::string_view cursor) {
  SKILLSYNC_TRY(check_page_limit(limit, kMaxRowErrorPageLimit));
  auto page_start = decode_seq_page_cursor(cursor);
  if (!page_start.ok()) return page_start.error();
  const int64_t after = *page_start;
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  // seq is the file order (it is assigned in staging order), and the
  // primary key (task_id, seq) serves the range.
  auto stmt = (*conn)->cached(
      "SELECT " SKILLSYNC_ROW_ERROR_COLUMNS
      ", seq FROM row_errors WHERE task_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, task_id);
  s.bind_int64(2, after);
  s.bind_int64(3, static_cast<int64_t>(limit) + 1);
  RowErrorPage page;
  page.items.reserve(limit);
  int64_t last_seq = after;
  for (;;) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!row.value()) break;
    if (page.items.size() == limit) {
      page.next_cursor = encode_seq_cursor(last_seq);
      break;
    }
    page.items.push_back(read_row_error(s));
    last_seq = s.column_int64(7);
  }
  return page;
}

}  // namespace skillsync::store::sqlite
