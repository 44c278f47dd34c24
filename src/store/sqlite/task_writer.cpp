// SqliteStore: loading a File Load Task's rows (the hot path).
//
// stage() sorts each batch by key in the process and appends it as one run
// to the task's run file (stage_files.hpp, store/runs), recording the file's
// new length, run count and CRC with the checkpoint and the row errors in
// one transaction. publish() merges the runs (the last row of a key wins)
// and upserts them into events in key order in one transaction, so readers
// see nothing of a load until all of it is there; the file goes after the
// commit.
//
// Every writer is fenced: it starts every transaction with
// check_owner(): BEGIN IMMEDIATE holds the write lock from there to COMMIT,
// so no claim or cancel can slip in between the check and the write, and
// only the task's owner ever writes its run file.
#include <algorithm>
#include <string>
#include <vector>

#include "store/runs/run_format.hpp"
#include "store/sqlite/sqlite_store_impl.hpp"
#include "store/sqlite/stage_files.hpp"

namespace skillsync::store {

// This file defines members of DialectStore (store/dialect_store.hpp), in
// its namespace, with the sqlite backend's names in reach.
using namespace sqlite;  // NOLINT(build/namespaces)

namespace {

class SqliteTaskWriter final : public TaskWriter {
 public:
  SqliteTaskWriter(SqliteDialect& store, PooledConnection conn, Task task, std::string worker_id,
                   StageFile file, int64_t next_seq)
      : store_(store),
        conn_(std::move(conn)),
        task_(std::move(task)),
        worker_id_(std::move(worker_id)),
        file_(std::move(file)),
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
  void close() { closed_ = true; }
  Status stage_batch(std::span<const RowError> errors, size_t staged, const Checkpoint& checkpoint);
  Status insert_errors(std::span<const RowError> errors);
  Status write_task_row(size_t staged, const runs::FileState& file, const Checkpoint& checkpoint);
  // The stage as the row records it, inside the caller's transaction.
  Result<StageRecord> stage_record();
  // Rows in the stage and distinct keys among them.
  Result<std::pair<uint64_t, uint64_t>> stage_counts(const StageRecord& rec);
  Status finish_closed(TaskStatus status, Progress progress, uint64_t superseded, Micros now);

  SqliteDialect& store_;
  PooledConnection conn_;
  Task task_;
  std::string worker_id_;
  StageFile file_;
  int64_t next_seq_;  // seq of the next row error; row errors keep file order
  bool closed_ = false;
  std::string run_;              // the batch's run, encoded; reused
  std::vector<uint32_t> order_;  // the batch's sort permutation; reused
};

Status SqliteTaskWriter::stage(std::span<const schema::Event> events,
                               std::span<const RowError> errors, const Checkpoint& checkpoint) {
  SKILLSYNC_TRY(check_open());
  // Sorted and encoded before the write lock is taken.
  run_.clear();
  if (!events.empty()) runs::encode_run(events, run_, order_);
  const int64_t first_seq = next_seq_;
  Status st = stage_batch(errors, events.size(), checkpoint);
  if (!st.ok()) next_seq_ = first_seq;  // the batch's transaction rolled back
  return st;
}

Status SqliteTaskWriter::stage_batch(std::span<const RowError> errors, size_t staged,
                                     const Checkpoint& checkpoint) {
  Db& db = conn_->db();
  SKILLSYNC_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db));
  SKILLSYNC_TRY(check_fence(true));
  SKILLSYNC_ASSIGN_OR_RETURN(StageRecord rec, stage_record());
  if (!rec.file) return Error{"storage_error", "the task's stage was written by an older version"};
  runs::FileState file = *rec.file;
  // Written after the fence, at the recorded end: bytes of a batch that
  // never committed are overwritten.
  if (!run_.empty()) {
    SKILLSYNC_TRY(file_.write_at(file.bytes, run_));
    file = runs::extend(file, run_);
  }
  SKILLSYNC_TRY(insert_errors(errors));
  SKILLSYNC_TRY(write_task_row(staged, file, checkpoint));
  return tx.commit();
}

