#include "store/sqlite/migrations.hpp"

#include <array>
#include <string>

#include "store/migration_sql.hpp"

namespace skillsync::store::sqlite {
namespace {

// Notes on the layout:
// - events is WITHOUT ROWID: its primary key is the table's own b-tree, so a
//   load writes two b-trees (the table and the listing index) instead of
//   three, and the listing index holds the key columns with no rowid.
// - Loads stage into run files beside the database (version 9 on); before,
//   into per-task tables stage_<hex of task id> made by loads, not here.
// - The lease columns of tasks are used from schema version 2 on.
//
// Version 2 (durable tasks, error reports):
// - tasks gains the lease/cancel timestamps, rows_superseded, staged_rows
//   (rows in the task's stage table, so publish knows it without a scan),
//   header_json (kept after the task ends, for the CSV error report) and the
//   checkpoint columns ckpt_* (ckpt_byte_offset IS NULL = no checkpoint).
//   Columns rather than a table: stage() rewrites them with the progress it
//   already updates, one row write per batch.
// - idempotency_keys maps (tenant, key) to the task a POST created; it goes
//   with its task (ON DELETE CASCADE) when retention purges it.
// - Listing indexes (newest first per tenant, optionally by status) and a
//   partial index for retention.
//
// Version 3 (prefix loads, key management):
// - row_errors.file names the object a row error came from in a prefix load.
// - api_keys gains last_used_at_us and revoked_at_us (a revoked key stays
//   listed, and is never found for authentication).
// - settings: deployment-wide values (the master key check).
//
// Version 4 (tracing): tasks.trace_id, the W3C trace id of the creating request.
//
// Version 5 (webhooks): webhook endpoints, the outbox and delivery attempts.
//
// Version 6 (oauth): oauth_clients, OAuth2 clients of the client-credentials
// grant (secret stored as a salted PBKDF2 hash made by auth/).
//
// Version 7 (sources): sources and source_files (the ledger, unique per
// source, key and ETag), tasks.source_id.
//
// Version 8 (per-check sources): task_objects, the objects (key, ETag) a
// task of a "per_check" source loads, chosen by the check; they go with
// their task (ON DELETE CASCADE) when retention purges it.
//
// Version 9 (run-file stages): a load stages into a run file beside the
// database (sqlite/stage_files.hpp), no longer into a stage_<hex> table;
// tasks records what the file held at the checkpoint: stage_bytes,
// stage_runs, stage_crc (NULL: a checkpoint of an older version, whose load
// restarts from row 0 and whose table is dropped).
constexpr std::array<std::string_view, 9> kMigrations = {
    R"sql(
CREATE TABLE events (
  tenant TEXT NOT NULL,
  employee_external_id TEXT NOT NULL,
  external_id TEXT NOT NULL,
)sql" SKILLSYNC_SQL_EVENTS_BODY("INTEGER") R"sql() WITHOUT ROWID;
CREATE INDEX events_by_time ON events (tenant, employee_external_id, timestamp_us, external_id);

CREATE TABLE tasks (
  id TEXT PRIMARY KEY NOT NULL,
  tenant TEXT NOT NULL,
)sql" SKILLSYNC_SQL_TASKS_BODY("INTEGER", "BLOB") R"sql(
);
CREATE INDEX tasks_by_status ON tasks (status, created_at_us, id);

CREATE TABLE row_errors (
  task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
)sql" SKILLSYNC_SQL_ROW_ERRORS_BODY("INTEGER") R"sql(  PRIMARY KEY (task_id, seq)
) WITHOUT ROWID;

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY NOT NULL,
)sql" SKILLSYNC_SQL_API_KEYS_BODY("INTEGER") R"sql(
);
)sql",
    R"sql(
ALTER TABLE tasks ADD COLUMN rows_superseded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN cancel_requested_at_us INTEGER;
ALTER TABLE tasks ADD COLUMN last_heartbeat_at_us INTEGER;
ALTER TABLE tasks ADD COLUMN staged_rows INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN header_json TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN ckpt_byte_offset INTEGER;
ALTER TABLE tasks ADD COLUMN ckpt_line INTEGER;
ALTER TABLE tasks ADD COLUMN ckpt_batches INTEGER;
ALTER TABLE tasks ADD COLUMN ckpt_state TEXT;
ALTER TABLE tasks ADD COLUMN ckpt_bytes_total INTEGER;
ALTER TABLE tasks ADD COLUMN ckpt_bytes_read INTEGER;
ALTER TABLE tasks ADD COLUMN ckpt_rows_read INTEGER;
ALTER TABLE tasks ADD COLUMN ckpt_rows_loaded INTEGER;
ALTER TABLE tasks ADD COLUMN ckpt_rows_rejected INTEGER;
ALTER TABLE tasks ADD COLUMN ckpt_rows_superseded INTEGER;
)sql" SKILLSYNC_SQL_TASKS_LIST_INDEXES R"sql(
CREATE TABLE idempotency_keys (
  tenant TEXT NOT NULL,
  idem_key TEXT NOT NULL,
  body_sha256 TEXT NOT NULL,
  task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  created_at_us INTEGER NOT NULL,
  PRIMARY KEY (tenant, idem_key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_by_task ON idempotency_keys (task_id);
)sql",
    R"sql(
ALTER TABLE row_errors ADD COLUMN file TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN last_used_at_us INTEGER;
ALTER TABLE api_keys ADD COLUMN revoked_at_us INTEGER;
CREATE TABLE settings (name TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
)sql",
    SKILLSYNC_SQL_ADD_TRACE_ID,
    // Webhooks (store/webhooks.hpp): endpoints, the outbox, delivery attempts.
    R"sql(
CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY NOT NULL,
  tenant TEXT NOT NULL,
)sql" SKILLSYNC_SQL_WEBHOOK_ENDPOINTS_HEAD R"sql(  enabled INTEGER NOT NULL DEFAULT 1,
)sql" SKILLSYNC_SQL_WEBHOOK_ENDPOINTS_KEYS("INTEGER", "BLOB") R"sql();
CREATE INDEX webhook_endpoints_by_tenant ON webhook_endpoints (tenant, created_at_us, id);
CREATE TABLE webhook_outbox (
  event_id TEXT PRIMARY KEY NOT NULL,
  tenant TEXT NOT NULL,
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
)sql" SKILLSYNC_SQL_WEBHOOK_OUTBOX_BODY("INTEGER") R"sql(  dead INTEGER NOT NULL DEFAULT 0,
)sql" SKILLSYNC_SQL_WEBHOOK_OUTBOX_LEASE("INTEGER") R"sql();
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at_us)
  WHERE delivered_at_us IS NULL AND dead = 0;
