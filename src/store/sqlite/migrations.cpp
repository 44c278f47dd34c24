#include "store/sqlite/migrations.hpp"

#include <array>
#include <string>

namespace skillsync::store::sqlite {
namespace {

// Notes on the layout:
// - events is WITHOUT ROWID: its primary key is the table's own b-tree, so a
//   load writes two b-trees (the table and the listing index) instead of
//   three, and the listing index holds the key columns with no rowid.
// - Per-task staging tables (stage_<hex of task id>) are created by loads,
//   not here; they carry no index, so staging is a plain append.
// - The lease columns of tasks are used by a later issue.
constexpr std::array<std::string_view, 1> kMigrations = {
    R"sql(
CREATE TABLE events (
  tenant TEXT NOT NULL,
  employee_external_id TEXT NOT NULL,
  external_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  timestamp_us INTEGER NOT NULL,
  language TEXT NOT NULL,
  content TEXT NOT NULL,
  source TEXT,
  created_at_us INTEGER NOT NULL,
  updated_at_us INTEGER NOT NULL,
  task_id TEXT,
  PRIMARY KEY (tenant, employee_external_id, external_id)
) WITHOUT ROWID;
CREATE INDEX events_by_time ON events (tenant, employee_external_id, timestamp_us, external_id);

CREATE TABLE tasks (
  id TEXT PRIMARY KEY NOT NULL,
  tenant TEXT NOT NULL,
  entity_type TEXT NOT NULL,
  method TEXT NOT NULL,
  uri TEXT NOT NULL,
  region TEXT NOT NULL,
  options_json TEXT NOT NULL,
  sealed_credentials BLOB,
  status TEXT NOT NULL,
  created_at_us INTEGER NOT NULL,
  started_at_us INTEGER,
  finished_at_us INTEGER,
  bytes_total INTEGER NOT NULL DEFAULT 0,
  bytes_read INTEGER NOT NULL DEFAULT 0,
  rows_read INTEGER NOT NULL DEFAULT 0,
  rows_loaded INTEGER NOT NULL DEFAULT 0,
  rows_rejected INTEGER NOT NULL DEFAULT 0,
  error_code TEXT,
  error_message TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  worker_id TEXT,
  lease_expires_at_us INTEGER
);
CREATE INDEX tasks_by_status ON tasks (status, created_at_us, id);

CREATE TABLE row_errors (
  task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  line INTEGER NOT NULL,
  byte_offset INTEGER NOT NULL,
  column_name TEXT NOT NULL,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  raw TEXT NOT NULL,
  PRIMARY KEY (task_id, seq)
) WITHOUT ROWID;

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  tenant TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_at_us INTEGER NOT NULL
);
)sql",
};

}  // namespace

std::span<const std::string_view> migrations() { return kMigrations; }

int schema_version() { return static_cast<int>(kMigrations.size()); }

Status migrate(Db& db) {
  auto tx = Transaction::begin(db);
  if (!tx.ok()) return tx.error();
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
  return tx->commit();
}

}  // namespace skillsync::store::sqlite
