#include "store/postgres/migrations.hpp"

#include <array>
#include <string>

#include "store/migration_sql.hpp"

namespace skillsync::store::postgres {
namespace {

// Notes on the layout (version 1 matches SQLite's version 3):
// - Times are BIGINT microseconds since the epoch, as in SQLite.
// - Key and cursor columns are COLLATE "C": keyset cursors compare bytes,
//   exactly as SQLite's BINARY collation does, whatever the database's
//   locale, and "C" b-trees are the fastest.
// - tasks.staged_rows counts the rows in the task's stage table; stage()
//   numbers its rows from it (the stage's seq, which decides which row of a
//   key wins) and the first claim after a server crash compares it with the
//   stage, which is UNLOGGED and therefore emptied by crash recovery.
// - Stage tables (stage_<hash of task id>) are made by loads, not here;
//   see pg_writer.cpp.
// - idempotency_keys.task_id is checked at COMMIT (DEFERRABLE): the key is
//   inserted first, so that its primary key decides between concurrent
//   duplicates before any task exists.
// - Partial indexes serve the claim query: pending tasks oldest first, and
//   running tasks (whose leases may expire) oldest first.
//
// Version 2: settings, deployment-wide values (the master key check).
// Version 3: tasks.trace_id, the W3C trace id of the creating request.
// Version 4: webhook endpoints, the outbox and delivery attempts.
// Version 5: oauth_clients (OAuth2 client-credentials clients, secrets hashed).
// Version 6: sources and source_files (the ledger), tasks.source_id.
// Version 7: task_objects, the objects (key, ETag) a "per_check" source's
// task loads; they go with their task (ON DELETE CASCADE).
// Version 8: events' heap pages are filled to half (fillfactor 50), so that
// a reload of a file (every key updated, no indexed column changed) makes
// heap-only (HOT) updates: the new version goes in the same page and no
// index entry is added. At fillfactor 100 every page is full, so each
// update writes a new index entry in both indexes and the table and its
// indexes double anyway until vacuum. Measured on 1M rows (PostgreSQL 15):
// the same backend CPU for a first load, a third of it for a reload
// (docs/benchmarks.md). Pages written before version 8 keep their fill.
constexpr std::array<std::string_view, 8> kMigrations = {
    R"sql(
CREATE TABLE events (
  tenant TEXT COLLATE "C" NOT NULL,
  employee_external_id TEXT COLLATE "C" NOT NULL,
  external_id TEXT COLLATE "C" NOT NULL,
)sql" SKILLSYNC_SQL_EVENTS_BODY("BIGINT") R"sql();
CREATE INDEX events_by_time ON events (tenant, employee_external_id, timestamp_us, external_id);

CREATE TABLE tasks (
  id TEXT COLLATE "C" PRIMARY KEY,
  tenant TEXT COLLATE "C" NOT NULL,
)sql" SKILLSYNC_SQL_TASKS_BODY("BIGINT", "BYTEA") R"sql(,
  rows_superseded BIGINT NOT NULL DEFAULT 0,
  cancel_requested_at_us BIGINT,
  last_heartbeat_at_us BIGINT,
  staged_rows BIGINT NOT NULL DEFAULT 0,
  header_json TEXT NOT NULL DEFAULT '',
  ckpt_byte_offset BIGINT,
  ckpt_line BIGINT,
  ckpt_batches BIGINT,
  ckpt_state TEXT,
  ckpt_bytes_total BIGINT,
  ckpt_bytes_read BIGINT,
  ckpt_rows_read BIGINT,
  ckpt_rows_loaded BIGINT,
  ckpt_rows_rejected BIGINT,
  ckpt_rows_superseded BIGINT
);
CREATE INDEX tasks_pending ON tasks (created_at_us, id) WHERE status = 'pending';
CREATE INDEX tasks_running ON tasks (created_at_us, id) WHERE status = 'running';
)sql" SKILLSYNC_SQL_TASKS_LIST_INDEXES R"sql(
CREATE TABLE row_errors (
  task_id TEXT COLLATE "C" NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
)sql" SKILLSYNC_SQL_ROW_ERRORS_BODY("BIGINT") R"sql(  file TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (task_id, seq)
);

CREATE TABLE api_keys (
  id TEXT COLLATE "C" PRIMARY KEY,
)sql" SKILLSYNC_SQL_API_KEYS_BODY("BIGINT") R"sql(,
  last_used_at_us BIGINT,
  revoked_at_us BIGINT
);

CREATE TABLE idempotency_keys (
  tenant TEXT NOT NULL,
  idem_key TEXT NOT NULL,
  body_sha256 TEXT NOT NULL,
  task_id TEXT COLLATE "C" NOT NULL
    REFERENCES tasks (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  created_at_us BIGINT NOT NULL,
  PRIMARY KEY (tenant, idem_key)
);
CREATE INDEX idempotency_keys_by_task ON idempotency_keys (task_id);
)sql",
    R"sql(
CREATE TABLE settings (name TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL);
)sql",
    SKILLSYNC_SQL_ADD_TRACE_ID,
    // Webhooks (store/webhooks.hpp): endpoints, the outbox, delivery attempts.
    R"sql(
CREATE TABLE webhook_endpoints (
  id TEXT COLLATE "C" PRIMARY KEY,
  tenant TEXT COLLATE "C" NOT NULL,
)sql" SKILLSYNC_SQL_WEBHOOK_ENDPOINTS_HEAD R"sql(  enabled BOOLEAN NOT NULL DEFAULT true,
)sql" SKILLSYNC_SQL_WEBHOOK_ENDPOINTS_KEYS("BIGINT", "BYTEA") R"sql();
CREATE INDEX webhook_endpoints_by_tenant ON webhook_endpoints (tenant, created_at_us, id);
CREATE TABLE webhook_outbox (
  event_id TEXT COLLATE "C" PRIMARY KEY,
  tenant TEXT COLLATE "C" NOT NULL,
  endpoint_id TEXT COLLATE "C" NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
)sql" SKILLSYNC_SQL_WEBHOOK_OUTBOX_BODY("BIGINT") R"sql(  dead BOOLEAN NOT NULL DEFAULT false,
)sql" SKILLSYNC_SQL_WEBHOOK_OUTBOX_LEASE("BIGINT") R"sql();
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at_us)
  WHERE delivered_at_us IS NULL AND NOT dead;
CREATE INDEX webhook_outbox_by_endpoint ON webhook_outbox (endpoint_id);
CREATE TABLE webhook_deliveries (
  seq BIGSERIAL PRIMARY KEY,
  event_id TEXT COLLATE "C" NOT NULL REFERENCES webhook_outbox (event_id) ON DELETE CASCADE,
  endpoint_id TEXT COLLATE "C" NOT NULL,
  tenant TEXT COLLATE "C" NOT NULL,
)sql" SKILLSYNC_SQL_WEBHOOK_DELIVERIES_BODY("BIGINT") R"sql();
)sql" SKILLSYNC_SQL_WEBHOOK_DELIVERIES_INDEXES,
    // oauth: OAuth2 clients (client-credentials grant); the secret hashed.
    R"sql(