CREATE INDEX webhook_outbox_by_endpoint ON webhook_outbox (endpoint_id);
CREATE TABLE webhook_deliveries (
  seq INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL REFERENCES webhook_outbox (event_id) ON DELETE CASCADE,
  endpoint_id TEXT NOT NULL,
  tenant TEXT NOT NULL,
)sql" SKILLSYNC_SQL_WEBHOOK_DELIVERIES_BODY("INTEGER") R"sql();
)sql" SKILLSYNC_SQL_WEBHOOK_DELIVERIES_INDEXES,
    // oauth: OAuth2 clients (client-credentials grant); the secret hashed.
    R"sql(
CREATE TABLE oauth_clients (
  id TEXT PRIMARY KEY NOT NULL,
)sql" SKILLSYNC_SQL_OAUTH_CLIENTS_BODY("INTEGER") R"sql() WITHOUT ROWID;
)sql",
    // Recurring sources (store/sources.hpp) and their ledger.
    R"sql(
ALTER TABLE tasks ADD COLUMN source_id TEXT NOT NULL DEFAULT '';
CREATE TABLE sources (
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
)sql" SKILLSYNC_SQL_SOURCES_BODY("INTEGER", "BLOB") R"sql(CREATE TABLE source_files (
  seq INTEGER PRIMARY KEY,
  source_id TEXT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  etag TEXT NOT NULL,
)sql" SKILLSYNC_SQL_SOURCE_FILES_BODY("INTEGER"),
    // The objects of a "per_check" source's task (store/sources.hpp, TaskObject).
    R"sql(
CREATE TABLE task_objects (
  task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  key TEXT NOT NULL,
)sql" SKILLSYNC_SQL_TASK_OBJECTS_BODY("INTEGER") R"sql() WITHOUT ROWID;
)sql",
    // What a load's run file held at its checkpoint (sqlite/stage_files.hpp).
    R"sql(
ALTER TABLE tasks ADD COLUMN stage_bytes INTEGER;
ALTER TABLE tasks ADD COLUMN stage_runs INTEGER;
ALTER TABLE tasks ADD COLUMN stage_crc INTEGER;
)sql",
};

}  // namespace

std::span<const std::string_view> migrations() { return kMigrations; }

int schema_version() { return static_cast<int>(kMigrations.size()); }

Status migrate(Db& db) {
  SKILLSYNC_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db));
  auto current = db.query_int("PRAGMA user_version");
  if (!current.ok()) return current.error();
  const int64_t have = current.value();
  const int want = schema_version();
  if (have > want) {
    return Error{"schema_too_new", "database schema version " + std::to_string(have) +
                                       " is newer than this skillsync supports (" +
                                       std::to_string(want) + "); upgrade skillsync"};
  }
  if (have == want) return ok_status();
  for (int64_t v = have; v < want; ++v) {
    if (auto st = db.exec(std::string(kMigrations[static_cast<size_t>(v)])); !st.ok()) {
      return Error{st.error().code, "migration to schema version " + std::to_string(v + 1) +
                                        " failed: " + st.error().message};
    }
  }
  // PRAGMA takes no bound parameters; `want` is our own integer.
  SKILLSYNC_TRY(db.exec("PRAGMA user_version = " + std::to_string(want)));
  return tx.commit();
}

}  // namespace skillsync::store::sqlite
