// PostgresStore: the checks of "per_check" sources, whose new files load as
// one task (store/sources.hpp; the task's objects are read by SqlStore).
//
// Exactly-once across processes as for one file (pg_sources.cpp): each
// ledger row is inserted with ON CONFLICT DO NOTHING in the transaction
// that creates the task and its objects, so of two processes recording one
// file the second waits on the unique index until the first commits, then
// leaves it out. Files are inserted in key order by every caller, so two
// such transactions never wait on each other in a cycle.
#include "store/postgres/postgres_store_impl.hpp"
#include "store/row_params.hpp"

namespace skillsync::store {

// This file defines members of DialectStore (store/dialect_store.hpp), in
// its namespace, with the postgres backend's names in reach.
using namespace postgres;  // NOLINT(build/namespaces)

template <>
Result<std::vector<SourceFile>> PgDialect::record_files_and_create_task(
    const std::vector<SourceFile>& files, const Task& task) {
  return pool_.transact([&](const PgConn& c) -> Result<std::vector<SourceFile>> {
    const Micros now = clock_.now();
    std::vector<SourceFile> recorded;
    for (const SourceFile& file : files) {
      SourceFile row = batch_file_row(file, task.id, now);
      Params p;
      SKILLSYNC_ASSIGN_OR_RETURN(PgResult r,
                                 c.exec("INSERT INTO source_files (source_id, key, etag, size,"
                                        " last_modified_us, first_seen_us, task_id, skip_reason)"
                                        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                                        " ON CONFLICT (source_id, key, etag) DO NOTHING",
                                        bind_source_file(p, row)));
      if (r.affected() > 0) recorded.push_back(std::move(row));
    }
    if (recorded.empty()) return recorded;  // nothing was written: no task
    Params t;
    bind_task(t, task, task.created_at != 0 ? task.created_at : now);
    SKILLSYNC_TRY(c.exec(SKILLSYNC_PG_INSERT_TASK, t));
    for (size_t i = 0; i < recorded.size(); ++i) {
      Params p;
      SKILLSYNC_TRY(
          c.exec("INSERT INTO task_objects (task_id, position, key, etag, size)"
                 " VALUES ($1, $2, $3, $4, $5)",
                 bind_task_object(p, task.id, i, recorded[i])));
    }
    SKILLSYNC_TRY(notify_tasks(c));
    return recorded;
  });
}

}  // namespace skillsync::store
