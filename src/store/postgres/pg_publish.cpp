// PostgresStore: moving a task's stage into `events` in one statement.
//
// The stage is read once, sorted by key (then seq, last first), and
// DISTINCT ON keeps the file's last row of each key. That stream goes
// through MERGE, which joins it with the tenant's existing events (a merge
// join in key order, or a hash join) and inserts or updates each key: no
// per-row speculative insertion as INSERT ... ON CONFLICT does, and for a
// tenant that holds none of the keys it is a plain append of key-ordered
// rows to the heap and the two b-trees. Measured on 1M rows (PostgreSQL 15,
// 2 cores, docs/benchmarks.md): MERGE about 4.8 s for a first load against
// 7.6 s for ON CONFLICT; a reload (all updates) 4.1 s with events at
// fillfactor 50 (HOT updates, see migrations.cpp), 9.6 s at fillfactor 100.
//
// MERGE is not an upsert under concurrency: a key that another writer
// (the Skill Event API, another task) inserts after MERGE's snapshot makes
// its INSERT fail with a unique violation. MERGE therefore runs under a
// savepoint; on a unique violation (or a deadlock or serialization failure)
// the transaction rolls back to it and the same rows go through INSERT ...
// ON CONFLICT DO UPDATE, which is correct under any concurrency. Both paths
// write the same rows (store_pg_test checks it). Rows are written in key
// order either way, so concurrent publishes lock event rows in the same
// order.
//
// Session settings, all SET LOCAL (this transaction only, safe on a shared
// server): work_mem = 64MB, so the stage's sort of a typical load stays in
// memory longer; default_statistics_target = 10 for the ANALYZE of the stage
// (a 3,000-row sample is enough to size the join). Durability settings
// (synchronous_commit, fsync) are not touched.
#include "store/postgres/pg_publish.hpp"

#include <string>

#include "common/errc.hpp"

namespace skillsync::store::postgres {
namespace {

// The stage's last row of each key, in key order.
std::string last_rows(std::string_view stage) {
  return "SELECT DISTINCT ON (employee_external_id, external_id) employee_external_id,"
         " external_id, event_type, timestamp_us, language, content, source FROM " +
         std::string(stage) + " ORDER BY employee_external_id, external_id, seq DESC";
}

Result<uint64_t> merge(const PgConn& conn, std::string_view stage, const Params& p) {
  auto r = conn.exec(
      "MERGE INTO events e USING (" + last_rows(stage) +
          ") s ON e.tenant = $1::text AND e.employee_external_id = s.employee_external_id"
          " AND e.external_id = s.external_id"
          " WHEN MATCHED THEN UPDATE SET event_type = s.event_type,"
          " timestamp_us = s.timestamp_us, language = s.language, content = s.content,"
          " source = s.source, updated_at_us = $2::int8, task_id = $3::text"
          " WHEN NOT MATCHED THEN INSERT (tenant, employee_external_id, external_id,"
          " event_type, timestamp_us, language, content, source, created_at_us, updated_at_us,"
          " task_id) VALUES ($1::text, s.employee_external_id, s.external_id, s.event_type,"
          " s.timestamp_us, s.language, s.content, s.source, $2::int8, $2::int8, $3::text)",
      p);
  if (!r.ok()) return r.error();
  return static_cast<uint64_t>(r->affected());  // one insert or update per key
}

Result<uint64_t> upsert(const PgConn& conn, std::string_view stage, const Params& p) {
  // PostgreSQL refuses to change one row twice in one INSERT ... ON
  // CONFLICT: DISTINCT ON keeps one row per key.
  auto r = conn.exec(
      "INSERT INTO events (tenant, employee_external_id, external_id, event_type,"
      " timestamp_us, language, content, source, created_at_us, updated_at_us, task_id)"
      " SELECT $1::text, s.employee_external_id, s.external_id, s.event_type, s.timestamp_us,"
      " s.language, s.content, s.source, $2::int8, $2::int8, $3::text FROM (" +
          last_rows(stage) +
          ") s ON CONFLICT (tenant, employee_external_id, external_id) DO UPDATE SET"
          " event_type = excluded.event_type, timestamp_us = excluded.timestamp_us,"
          " language = excluded.language, content = excluded.content, source = excluded.source,"
          " updated_at_us = excluded.updated_at_us, task_id = excluded.task_id",
      p);
  if (!r.ok()) return r.error();
  return static_cast<uint64_t>(r->affected());
}

}  // namespace

Result<Published> publish_stage(const PgConn& conn, std::string_view stage, std::string_view tenant,
                                std::string_view task_id, int64_t now, bool force_upsert) {
  SKILLSYNC_TRY(
      conn.exec_script("SET LOCAL work_mem = '64MB';"
                       " SET LOCAL default_statistics_target = 10; ANALYZE " +
                       std::string(stage)));
  Params p;
  p.text(tenant).int64(now).text(task_id);
  // MERGE is PostgreSQL 15's; older servers take the upsert.
  if (!force_upsert && PQserverVersion(conn.get()) >= 150000) {
    SKILLSYNC_TRY(conn.exec_script("SAVEPOINT publish_merge"));
    auto merged = merge(conn, stage, p);
    if (merged.ok()) {
      SKILLSYNC_TRY(conn.exec_script("RELEASE SAVEPOINT publish_merge"));
      return Published{merged.value(), PublishPath::kMerge};
    }
    // A unique violation (a key inserted meanwhile), or what pg.cpp calls
    // storage_busy (a deadlock, a serialization failure: MERGE's handling
    // of rows changed concurrently is narrower than ON CONFLICT's).
    const Error& e = merged.error();
    if (!e.is(Errc::kAlreadyExists) && !e.is(Errc::kStorageBusy)) return e;
    SKILLSYNC_TRY(conn.exec_script("ROLLBACK TO SAVEPOINT publish_merge"));
  }
  auto upserted = upsert(conn, stage, p);
  if (!upserted.ok()) return upserted.error();
  return Published{upserted.value(), PublishPath::kUpsert};
}

}  // namespace skillsync::store::postgres
