// SqliteStore: loading a File Load Task's rows (the hot path).
//
// Each task stages its good rows in its own table, stage_<hex of task id>:
// no index, so a batch is an append of pages. publish() upserts the whole
// table into events in one statement and one transaction, so readers see
// nothing of a load until all of it is there.
#include <string>

#include "store/sqlite/sqlite_store_impl.hpp"

namespace skillsync::store::sqlite {
namespace {

constexpr size_t kMaxRawBytes = 4096;

class SqliteTaskWriter final : public TaskWriter {
 public:
  SqliteTaskWriter(SqliteStore& store, PooledConnection conn, Task task, Stmt insert_row,
                   int64_t next_seq)
      : store_(store),
        conn_(std::move(conn)),
        task_(std::move(task)),
        stage_(stage_table_name(task_.id)),
        insert_row_(std::move(insert_row)),
        next_seq_(next_seq) {}

  Status stage(std::span<const schema::Event> events, std::span<const RowError> errors,
               const Progress& progress) override;
  Result<uint64_t> publish(TaskStatus status, const Progress& progress) override;
  Status discard() override;

 private:
  Status check_open() const {
    if (closed_) return Error{"invalid_state", "the load was already published or discarded"};
    return ok_status();
  }
  Status stage_batch(std::span<const schema::Event> events, std::span<const RowError> errors,
                     const Progress& progress);
  Status insert_errors(std::span<const RowError> errors);
  Status write_progress(const Progress& progress);

  SqliteStore& store_;
  PooledConnection conn_;
  Task task_;
  std::string stage_;
  Stmt insert_row_;   // INSERT INTO the stage table; finalized before it is dropped
  int64_t next_seq_;  // seq of the next row error; row errors keep file order
  bool closed_ = false;
};

Status SqliteTaskWriter::stage(std::span<const schema::Event> events,
                               std::span<const RowError> errors, const Progress& progress) {
  SKILLSYNC_TRY(check_open());
  const int64_t first_seq = next_seq_;
  Status st = stage_batch(events, errors, progress);
  if (!st.ok()) next_seq_ = first_seq;  // the batch's transaction rolled back
  return st;
}

Status SqliteTaskWriter::stage_batch(std::span<const schema::Event> events,
                                     std::span<const RowError> errors, const Progress& progress) {
  Db& db = conn_->db();
  auto tx = Transaction::begin(db);
  if (!tx.ok()) return tx.error();
  // The events outlive every step, so their bytes are bound without a copy:
  // no allocation per row.
  Stmt& s = insert_row_;
  for (const schema::Event& e : events) {
    s.bind_text_static(1, e.employee_external_id);
    s.bind_text_static(2, e.external_id);
    s.bind_text_static(3, e.event_type);
    s.bind_int64(4, e.timestamp);
    s.bind_text_static(5, e.language);
    s.bind_text_static(6, e.content_json);
    if (e.source) {
      s.bind_text_static(7, *e.source);
    } else {
      s.bind_null(7);
    }
    const int rc = sqlite3_step(s.get());
    sqlite3_reset(s.get());
    if (rc != SQLITE_DONE) return db_error(db.get(), "staging a row failed");
  }
  SKILLSYNC_TRY(insert_errors(errors));
  SKILLSYNC_TRY(write_progress(progress));
  return tx->commit();
}

Status SqliteTaskWriter::insert_errors(std::span<const RowError> errors) {
  if (errors.empty()) return ok_status();
  auto stmt = conn_->cached(
      "INSERT INTO row_errors (task_id, seq, line, byte_offset, column_name, code, message, raw)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  for (const RowError& e : errors) {
    s.bind_text_static(1, task_.id);
    s.bind_int64(2, next_seq_);
    s.bind_int64(3, static_cast<int64_t>(e.line));
    s.bind_int64(4, static_cast<int64_t>(e.byte_offset));
    s.bind_text_static(5, e.column);
    s.bind_text_static(6, e.code);
    s.bind_text_static(7, e.message);
    s.bind_text_static(8, std::string_view(e.raw).substr(0, kMaxRawBytes));
    const int rc = sqlite3_step(s.get());
    sqlite3_reset(s.get());
    if (rc != SQLITE_DONE) return db_error(conn_->db().get(), "storing a row error failed");
    ++next_seq_;
  }
  return ok_status();
}

Status SqliteTaskWriter::write_progress(const Progress& progress) {
  auto stmt = conn_->cached(
      "UPDATE tasks SET bytes_total = ?2, bytes_read = ?3, rows_read = ?4, rows_loaded = ?5,"
      " rows_rejected = ?6 WHERE id = ?1");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, task_.id);
  bind_progress(s, 2, progress);
  return s.run();
}

Result<uint64_t> SqliteTaskWriter::publish(TaskStatus status, const Progress& progress) {
  SKILLSYNC_TRY(check_open());
  if (status != TaskStatus::kCompleted && status != TaskStatus::kCompletedWithErrors) {
    return Error{"invalid_argument", "publish needs kCompleted or kCompletedWithErrors"};
  }
  Db& db = conn_->db();
  insert_row_ = Stmt();  // a statement on the stage table would block DROP TABLE
  closed_ = true;        // even on failure: the caller finishes the task instead
  auto tx = Transaction::begin(db);
  if (!tx.ok()) return tx.error();
  // Rows are applied in (key, rowid) order: sorting by key turns the b-tree
  // inserts into appends, and rowid order within a key makes the file's
  // last row for a key the one that stays. WHERE true resolves SQLite's
  // parsing ambiguity between a join's ON and the upsert's ON CONFLICT.
  auto upsert = db.prepare(
      "INSERT INTO events (tenant, employee_external_id, external_id, event_type, timestamp_us,"
      " language, content, source, created_at_us, updated_at_us, task_id)"
      " SELECT ?1, employee_external_id, external_id, event_type, timestamp_us, language,"
      " content, source, ?2, ?2, ?3 FROM " +
      stage_ +
      " WHERE true ORDER BY employee_external_id, external_id, rowid"
      " ON CONFLICT (tenant, employee_external_id, external_id) DO UPDATE SET"
      " event_type = excluded.event_type, timestamp_us = excluded.timestamp_us,"
      " language = excluded.language, content = excluded.content, source = excluded.source,"
      " updated_at_us = excluded.updated_at_us, task_id = excluded.task_id");
  if (!upsert.ok()) return upsert.error();
  const Micros now = store_.clock().now();
  upsert->bind_text(1, task_.tenant);
  upsert->bind_int64(2, now);
  upsert->bind_text(3, task_.id);
  SKILLSYNC_TRY(upsert->run());
  const auto written = static_cast<uint64_t>(db.changes());
  upsert = Stmt();
  SKILLSYNC_TRY(db.exec("DROP TABLE " + stage_));
  {
    auto stmt = conn_->cached(
        "UPDATE tasks SET status = ?2, error_code = NULL, error_message = NULL,"
        " bytes_total = ?3, bytes_read = ?4, rows_read = ?5, rows_loaded = ?6,"
        " rows_rejected = ?7, finished_at_us = ?8, sealed_credentials = NULL,"
        " worker_id = NULL, lease_expires_at_us = NULL WHERE id = ?1");
    if (!stmt.ok()) return stmt.error();
    Stmt& s = *stmt.value();
    StmtReset reset(s);
    s.bind_text(1, task_.id);
    s.bind_text(2, to_string(status));
    bind_progress(s, 3, progress);
    s.bind_int64(8, now);
    SKILLSYNC_TRY(s.run());
  }
  SKILLSYNC_TRY(tx->commit());
  return written;
}

Status SqliteTaskWriter::discard() {
  if (closed_) return ok_status();
  closed_ = true;
  insert_row_ = Stmt();
  return drop_stage(conn_->db(), task_.id);
}

}  // namespace

