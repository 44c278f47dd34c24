// The statement text that both stores' migrations (sqlite/migrations.cpp,
// postgres/migrations.cpp) share: the columns, indexes and constraints that
// the two dialects declare alike but for the names of their types. Internal
// to src/store.
//
// FROZEN, like the migrations that use it: existing databases have run this
// text, so it never changes; a schema change is a new migration. Each
// fragment is a run of whole lines, each ending in "\n", spliced between
// the dialect's own lines; the arguments are the dialect's type names:
// I64 a 64-bit integer ("INTEGER" in SQLite, "BIGINT" in PostgreSQL), BLOB
// bytes ("BLOB", "BYTEA"). Keys that PostgreSQL collates as "C" (and that
// SQLite declares NOT NULL where it makes them primary keys) stay in each
// dialect's own text.
#pragma once

// The whole migration that adds tasks.trace_id.
#define SKILLSYNC_SQL_ADD_TRACE_ID \
  "\nALTER TABLE tasks ADD COLUMN trace_id TEXT NOT NULL DEFAULT '';\n"

// events: the columns after the key, and the primary key.
#define SKILLSYNC_SQL_EVENTS_BODY(I64) \
  "  event_type TEXT NOT NULL,\n"      \
  "  timestamp_us " I64                \
  " NOT NULL,\n"                       \
  "  language TEXT NOT NULL,\n"        \
  "  content TEXT NOT NULL,\n"         \
  "  source TEXT,\n"                   \
  "  created_at_us " I64               \
  " NOT NULL,\n"                       \
  "  updated_at_us " I64               \
  " NOT NULL,\n"                       \
  "  task_id TEXT,\n"                  \
  "  PRIMARY KEY (tenant, employee_external_id, external_id)\n"

// tasks (schema version 1): entity_type .. lease_expires_at_us, the last
// line without its comma (PostgreSQL's version 1 goes on with more).
#define SKILLSYNC_SQL_TASKS_BODY(I64, BLOB)  \
  "  entity_type TEXT NOT NULL,\n"           \
  "  method TEXT NOT NULL,\n"                \
  "  uri TEXT NOT NULL,\n"                   \
  "  region TEXT NOT NULL,\n"                \
  "  options_json TEXT NOT NULL,\n"          \
  "  sealed_credentials " BLOB               \
  ",\n"                                      \
  "  status TEXT NOT NULL,\n"                \
  "  created_at_us " I64                     \
  " NOT NULL,\n"                             \
  "  started_at_us " I64                     \
  ",\n"                                      \
  "  finished_at_us " I64                    \
  ",\n"                                      \
  "  bytes_total " I64                       \
  " NOT NULL DEFAULT 0,\n"                   \
  "  bytes_read " I64                        \
  " NOT NULL DEFAULT 0,\n"                   \
  "  rows_read " I64                         \
  " NOT NULL DEFAULT 0,\n"                   \
  "  rows_loaded " I64                       \
  " NOT NULL DEFAULT 0,\n"                   \
  "  rows_rejected " I64                     \
  " NOT NULL DEFAULT 0,\n"                   \
  "  error_code TEXT,\n"                     \
  "  error_message TEXT,\n"                  \
  "  attempts INTEGER NOT NULL DEFAULT 0,\n" \
  "  worker_id TEXT,\n"                      \
  "  lease_expires_at_us " I64

// The listing and retention indexes of tasks.
#define SKILLSYNC_SQL_TASKS_LIST_INDEXES                                                     \
  "CREATE INDEX tasks_by_tenant_time ON tasks (tenant, created_at_us, id);\n"                \
  "CREATE INDEX tasks_by_tenant_status_time ON tasks (tenant, status, created_at_us, id);\n" \
  "CREATE INDEX tasks_by_finished ON tasks (finished_at_us) WHERE finished_at_us IS NOT NULL;\n"

// row_errors: seq .. raw.
#define SKILLSYNC_SQL_ROW_ERRORS_BODY(I64) \
  "  seq " I64                             \
  " NOT NULL,\n"                           \
  "  line " I64                            \
  " NOT NULL,\n"                           \
  "  byte_offset " I64                     \
  " NOT NULL,\n"                           \
  "  column_name TEXT NOT NULL,\n"         \
  "  code TEXT NOT NULL,\n"                \
  "  message TEXT NOT NULL,\n"             \
  "  raw TEXT NOT NULL,\n"

// api_keys: key_hash .. created_at_us, the last line without its comma.
#define SKILLSYNC_SQL_API_KEYS_BODY(I64) \
  "  key_hash TEXT NOT NULL UNIQUE,\n"   \
  "  tenant TEXT NOT NULL,\n"            \
  "  scopes TEXT NOT NULL,\n"            \
  "  created_at_us " I64 " NOT NULL"

// webhook_endpoints: url .. description, then (after enabled) sealed_key ..
// updated_at_us.
#define SKILLSYNC_SQL_WEBHOOK_ENDPOINTS_HEAD \
  "  url TEXT NOT NULL,\n"                   \
  "  event_types TEXT NOT NULL,\n"           \
  "  description TEXT NOT NULL DEFAULT '',\n"
#define SKILLSYNC_SQL_WEBHOOK_ENDPOINTS_KEYS(I64, BLOB) \
  "  sealed_key " BLOB                                  \
  " NOT NULL,\n"                                        \
  "  public_key_hex TEXT NOT NULL,\n"                   \
  "  previous_sealed_key " BLOB                         \
  ",\n"                                                 \
  "  previous_public_key_hex TEXT,\n"                   \
  "  previous_key_expires_at_us " I64                   \
  ",\n"                                                 \
  "  created_at_us " I64                                \
  " NOT NULL,\n"                                        \
  "  updated_at_us " I64 " NOT NULL\n"

