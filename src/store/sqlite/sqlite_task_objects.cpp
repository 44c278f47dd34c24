// SqliteStore: the checks of "per_check" sources, whose new files load as
// one task (store/sources.hpp; the task's objects are read by SqlStore).
//
// Exactly-once as for one file (sqlite_sources.cpp): the ledger rows, the
// task and its objects are written in one BEGIN IMMEDIATE transaction, and
// a (source, key, etag) already in the ledger is left out (ON CONFLICT DO
// NOTHING on the ledger's UNIQUE key), so a repeated check records nothing
// twice and a crash leaves either all of a check's batch or none of it.
#include "store/row_params.hpp"
#include "store/sqlite/sqlite_store_impl.hpp"

namespace skillsync::store {

// This file defines members of DialectStore (store/dialect_store.hpp), in
// its namespace, with the sqlite backend's names in reach.
using namespace sqlite;  // NOLINT(build/namespaces)

template <>
Result<std::vector<SourceFile>> SqliteDialect::record_files_and_create_task(
    const std::vector<SourceFile>& files, const Task& task) {
  SKILLSYNC_ASSIGN_OR_RETURN(PooledConnection conn, pool_.acquire());
  SKILLSYNC_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(conn->db()));
  const Micros now = clock_.now();
  std::vector<SourceFile> recorded;
  for (const SourceFile& file : files) {
    SourceFile row = batch_file_row(file, task.id, now);
    SKILLSYNC_ASSIGN_OR_RETURN(Query s,
                               conn->query("INSERT INTO source_files (source_id, key, etag, size,"
                                           " last_modified_us, first_seen_us, task_id, skip_reason)"
                                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                                           " ON CONFLICT (source_id, key, etag) DO NOTHING"));
    SKILLSYNC_TRY(bind_source_file(s, row).run());
    if (conn->db().changes() > 0) recorded.push_back(std::move(row));
  }
  if (recorded.empty()) return recorded;  // the transaction rolls back: nothing written
  SKILLSYNC_TRY(insert_task(*conn, task, task.created_at != 0 ? task.created_at : now));
  for (size_t i = 0; i < recorded.size(); ++i) {
    SKILLSYNC_ASSIGN_OR_RETURN(
        Query s, conn->query("INSERT INTO task_objects (task_id, position, key, etag, size)"
                             " VALUES (?1, ?2, ?3, ?4, ?5)"));
    SKILLSYNC_TRY(bind_task_object(s, task.id, i, recorded[i]).run());
  }
  SKILLSYNC_TRY(tx.commit());
  return recorded;
}

}  // namespace skillsync::store