Result<std::unique_ptr<TaskWriter>> SqliteStore::begin_load(const Task& task) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  Db& db = (*conn)->db();
  auto seq = [&]() -> Result<int64_t> {
    auto stmt = (*conn)->cached(
        "SELECT (SELECT count(*) FROM tasks WHERE id = ?1),"
        " (SELECT coalesce(max(seq) + 1, 0) FROM row_errors WHERE task_id = ?1)");
    if (!stmt.ok()) return stmt.error();
    Stmt& s = *stmt.value();
    StmtReset reset(s);
    s.bind_text(1, task.id);
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!row.value() || s.column_int64(0) == 0) {
      return Error{"not_found", "no task with id " + task.id};
    }
    return s.column_int64(1);
  }();
  if (!seq.ok()) return seq.error();
  const std::string stage = stage_table_name(task.id);
  // IF NOT EXISTS: rows staged by an earlier writer of the same attempt stay.
  SKILLSYNC_TRY(db.exec("CREATE TABLE IF NOT EXISTS " + stage +
                        " (employee_external_id TEXT NOT NULL, external_id TEXT NOT NULL,"
                        " event_type TEXT NOT NULL, timestamp_us INTEGER NOT NULL,"
                        " language TEXT NOT NULL, content TEXT NOT NULL, source TEXT)"));
  auto insert = db.prepare("INSERT INTO " + stage + " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!insert.ok()) return insert.error();
  return std::unique_ptr<TaskWriter>(std::make_unique<SqliteTaskWriter>(
      *this, std::move(conn).value(), task, std::move(insert).value(), seq.value()));
}

}  // namespace skillsync::store::sqlite