// webhook_outbox: type .. delivered_at_us, then (after dead) the lease.
#define SKILLSYNC_SQL_WEBHOOK_OUTBOX_BODY(I64)     \
  "  type TEXT NOT NULL,\n"                        \
  "  source_path TEXT NOT NULL,\n"                 \
  "  body TEXT NOT NULL,\n"                        \
  "  created_at_us " I64                           \
  " NOT NULL,\n"                                   \
  "  next_attempt_at_us " I64                      \
  " NOT NULL,\n"                                   \
  "  attempts INTEGER NOT NULL DEFAULT 0,\n"       \
  "  round_attempts INTEGER NOT NULL DEFAULT 0,\n" \
  "  delivered_at_us " I64 ",\n"
#define SKILLSYNC_SQL_WEBHOOK_OUTBOX_LEASE(I64) \
  "  lease_owner TEXT,\n"                       \
  "  lease_expires_at_us " I64 "\n"

// webhook_deliveries: attempt .. next_retry_at_us, and its indexes.
#define SKILLSYNC_SQL_WEBHOOK_DELIVERIES_BODY(I64) \
  "  attempt INTEGER NOT NULL,\n"                  \
  "  status_code INTEGER,\n"                       \
  "  error TEXT NOT NULL DEFAULT '',\n"            \
  "  latency_ms " I64                              \
  " NOT NULL,\n"                                   \
  "  at_us " I64                                   \
  " NOT NULL,\n"                                   \
  "  next_retry_at_us " I64 "\n"
#define SKILLSYNC_SQL_WEBHOOK_DELIVERIES_INDEXES                                            \
  "CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, seq);\n" \
  "CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (event_id);\n"

// oauth_clients: tenant .. revoked_at_us.
#define SKILLSYNC_SQL_OAUTH_CLIENTS_BODY(I64) \
  "  tenant TEXT NOT NULL,\n"                 \
  "  scopes TEXT NOT NULL,\n"                 \
  "  secret_hash TEXT NOT NULL,\n"            \
  "  created_at_us " I64                      \
  " NOT NULL,\n"                              \
  "  last_used_at_us " I64                    \
  ",\n"                                       \
  "  revoked_at_us " I64 "\n"

// sources: name .. updated_at_us, the table's end and its indexes.
#define SKILLSYNC_SQL_SOURCES_BODY(I64, BLOB)                                     \
  "  name TEXT NOT NULL,\n"                                                       \
  "  entity_type TEXT NOT NULL,\n"                                                \
  "  method TEXT NOT NULL,\n"                                                     \
  "  uri TEXT NOT NULL,\n"                                                        \
  "  region TEXT NOT NULL,\n"                                                     \
  "  pattern TEXT NOT NULL,\n"                                                    \
  "  sealed_credentials " BLOB                                                    \
  ",\n"                                                                           \
  "  schedule_seconds " I64                                                       \
  " NOT NULL,\n"                                                                  \
  "  options_json TEXT NOT NULL,\n"                                               \
  "  start_after TEXT NOT NULL,\n"                                                \
  "  modified_after_us " I64                                                      \
  ",\n"                                                                           \
  "  batch TEXT NOT NULL,\n"                                                      \
  "  max_consecutive_failures " I64                                               \
  " NOT NULL,\n"                                                                  \
  "  status TEXT NOT NULL,\n"                                                     \
  "  last_error TEXT NOT NULL,\n"                                                 \
  "  last_check_at_us " I64                                                       \
  ",\n"                                                                           \
  "  next_check_at_us " I64                                                       \
  ",\n"                                                                           \
  "  failures_since_us " I64                                                      \
  " NOT NULL,\n"                                                                  \
  "  lease_owner TEXT NOT NULL,\n"                                                \
  "  lease_expires_at_us " I64                                                    \
  ",\n"                                                                           \
  "  created_at_us " I64                                                          \
  " NOT NULL,\n"                                                                  \
  "  updated_at_us " I64                                                          \
  " NOT NULL\n"                                                                   \
  ");\n"                                                                          \
  "CREATE INDEX sources_by_tenant_time ON sources (tenant, created_at_us, id);\n" \
  "CREATE INDEX sources_due ON sources (status, next_check_at_us);\n"

// source_files: size .. the unique key, the table's end and its indexes.
#define SKILLSYNC_SQL_SOURCE_FILES_BODY(I64)                                \
  "  size " I64                                                             \
  " NOT NULL,\n"                                                            \
  "  last_modified_us " I64                                                 \
  " NOT NULL,\n"                                                            \
  "  first_seen_us " I64                                                    \
  " NOT NULL,\n"                                                            \
  "  task_id TEXT NOT NULL,\n"                                              \
  "  skip_reason TEXT NOT NULL,\n"                                          \
  "  UNIQUE (source_id, key, etag)\n"                                       \
  ");\n"                                                                    \
  "CREATE INDEX source_files_by_source ON source_files (source_id, seq);\n" \
  "CREATE INDEX tasks_by_source ON tasks (source_id, created_at_us) WHERE source_id <> '';\n"

// task_objects: etag, size and the primary key.
#define SKILLSYNC_SQL_TASK_OBJECTS_BODY(I64) \
  "  etag TEXT NOT NULL,\n"                  \
  "  size " I64                              \
  " NOT NULL,\n"                             \
  "  PRIMARY KEY (task_id, position)\n"
