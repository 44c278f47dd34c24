// SqliteStore: loading a File Load Task's rows (the hot path).
//
// Each task stages its good rows in its own table, stage_<hex of task id>:
// no index, so a batch is an append of pages. publish() upserts the whole
// table into events in one statement and one transaction, so readers see
// nothing of a load until all of it is there.
//
// Every writer is fenced: it starts every transaction with
// check_owner(): BEGIN IMMEDIATE holds the write lock from there to COMMIT,
// so no claim or cancel can slip in between the check and the write.
#include <algorithm>
#include <string>

#include "store/sqlite/sqlite_store_impl.hpp"

namespace skillsync::store::sqlite {
namespace {

class SqliteTaskWriter final : public TaskWriter {
 public:
  SqliteTaskWriter(SqliteStore& store, PooledConnection conn, Task task, std::string worker_id,
                   Stmt insert_row, int64_t next_seq)
      : store_(store),
        conn_(std::move(conn)),
        task_(std::move(task)),
        worker_id_(std::move(worker_id)),
        stage_(stage_table_name(task_.id)),
        insert_row_(std::move(insert_row)),
        next_seq_(next_seq) {}

  Status stage(std::span<const schema::Event> events, std::span<const RowError> errors,
               const Checkpoint& checkpoint) override;
  Result<uint64_t> publish(TaskStatus status, const Progress& progress) override;
  Status discard() override;
  Result<uint64_t> count_superseded() override;
  Status finish_dry_run(TaskStatus status, const Progress& progress) override;

 private:
  Status check_open() const { return check_writer_open(closed_); }
  // Inside the caller's transaction.
  Status check_fence(bool cancel_is_error) {
    return check_owner(*conn_, task_.id, worker_id_, cancel_is_error);
  }
  // Closes the writer: a statement on the stage table would block DROP TABLE.
  void close() {
    closed_ = true;
    insert_row_ = Stmt();
  }
  Status stage_batch(std::span<const schema::Event> events, std::span<const RowError> errors,
                     const Checkpoint& checkpoint);
  Status insert_errors(std::span<const RowError> errors);
  Status write_task_row(size_t staged, const Checkpoint& checkpoint);
  // Rows in the stage and distinct keys among them.
  Result<std::pair<uint64_t, uint64_t>> stage_counts();
  Status finish_closed(TaskStatus status, Progress progress, uint64_t superseded, Micros now);

  SqliteStore& store_;
  PooledConnection conn_;
  Task task_;
  std::string worker_id_;
  std::string stage_;
  Stmt insert_row_;   // INSERT INTO the stage table; finalized before it is dropped
  int64_t next_seq_;  // seq of the next row error; row errors keep file order
  bool closed_ = false;
};

Status SqliteTaskWriter::stage(std::span<const schema::Event> events,
                               std::span<const RowError> errors, const Checkpoint& checkpoint) {
  SKILLSYNC_TRY(check_open());
  const int64_t first_seq = next_seq_;
  Status st = stage_batch(events, errors, checkpoint);
  if (!st.ok()) next_seq_ = first_seq;  // the batch's transaction rolled back
  return st;
}

Status SqliteTaskWriter::stage_batch(std::span<const schema::Event> events,
                                     std::span<const RowError> errors,
                                     const Checkpoint& checkpoint) {
  Db& db = conn_->db();
  SKILLSYNC_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db));
  SKILLSYNC_TRY(check_fence(true));
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
  SKILLSYNC_TRY(write_task_row(events.size(), checkpoint));
  return tx.commit();
}

