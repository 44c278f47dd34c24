// PostgresStore: loading a File Load Task's rows (the hot path).
//
// Stage tables: one UNLOGGED table per task, stage_<hash of the task id>,
// rather than one shared stage table keyed by task id. Per-task tables
// carry no index, so COPY into them is a pure append; publish reads one
// table from start to end; and dropping a stage (publish, discard, finish,
// cancel) is an O(1) DROP TABLE rather than a DELETE of millions of rows
// that would leave as many dead tuples for vacuum in a shared table. The
// cost is a little DDL per load (a few catalog rows), which is negligible
// at the rate loads happen. UNLOGGED skips the WAL for rows that are
// written once and read once; a server crash empties the stages, which the
// next claim detects (tasks.staged_rows, see pg_leases.cpp) and restarts.
//
// Each staged row carries seq = its position in the file's good rows
// (tasks.staged_rows before the batch, plus its index), read under the task
// row's lock, so "the later row wins" needs no sequence object and survives
// a change of writer.
//
// Every writer is fenced: it starts every transaction by locking the
// task row and checking it still owns the running task; a claim or cancel
// of the same task waits for that lock, so nothing can slip in between the
// check and the commit.
#include <algorithm>
#include <string>

#include "store/postgres/pg_publish.hpp"
#include "store/postgres/postgres_store_impl.hpp"

namespace skillsync::store {

// This file defines members of DialectStore (store/dialect_store.hpp), in
// its namespace, with the postgres backend's names in reach.
using namespace postgres;  // NOLINT(build/namespaces)

namespace {

// COPY data is sent in pieces of about this size: memory stays bounded
// whatever the batch size.
constexpr size_t kCopyChunk = 1 << 20;

class PgTaskWriter final : public TaskWriter {
 public:
  PgTaskWriter(PgDialect& store, PooledConn conn, Task task, std::string worker_id)
      : store_(store),
        conn_(std::move(conn)),
        task_(std::move(task)),
        worker_id_(std::move(worker_id)),
        stage_(stage_table_name(task_.id)) {}

  Status stage(std::span<const schema::Event> events, std::span<const RowError> errors,
               const Checkpoint& checkpoint) override {
    SKILLSYNC_TRY(check_open());
    return stage_batch(events, errors, checkpoint);
  }
  Result<uint64_t> publish(TaskStatus status, const Progress& progress) override;
  Status discard() override;
  Result<uint64_t> count_superseded() override;
  Status finish_dry_run(TaskStatus status, const Progress& progress) override;

 private:
  const PgConn& conn() const { return *conn_; }
  Status check_open() const { return check_writer_open(closed_); }
  // Inside the caller's transaction: locks the task row and checks
  // ownership. Returns the row's staged_rows.
  Result<int64_t> lock(bool cancel_is_error) {
    SKILLSYNC_ASSIGN_OR_RETURN(auto t, check_owner(conn(), task_.id, worker_id_, cancel_is_error));
    return t.staged_rows;
  }
  Result<bool> stage_exists() const {
    auto r = conn().exec("SELECT to_regclass($1) IS NOT NULL", Params().text(stage_));
    if (!r.ok()) return r.error();
    return r->boolean(0, 0);
  }
  Status stage_batch(std::span<const schema::Event> events, std::span<const RowError> errors,
                     const Checkpoint& checkpoint);
  Status copy_events(std::span<const schema::Event> events, int64_t first_seq);
  Status copy_errors(std::span<const RowError> errors);
  // Sends buf_ once it is big enough (or when `flush`).
  Status send(bool flush) {
    if (!flush && buf_.size() < kCopyChunk) return ok_status();
    Status st = conn().copy_send(buf_);
    buf_.clear();
    return st;
  }
  Status write_task_row(size_t staged, const Checkpoint& checkpoint);
  // Distinct keys among the staged rows (0 without a stage).
  Result<uint64_t> distinct_keys();
  Status finish_closed(TaskStatus status, Progress progress, uint64_t superseded, Micros now);