Status SqliteTaskWriter::insert_errors(std::span<const RowError> errors) {
  if (errors.empty()) return ok_status();
  // Bound without copies, and reset after every row.
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

Status SqliteTaskWriter::write_task_row(size_t staged, const runs::FileState& file,
                                        const Checkpoint& c) {
  SKILLSYNC_ASSIGN_OR_RETURN(
      Query s, conn_->query("UPDATE tasks SET bytes_total = ?2, bytes_read = ?3, rows_read = ?4,"
                            " rows_loaded = ?5, rows_rejected = ?6, rows_superseded = ?7,"
                            " staged_rows = staged_rows + ?8, ckpt_bytes_total = ?2,"
                            " ckpt_bytes_read = ?3, ckpt_rows_read = ?4, ckpt_rows_loaded = ?5,"
                            " ckpt_rows_rejected = ?6, ckpt_rows_superseded = ?7,"
                            " ckpt_byte_offset = ?9, ckpt_line = ?10, ckpt_batches = ?11,"
                            " ckpt_state = ?12, header_json = ?13, stage_bytes = ?14,"
                            " stage_runs = ?15, stage_crc = ?16 WHERE id = ?1"));
  bind_progress(s.text(task_.id), c.progress).int64(static_cast<int64_t>(staged));
  bind_checkpoint(s, c);
  s.int64(static_cast<int64_t>(file.bytes)).int64(static_cast<int64_t>(file.runs)).int64(file.crc);
  return s.run();
}

Result<StageRecord> SqliteTaskWriter::stage_record() { return read_stage_record(*conn_, task_.id); }

Result<std::pair<uint64_t, uint64_t>> SqliteTaskWriter::stage_counts(const StageRecord& rec) {
  if (!rec.file) return Error{"storage_error", "the task's stage was written by an older version"};
  SKILLSYNC_ASSIGN_OR_RETURN(uint64_t distinct, count_distinct_keys(file_, *rec.file));
  return std::make_pair(std::max(rec.staged_rows, distinct), distinct);
}

Result<uint64_t> SqliteTaskWriter::count_superseded() {
  SKILLSYNC_TRY(check_open());
  SKILLSYNC_ASSIGN_OR_RETURN(StageRecord rec, stage_record());
  SKILLSYNC_ASSIGN_OR_RETURN(auto counts, stage_counts(rec));
  return counts.first - counts.second;
}

// Ends the task inside the caller's transaction.
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
  SKILLSYNC_ASSIGN_OR_RETURN(StageRecord rec, stage_record());
  if (!rec.file) return Error{"storage_error", "the task's stage was written by an older version"};
  // Only the file's last row of each key is written, in key order, so every
  // change is one distinct key and rows_superseded costs no extra pass.
  SKILLSYNC_ASSIGN_OR_RETURN(uint64_t distinct,
                             merge_into_events(db, file_, *rec.file, task_, store_.clock().now()));
  const uint64_t staged = std::max(rec.staged_rows, distinct);
  // finished_at is when the rows became visible, not when publishing began.
  SKILLSYNC_TRY(finish_closed(status, progress, staged - distinct, store_.clock().now()));
  SKILLSYNC_TRY(tx.commit());
  // The task is finished: nobody writes its run file again. A crash before
  // this line leaves it to remove_stale_stage_files().
  (void)remove_stage_file(db, task_.id);
  truncate_wal_after_erase(db);
  // The publish filled this connection's page cache (cache_size) with clean
  // pages; handing them back keeps a process that publishes on several
  // pooled connections at one cache's worth, not one per connection.
  sqlite3_db_release_memory(db.get());
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
  SKILLSYNC_ASSIGN_OR_RETURN(StageRecord rec, stage_record());
  SKILLSYNC_ASSIGN_OR_RETURN(auto counts, stage_counts(rec));
  SKILLSYNC_TRY(
      finish_closed(status, progress, counts.first - counts.second, store_.clock().now()));
  SKILLSYNC_TRY(tx.commit());
  (void)remove_stage_file(db, task_.id);
  truncate_wal_after_erase(db);
  return ok_status();
}

}  // namespace

template <>
Result<std::unique_ptr<TaskWriter>> SqliteDialect::begin_load(const Task& task,
                                                              std::string_view worker_id) {
  SKILLSYNC_ASSIGN_OR_RETURN(PooledConnection conn, pool_.acquire());
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
  // Rows staged by an earlier writer (up to the checkpoint) stay; bytes past
  // it (a batch that never committed) are cut. The claim has checked the
  // file (check_resumed_stage).
  SKILLSYNC_ASSIGN_OR_RETURN(StageRecord rec, read_stage_record(*conn, task.id));
  if (!rec.file) return Error{"storage_error", "the task's stage was written by an older version"};
  SKILLSYNC_ASSIGN_OR_RETURN(StageFile file, StageFile::open(conn->db(), task.id, rec.file->bytes));
  return std::unique_ptr<TaskWriter>(std::make_unique<SqliteTaskWriter>(
      *this, std::move(conn), task, std::string(worker_id), std::move(file), seq.value()));
}

}  // namespace skillsync::store