CREATE TABLE oauth_clients (
  id TEXT COLLATE "C" PRIMARY KEY,
)sql" SKILLSYNC_SQL_OAUTH_CLIENTS_BODY("BIGINT") R"sql();
)sql",
    // Recurring sources (store/sources.hpp) and their ledger.
    R"sql(
ALTER TABLE tasks ADD COLUMN source_id TEXT NOT NULL DEFAULT '';
CREATE TABLE sources (
  id TEXT COLLATE "C" PRIMARY KEY,
  tenant TEXT COLLATE "C" NOT NULL,
)sql" SKILLSYNC_SQL_SOURCES_BODY("BIGINT", "BYTEA") R"sql(CREATE TABLE source_files (
  seq BIGSERIAL PRIMARY KEY,
  source_id TEXT COLLATE "C" NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  key TEXT COLLATE "C" NOT NULL,
  etag TEXT COLLATE "C" NOT NULL,
)sql" SKILLSYNC_SQL_SOURCE_FILES_BODY("BIGINT"),
    R"sql(
CREATE TABLE task_objects (
  task_id TEXT COLLATE "C" NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  position BIGINT NOT NULL,
  key TEXT COLLATE "C" NOT NULL,
)sql" SKILLSYNC_SQL_TASK_OBJECTS_BODY("BIGINT") R"sql();
)sql",
    R"sql(
ALTER TABLE events SET (fillfactor = 50);
)sql",
};

}  // namespace

std::span<const std::string_view> migrations() { return kMigrations; }

int schema_version() { return static_cast<int>(kMigrations.size()); }

Status migrate(const PgConn& conn) {
  SKILLSYNC_ASSIGN_OR_RETURN(Tx tx, Tx::begin(conn));
  // Held until COMMIT: a second process blocks here, then sees the result.
  SKILLSYNC_TRY(conn.exec("SELECT pg_advisory_xact_lock($1)", Params().int64(kMigrationLock)));
  // One row per applied migration: the history shows each ran once.
  SKILLSYNC_TRY(conn.exec_script(
      "CREATE TABLE IF NOT EXISTS schema_version ("
      " version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"));
  auto current = conn.exec("SELECT coalesce(max(version), 0) FROM schema_version");
  if (!current.ok()) return current.error();
  const int64_t have = current->int64(0, 0);
  const int want = schema_version();
  if (have > want) {
    return Error{"schema_too_new", "database schema version " + std::to_string(have) +
                                       " is newer than this skillsync supports (" +
                                       std::to_string(want) + "); upgrade skillsync"};
  }
  if (have == want) return tx.commit();
  for (int64_t v = have; v < want; ++v) {
    if (auto st = conn.exec_script(std::string(kMigrations[static_cast<size_t>(v)])); !st.ok()) {
      return Error{st.error().code, "migration to schema version " + std::to_string(v + 1) +
                                        " failed: " + st.error().message};
    }
    SKILLSYNC_TRY(conn.exec("INSERT INTO schema_version (version) VALUES ($1::int8::int)",
                            Params().int64(v + 1)));
  }
  return tx.commit();
}

}  // namespace skillsync::store::postgres
