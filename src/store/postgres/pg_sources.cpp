// PostgresStore: recording the ledger of recurring sources and their tasks
// (store/sources.hpp; the rest, claims included: store/sql_store.hpp).
//
// Exactly-once across processes: source_files is UNIQUE (source_id, key,
// etag); record_file_and_create_task inserts the ledger row with ON
// CONFLICT DO NOTHING and creates the task in the same transaction, so of
// two processes recording one file, the second waits on the unique index
// until the first commits and then inserts nothing.
#include <string>

#include "store/cursor.hpp"
#include "store/postgres/postgres_store_impl.hpp"
#include "store/row_mapping.hpp"
#include "store/row_params.hpp"

namespace skillsync::store {

// This file defines members of DialectStore (store/dialect_store.hpp), in
// its namespace, with the postgres backend's names in reach.
using namespace postgres;  // NOLINT(build/namespaces)

namespace {

#define SKILLSYNC_PG_FIND_FILE                                 \
  "SELECT " SKILLSYNC_SOURCE_FILE_COLUMNS                      \
  " FROM source_files f LEFT JOIN tasks t ON t.id = f.task_id" \
  " WHERE f.source_id = $1 AND f.key = $2 AND f.etag = $3"

}  // namespace

template <>
Result<RecordedFile> PgDialect::record_file_and_create_task(const SourceFile& file,
                                                            const Task& task) {
  return pool_.transact([&](const PgConn& c) -> Result<RecordedFile> {
    const Micros now = clock_.now();
    SourceFile row = file;
    if (row.first_seen == 0) row.first_seen = now;
    if (!task.id.empty()) row.task_id = task.id;
    Params file_params;
    SKILLSYNC_ASSIGN_OR_RETURN(
        PgResult ins,
        c.exec("INSERT INTO source_files (source_id, key, etag, size, last_modified_us,"
               " first_seen_us, task_id, skip_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
               " ON CONFLICT (source_id, key, etag) DO NOTHING",
               bind_source_file(file_params, row)));
    if (ins.affected() == 0) {
      SKILLSYNC_ASSIGN_OR_RETURN(
          PgResult r, c.exec(SKILLSYNC_PG_FIND_FILE,
                             Params().text(file.source_id).text(file.key).text(file.etag)));
      if (r.rows() == 0) return Error{Errc::kStorageBusy, "the ledger row changed; retry"};
      return RecordedFile{read_source_file(PgRow(r, 0)).file, false};
    }
    if (!task.id.empty()) {
      Params p;
      bind_task(p, task, task.created_at != 0 ? task.created_at : now);
      SKILLSYNC_TRY(c.exec(SKILLSYNC_PG_INSERT_TASK, p));
      SKILLSYNC_TRY(notify_tasks(c));
    }
    return RecordedFile{std::move(row), true};
  });
}

}  // namespace skillsync::store