  PgDialect& store_;
  PooledConn conn_;
  Task task_;
  std::string worker_id_;
  std::string stage_;
  std::string buf_;  // COPY data, reused across batches: no allocation per row
  bool closed_ = false;
};

Status PgTaskWriter::stage_batch(std::span<const schema::Event> events,
                                 std::span<const RowError> errors, const Checkpoint& checkpoint) {
  SKILLSYNC_ASSIGN_OR_RETURN(Tx tx, Tx::begin(conn()));
  auto staged = lock(true);
  if (!staged.ok()) return staged.error();
  if (!events.empty()) SKILLSYNC_TRY(copy_events(events, staged.value()));
  if (!errors.empty()) SKILLSYNC_TRY(copy_errors(errors));
  SKILLSYNC_TRY(write_task_row(events.size(), checkpoint));
  return tx.commit();
}

Status PgTaskWriter::copy_events(std::span<const schema::Event> events, int64_t first_seq) {
  // A stage dropped since the writer opened (finish_task, a cancel) comes
  // back empty; the lock taken by the caller serializes this with them.
  SKILLSYNC_TRY(conn().exec_script(
      "CREATE UNLOGGED TABLE IF NOT EXISTS " + stage_ +
      " (seq BIGINT NOT NULL, employee_external_id TEXT COLLATE \"C\" NOT NULL,"
      " external_id TEXT COLLATE \"C\" NOT NULL, event_type TEXT NOT NULL,"
      " timestamp_us BIGINT NOT NULL, language TEXT NOT NULL, content TEXT NOT NULL,"
      " source TEXT)"));
  SKILLSYNC_TRY(conn().copy_begin("COPY " + stage_ +
                                  " (seq, employee_external_id, external_id, event_type,"
                                  " timestamp_us, language, content, source) FROM STDIN"));
  buf_.clear();
  int64_t seq = first_seq;
  for (const schema::Event& e : events) {
    CopyRow(buf_)
        .int64(seq++)
        .text(e.employee_external_id)
        .text(e.external_id)
        .text(e.event_type)
        .int64(e.timestamp)
        .text(e.language)
        .text(e.content_json)
        .optional_text(e.source)
        .end();
    SKILLSYNC_TRY(send(false));
  }
  SKILLSYNC_TRY(send(true));
  return conn().copy_end();
}

Status PgTaskWriter::copy_errors(std::span<const RowError> errors) {
  // The task row is locked: no other writer numbers row errors meanwhile.
  auto next = conn().exec("SELECT coalesce(max(seq) + 1, 0) FROM row_errors WHERE task_id = $1",
                          Params().text(task_.id));
  if (!next.ok()) return next.error();
  int64_t seq = next->int64(0, 0);
  SKILLSYNC_TRY(conn().copy_begin(
      "COPY row_errors (task_id, seq, line, byte_offset, column_name, code, message, raw, file)"
      " FROM STDIN"));
  buf_.clear();
  // Row errors describe broken input: their text may hold bytes that are
  // not UTF-8 (or a raw record cut inside a character), which PostgreSQL
  // would refuse; sanitizing keeps the report instead of failing the load.
  for (const RowError& e : errors) {
    CopyRow(buf_, true)
        .text(task_.id)
        .int64(seq++)
        .int64(static_cast<int64_t>(e.line))
        .int64(static_cast<int64_t>(e.byte_offset))
        .text(e.column)
        .text(e.code)
        .text(e.message)
        .text(std::string_view(e.raw).substr(0, kMaxRowErrorRawBytes))
        .text(e.file)
        .end();
    SKILLSYNC_TRY(send(false));
  }
  SKILLSYNC_TRY(send(true));
  return conn().copy_end();
}

Status PgTaskWriter::write_task_row(size_t staged, const Checkpoint& c) {
  Params p;
  bind_progress(p.text(task_.id), c.progress).int64(static_cast<int64_t>(staged));
  bind_checkpoint(p, c);
  auto r = conn().exec(
      "UPDATE tasks SET bytes_total = $2, bytes_read = $3, rows_read = $4,"
      " rows_loaded = $5, rows_rejected = $6, rows_superseded = $7,"
      " staged_rows = staged_rows + $8, ckpt_bytes_total = $2, ckpt_bytes_read = $3,"
      " ckpt_rows_read = $4, ckpt_rows_loaded = $5, ckpt_rows_rejected = $6,"
      " ckpt_rows_superseded = $7, ckpt_byte_offset = $9, ckpt_line = $10,"
      " ckpt_batches = $11, ckpt_state = $12, header_json = $13 WHERE id = $1",
      p);
  if (!r.ok()) return r.error();
  return ok_status();
}

Result<uint64_t> PgTaskWriter::distinct_keys() {
  auto exists = stage_exists();
  if (!exists.ok()) return exists.error();
  if (!exists.value()) return uint64_t{0};
  auto r = conn().exec(
      "SELECT count(*) FROM (SELECT DISTINCT employee_external_id, external_id"
      " FROM " +
      stage_ + ") k");
  if (!r.ok()) return r.error();
  return r->uint64(0, 0);
}

Result<uint64_t> PgTaskWriter::count_superseded() {
  SKILLSYNC_TRY(check_open());
  auto staged = conn().exec("SELECT staged_rows FROM tasks WHERE id = $1", Params().text(task_.id));
  if (!staged.ok()) return staged.error();
  if (staged->rows() == 0) return task_not_found(task_.id);
  auto distinct = distinct_keys();
  if (!distinct.ok()) return distinct.error();
  return std::max(staged->uint64(0, 0), distinct.value()) - distinct.value();
}

// Ends the task inside the caller's transaction, with the stage already
// gone (or about to go in the same transaction).
Status PgTaskWriter::finish_closed(TaskStatus status, Progress progress, uint64_t superseded,
                                   Micros now) {
  progress.rows_superseded = superseded;
  auto changed = run_finish(conn(), task_.id, status, std::nullopt, progress, now);
  if (!changed.ok()) return changed.error();
  if (changed.value() == 0) return task_not_found(task_.id);
  return ok_status();
}

Result<uint64_t> PgTaskWriter::publish(TaskStatus status, const Progress& progress) {
  SKILLSYNC_TRY(check_open());
  SKILLSYNC_TRY(check_completed_status(status, "publish"));
  closed_ = true;  // even on failure: the caller finishes the task instead
  SKILLSYNC_ASSIGN_OR_RETURN(Tx tx, Tx::begin(conn()));
  auto locked = lock(true);
  if (!locked.ok()) return locked.error();
  auto staged = static_cast<uint64_t>(locked.value());
  auto exists = stage_exists();
  if (!exists.ok()) return exists.error();
  uint64_t distinct = 0;
  const Micros now = store_.clock().now();
  if (exists.value()) {
    // MERGE, or INSERT ... ON CONFLICT if a concurrent writer got in the
    // way (pg_publish.cpp).
    auto published = publish_stage(conn(), stage_, task_.tenant, task_.id, now);
    if (!published.ok()) return published.error();
    distinct = published->distinct;
    SKILLSYNC_TRY(conn().exec_script("DROP TABLE " + stage_));
  }
  staged = std::max(staged, distinct);
  SKILLSYNC_TRY(finish_closed(status, progress, staged - distinct, now));
  SKILLSYNC_TRY(tx.commit());
  return staged;
}

Status PgTaskWriter::discard() {
  if (closed_) return ok_status();
  closed_ = true;
  SKILLSYNC_ASSIGN_OR_RETURN(Tx tx, Tx::begin(conn()));
  // A writer that lost its lease must not drop the new owner's stage.
  SKILLSYNC_TRY(check_owner(conn(), task_.id, worker_id_, false));
  SKILLSYNC_TRY(drop_stage(conn(), task_.id));
  // The stage and the checkpoint always go together.
  SKILLSYNC_TRY(conn().exec("UPDATE tasks SET staged_rows = 0, " SKILLSYNC_CLEAR_CHECKPOINT
                            " WHERE id = $1",
                            Params().text(task_.id)));
  return tx.commit();
}

Status PgTaskWriter::finish_dry_run(TaskStatus status, const Progress& progress) {
  SKILLSYNC_TRY(check_open());
  SKILLSYNC_TRY(check_completed_status(status, "finish_dry_run"));
  closed_ = true;
  SKILLSYNC_ASSIGN_OR_RETURN(Tx tx, Tx::begin(conn()));
  auto locked = lock(true);
  if (!locked.ok()) return locked.error();
  auto distinct = distinct_keys();
  if (!distinct.ok()) return distinct.error();
  const uint64_t staged = std::max(static_cast<uint64_t>(locked.value()), distinct.value());
  SKILLSYNC_TRY(drop_stage(conn(), task_.id));
  SKILLSYNC_TRY(finish_closed(status, progress, staged - distinct.value(), store_.clock().now()));
  return tx.commit();
}

}  // namespace

template <>
Result<std::unique_ptr<TaskWriter>> PgDialect::begin_load(const Task& task,
                                                          std::string_view worker_id) {
  SKILLSYNC_ASSIGN_OR_RETURN(PooledConn conn, pool_.acquire());
  // Checked now so a lost or missing task fails early; every write checks
  // again. The stage table itself is made by the first batch with rows.
  SKILLSYNC_TRY(check_owner(*conn, task.id, worker_id, false));
  return std::unique_ptr<TaskWriter>(
      std::make_unique<PgTaskWriter>(*this, std::move(conn), task, std::string(worker_id)));
}

}  // namespace skillsync::store
