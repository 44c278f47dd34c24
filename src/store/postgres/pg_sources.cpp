// PostgresStore: recurring sources and their ledger (store/sources.hpp).
//
// Exactly-once across processes: source_files is UNIQUE (source_id, key,
// etag); record_file_and_create_task inserts the ledger row with ON
// CONFLICT DO NOTHING and creates the task in the same transaction, so of
// two processes recording one file, the second waits on the unique index
// until the first commits and then inserts nothing. Claims pick a due
// source with FOR UPDATE SKIP LOCKED, so concurrent claims never block on
// or take the same source.
#include <string>

#include "store/cursor.hpp"
#include "store/postgres/postgres_store_impl.hpp"
#include "store/row_mapping.hpp"
#include "store/row_params.hpp"

namespace skillsync::store::postgres {
namespace {

#define SKILLSYNC_PG_FIND_FILE                                 \
  "SELECT " SKILLSYNC_SOURCE_FILE_COLUMNS                      \
  " FROM source_files f LEFT JOIN tasks t ON t.id = f.task_id" \
  " WHERE f.source_id = $1 AND f.key = $2 AND f.etag = $3"

}  // namespace

Result<std::optional<Source>> PostgresStore::claim_due_source(std::string_view owner, Micros now,
                                                              Micros lease_duration) {
  SKILLSYNC_TRY(check_claim(owner, lease_duration));
  SKILLSYNC_ASSIGN_OR_RETURN(
      PgResult r,
      pool_.exec(
          "UPDATE sources SET lease_owner = $1, lease_expires_at_us = $3, next_check_at_us = NULL"
          " WHERE id = (SELECT id FROM sources WHERE status = 'active'"
          " AND (next_check_at_us IS NULL OR next_check_at_us <= $2)"
          " AND (lease_expires_at_us IS NULL OR lease_expires_at_us < $2)"
          " ORDER BY next_check_at_us, id LIMIT 1 FOR UPDATE SKIP LOCKED)"
          " RETURNING " SKILLSYNC_SOURCE_COLUMNS,
          Params().text(owner).int64(now).int64(now + lease_duration)));
  return r.one<Source>(read_source<PgRow>);
}

Status PostgresStore::finish_source_check(std::string_view source_id, std::string_view owner,
                                          const SourceCheckResult& res) {
  Params p;
  p.text(source_id).text(owner).int64(res.checked_at).int64(res.next_check_at);
  p.optional_text(res.error);
  SKILLSYNC_ASSIGN_OR_RETURN(
      PgResult r, pool_.exec("UPDATE sources SET last_check_at_us = $3, lease_owner = '',"
                             " next_check_at_us = CASE WHEN next_check_at_us IS NULL THEN $4"
                             " ELSE least(next_check_at_us, $4) END,"
                             " lease_expires_at_us = NULL,"
                             " status = CASE WHEN $5::text IS NULL THEN status ELSE 'error' END,"
                             " last_error = coalesce($5, last_error)"
                             " WHERE id = $1 AND lease_owner = $2",
                             p));
  if (r.affected() == 0) return source_lease_lost(source_id);
  return ok_status();
}

Result<RecordedFile> PostgresStore::record_file_and_create_task(const SourceFile& file,
                                                                const Task& task) {
  SKILLSYNC_ASSIGN_OR_RETURN(PooledConn conn, pool_.acquire());
  const PgConn& c = *conn;
  SKILLSYNC_ASSIGN_OR_RETURN(Tx tx, Tx::begin(c));
  const Micros now = clock_.now();
  SourceFile row = file;
  if (row.first_seen == 0) row.first_seen = now;
  if (!task.id.empty()) row.task_id = task.id;
  Params file_params;
  auto ins = c.exec(
      "INSERT INTO source_files (source_id, key, etag, size, last_modified_us, first_seen_us,"
      " task_id, skip_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
      " ON CONFLICT (source_id, key, etag) DO NOTHING",
      bind_source_file(file_params, row));
  if (!ins.ok()) return ins.error();
  if (ins->affected() == 0) {
    auto r = c.exec(SKILLSYNC_PG_FIND_FILE,
                    Params().text(file.source_id).text(file.key).text(file.etag));
    if (!r.ok()) return r.error();
    if (r->rows() == 0) return Error{"storage_busy", "the ledger row changed; retry"};
    SKILLSYNC_TRY(tx.commit());
    return RecordedFile{read_source_file(PgRow(*r, 0)).file, false};
  }
  if (!task.id.empty()) {
    Params p;
    bind_task(p, task, task.created_at != 0 ? task.created_at : now);
    auto t = c.exec(SKILLSYNC_PG_INSERT_TASK, p);
    if (!t.ok()) return t.error();
    SKILLSYNC_TRY(notify_tasks(c));
  }
  SKILLSYNC_TRY(tx.commit());
  return RecordedFile{std::move(row), true};
}

}  // namespace skillsync::store::postgres