Status SqliteTaskWriter::insert_errors(std::span<const RowError> errors) {
  if (errors.empty()) return ok_status();
  // Bound without copies, and reset after every row (like the stage's rows).
  SKILLSYNC_ASSIGN_OR_RETURN(
      Stmt * s, conn_->cached("INSERT INTO row_errors"
                              " (task_id, seq, line, byte_offset, column_name, code, message, raw,"
                              " file) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
  for (const RowError& e : errors) {
    s->bind_text_static(1, task_.id);
    s->bind_int64(2, next_seq_);
    s->bind_int64(3, static_cast<int64_t>(e.line));
    s->bind_int64(4, static_cast<int64_t>(e.byte_offset));
    s->bind_text_static(5, e.column);
    s->bind_text_static(6, e.code);
    s->bind_text_static(7, e.message);
    s->bind_text_static(8, std::string_view(e.raw).substr(0, kMaxRowErrorRawBytes));
    s->bind_text_static(9, e.file);
    const int rc = sqlite3_step(s->get());
    sqlite3_reset(s->get());
    if (rc != SQLITE_DONE) return db_error(conn_->db().get(), "storing a row error failed");
    ++next_seq_;
  }
  return ok_status();
}

Status SqliteTaskWriter::write_task_row(size_t staged, const Checkpoint& c) {
  SKILLSYNC_ASSIGN_OR_RETURN(
      Query s, conn_->query("UPDATE tasks SET bytes_total = ?2, bytes_read = ?3, rows_read = ?4,"
                            " rows_loaded = ?5, rows_rejected = ?6, rows_superseded = ?7,"
                            " staged_rows = staged_rows + ?8, ckpt_bytes_total = ?2,"
                            " ckpt_bytes_read = ?3, ckpt_rows_read = ?4, ckpt_rows_loaded = ?5,"
                            " ckpt_rows_rejected = ?6, ckpt_rows_superseded = ?7,"
                            " ckpt_byte_offset = ?9, ckpt_line = ?10, ckpt_batches = ?11,"
                            " ckpt_state = ?12, header_json = ?13 WHERE id = ?1"));
  bind_progress(s.text(task_.id), c.progress).int64(static_cast<int64_t>(staged));
  bind_checkpoint(s, c);
  return s.run();
}

Result<std::pair<uint64_t, uint64_t>> SqliteTaskWriter::stage_counts() {
  // staged_rows is kept by stage(), so only the distinct keys need the
  // stage itself: a sort of the two key columns.
  auto stmt = conn_->db().prepare(
      "SELECT (SELECT staged_rows FROM tasks WHERE id = ?1),"
      " (SELECT count(*) FROM (SELECT 1 FROM " +
      stage_ + " GROUP BY employee_external_id, external_id))");
  if (!stmt.ok()) return stmt.error();
  stmt->bind_text(1, task_.id);
  auto row = stmt->step();
  if (!row.ok()) return row.error();
  if (!row.value()) return Error{"storage_error", "counting the stage returned no row"};
  const auto distinct = static_cast<uint64_t>(stmt->column_int64(1));
  // A stage written before staged_rows existed counts 0: never report less
  // than what is there.
  const uint64_t staged = std::max(static_cast<uint64_t>(stmt->column_int64(0)), distinct);
  return std::make_pair(staged, distinct);
}

Result<uint64_t> SqliteTaskWriter::count_superseded() {
  SKILLSYNC_TRY(check_open());
  auto counts = stage_counts();
  if (!counts.ok()) return counts.error();
  return counts->first - counts->second;
}

// Ends the task inside the caller's transaction, with the stage already
// gone (or about to go in the same transaction).
Status SqliteTaskWriter::finish_closed(TaskStatus status, Progress progress, uint64_t superseded,
                                       Micros now) {
  progress.rows_superseded = superseded;
  auto changed = run_finish(*conn_, "UPDATE tasks SET " SKILLSYNC_FINISH_SET " WHERE id = ?1",
                            task_.id, status, std::nullopt, progress, now);
  if (!changed.ok()) return changed.error();
  if (changed.value() == 0) return task_not_found(task_.id);
  return ok_status();
}

Result<uint64_t> SqliteTaskWriter::publish(TaskStatus status, const Progress& progress) {
  SKILLSYNC_TRY(check_open());
  SKILLSYNC_TRY(check_completed_status(status, "publish"));
  Db& db = conn_->db();
  close();  // even on failure: the caller finishes the task instead
  SKILLSYNC_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db));
  SKILLSYNC_TRY(check_fence(true));
  uint64_t staged = 0;
  {
    SKILLSYNC_ASSIGN_OR_RETURN(Query s,
                               conn_->query("SELECT staged_rows FROM tasks WHERE id = ?1"));
    SKILLSYNC_ASSIGN_OR_RETURN(
        auto n, s.text(task_.id).one<uint64_t>([](const Row& r) { return r.uint64(0); }));
    if (!n) return task_not_found(task_.id);
    staged = *n;
  }
  // Only the file's last row of each key is applied. GROUP BY sorts the
  // stage by key, which turns the b-tree inserts into appends; with
  // max(rowid) as the only aggregate, SQLite takes the other (bare) columns
  // from the row holding that maximum, i.e. the last one staged. Every
  // change is then one distinct key, and rows_superseded costs no extra pass.
  // WHERE true resolves SQLite's parsing ambiguity between a join's ON and
  // the upsert's ON CONFLICT.
  auto upsert = db.prepare(
      "INSERT INTO events (tenant, employee_external_id, external_id, event_type, timestamp_us,"
      " language, content, source, created_at_us, updated_at_us, task_id)"
      " SELECT ?1, employee_external_id, external_id, event_type, timestamp_us, language,"
      " content, source, ?2, ?2, ?3 FROM (SELECT employee_external_id, external_id, event_type,"
      " timestamp_us, language, content, source, max(rowid) FROM " +
      stage_ +
      " GROUP BY employee_external_id, external_id) WHERE true"
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
  const auto distinct = static_cast<uint64_t>(db.changes());
  upsert = Stmt();
  // A stage written before staged_rows existed counts 0.
  staged = std::max(staged, distinct);
  SKILLSYNC_TRY(db.exec("DROP TABLE " + stage_));
  // finished_at is when the rows became visible, not when publishing began.
  SKILLSYNC_TRY(finish_closed(status, progress, staged - distinct, store_.clock().now()));
  SKILLSYNC_TRY(tx.commit());
  truncate_wal_after_erase(db);
  return staged;
}

Status SqliteTaskWriter::discard() {
  if (closed_) return ok_status();
  close();
  Db& db = conn_->db();
  SKILLSYNC_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db));
  // A writer that lost its lease must not drop the new owner's stage.
  SKILLSYNC_TRY(check_fence(false));
  SKILLSYNC_TRY(drop_stage(db, task_.id));
  // The stage and the checkpoint always go together.
  {
    SKILLSYNC_ASSIGN_OR_RETURN(
        Query s, conn_->query("UPDATE tasks SET staged_rows = 0, " SKILLSYNC_CLEAR_CHECKPOINT
                              " WHERE id = ?1"));
    SKILLSYNC_TRY(s.text(task_.id).run());
  }  // reset before the commit
  return tx.commit();
}

