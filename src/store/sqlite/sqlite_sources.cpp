// SqliteStore: recording the ledger of recurring sources and their tasks
// (store/sources.hpp; the rest, claims included: store/sql_store.hpp).
//
// Exactly-once: source_files is UNIQUE (source_id, key, etag), and every
// write that records a file runs under BEGIN IMMEDIATE (the database's one
// write lock), so "is it recorded? else record it and create its task" is
// one atomic step.
#include <string>

#include "store/cursor.hpp"
#include "store/row_mapping.hpp"
#include "store/row_params.hpp"
#include "store/sqlite/sqlite_store_impl.hpp"

namespace skillsync::store {

// This file defines members of DialectStore (store/dialect_store.hpp), in
// its namespace, with the sqlite backend's names in reach.
using namespace sqlite;  // NOLINT(build/namespaces)

namespace {

// The ledger row (source_id, key, etag), if recorded.
Result<std::optional<SourceFile>> find_file(Connection& conn, const SourceFile& f) {
  SKILLSYNC_ASSIGN_OR_RETURN(Query s,
                             conn.query("SELECT " SKILLSYNC_SOURCE_FILE_COLUMNS
                                        " FROM source_files f LEFT JOIN tasks t ON t.id = f.task_id"
                                        " WHERE f.source_id = ?1 AND f.key = ?2 AND f.etag = ?3"));
  s.text(f.source_id).text(f.key).text(f.etag);
  return s.one<SourceFile>([](const Row& r) { return read_source_file(r).file; });
}

Status insert_file(Connection& conn, const SourceFile& f) {
  SKILLSYNC_ASSIGN_OR_RETURN(
      Query s,
      conn.query(
          "INSERT INTO source_files (source_id, key, etag, size, last_modified_us, first_seen_us,"
          " task_id, skip_reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
  return bind_source_file(s, f).run();
}

}  // namespace

template <>
Result<RecordedFile> SqliteDialect::record_file_and_create_task(const SourceFile& file,
                                                                const Task& task) {
  SKILLSYNC_ASSIGN_OR_RETURN(PooledConnection conn, pool_.acquire());
  SKILLSYNC_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(conn->db()));
  auto existing = find_file(*conn, file);
  if (!existing.ok()) return existing.error();
  if (existing->has_value()) return RecordedFile{std::move(**existing), false};
  const Micros now = clock_.now();
  SourceFile row = file;
  if (row.first_seen == 0) row.first_seen = now;
  if (!task.id.empty()) {
    row.task_id = task.id;
    SKILLSYNC_TRY(insert_task(*conn, task, task.created_at != 0 ? task.created_at : now));
  }
  SKILLSYNC_TRY(insert_file(*conn, row));
  SKILLSYNC_TRY(tx.commit());
  return RecordedFile{std::move(row), true};
}

}  // namespace skillsync::store