Status SqliteTaskWriter::finish_dry_run(TaskStatus status, const Progress& progress) {
  SKILLSYNC_TRY(check_open());
  SKILLSYNC_TRY(check_completed_status(status, "finish_dry_run"));
  Db& db = conn_->db();
  close();
  SKILLSYNC_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db));
  SKILLSYNC_TRY(check_fence(true));
  auto counts = stage_counts();
  if (!counts.ok()) return counts.error();
  SKILLSYNC_TRY(db.exec("DROP TABLE " + stage_));
  SKILLSYNC_TRY(
      finish_closed(status, progress, counts->first - counts->second, store_.clock().now()));
  SKILLSYNC_TRY(tx.commit());
  truncate_wal_after_erase(db);
  return ok_status();
}

}  // namespace

Result<std::unique_ptr<TaskWriter>> SqliteStore::begin_load(const Task& task,
                                                            std::string_view worker_id) {
  SKILLSYNC_ASSIGN_OR_RETURN(PooledConnection conn, pool_.acquire());
  Db& db = conn->db();
  SKILLSYNC_TRY(check_owner(*conn, task.id, worker_id, false));
  auto seq = [&]() -> Result<int64_t> {
    SKILLSYNC_ASSIGN_OR_RETURN(
        Query s,
        conn->query("SELECT (SELECT count(*) FROM tasks WHERE id = ?1),"
                    " (SELECT coalesce(max(seq) + 1, 0) FROM row_errors WHERE task_id = ?1)"));
    s.text(task.id);
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!row.value() || s.row().int64(0) == 0) return task_not_found(task.id);
    return s.row().int64(1);
  }();
  if (!seq.ok()) return seq.error();
  const std::string stage = stage_table_name(task.id);
  // IF NOT EXISTS: rows staged by an earlier writer (up to the checkpoint) stay.
  SKILLSYNC_TRY(db.exec("CREATE TABLE IF NOT EXISTS " + stage +
                        " (employee_external_id TEXT NOT NULL, external_id TEXT NOT NULL,"
                        " event_type TEXT NOT NULL, timestamp_us INTEGER NOT NULL,"
                        " language TEXT NOT NULL, content TEXT NOT NULL, source TEXT)"));
  auto insert = db.prepare("INSERT INTO " + stage + " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!insert.ok()) return insert.error();
  return std::unique_ptr<TaskWriter>(
      std::make_unique<SqliteTaskWriter>(*this, std::move(conn), task, std::string(worker_id),
                                         std::move(insert).value(), seq.value()));
}

}  // namespace skillsync::store::sqlite
