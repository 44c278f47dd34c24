// SQL text that SQLite and PostgreSQL read alike: the column lists of the
// tables both backends create (sqlite/migrations.cpp, postgres/migrations.cpp
// give them the same names) and SET fragments without parameters. Internal
// to src/store. Macros, so that they join other string literals at compile
// time; anything with parameters differs by dialect (?1 or $1) and stays in
// the backend.
#pragma once

// Every query that returns events; each backend's read_event() depends on
// this order.
#define SKILLSYNC_EVENT_COLUMNS                                                      \
  "employee_external_id, external_id, event_type, timestamp_us, language, content, " \
  "source, created_at_us, updated_at_us, task_id"

// Every query that returns API keys; read_api_key() depends on this order.
#define SKILLSYNC_API_KEY_COLUMNS \
  "id, tenant, scopes, created_at_us, last_used_at_us, revoked_at_us"

// Every query that returns OAuth clients; read_oauth_client() depends on
// this order.
#define SKILLSYNC_OAUTH_CLIENT_COLUMNS \
  "id, tenant, scopes, secret_hash, created_at_us, last_used_at_us, revoked_at_us"

// Every query that returns tasks; read_task() depends on this order.
#define SKILLSYNC_TASK_COLUMNS                                                              \
  "id, tenant, entity_type, method, uri, region, options_json, sealed_credentials, status," \
  " created_at_us, started_at_us, finished_at_us, bytes_total, bytes_read, rows_read,"      \
  " rows_loaded, rows_rejected, error_code, error_message, attempts, rows_superseded,"      \
  " cancel_requested_at_us, last_heartbeat_at_us, worker_id, lease_expires_at_us,"          \
  " header_json, ckpt_byte_offset, ckpt_line, ckpt_batches, ckpt_state, ckpt_bytes_total,"  \
  " ckpt_bytes_read, ckpt_rows_read, ckpt_rows_loaded, ckpt_rows_rejected,"                 \
  " ckpt_rows_superseded, trace_id, source_id"

// Every query that returns row errors; read_row_error() depends on this order.
#define SKILLSYNC_ROW_ERROR_COLUMNS "line, byte_offset, column_name, code, message, raw, file"

// SET clause fragment that forgets a task's checkpoint.
#define SKILLSYNC_CLEAR_CHECKPOINT                                                     \
  "ckpt_byte_offset = NULL, ckpt_line = NULL, ckpt_batches = NULL, ckpt_state = NULL," \
  " ckpt_bytes_total = NULL, ckpt_bytes_read = NULL, ckpt_rows_read = NULL,"           \
  " ckpt_rows_loaded = NULL, ckpt_rows_rejected = NULL, ckpt_rows_superseded = NULL"

// SET clause fragment that takes a task's counters (all but bytes_total)
// back to its checkpoint's, or to zero without one: when a load continues
// from the checkpoint, what was counted after it is read again.
#define SKILLSYNC_PROGRESS_FROM_CHECKPOINT                                              \
  "bytes_read = coalesce(ckpt_bytes_read, 0), rows_read = coalesce(ckpt_rows_read, 0)," \
  " rows_loaded = coalesce(ckpt_rows_loaded, 0),"                                       \
  " rows_rejected = coalesce(ckpt_rows_rejected, 0),"                                   \
  " rows_superseded = coalesce(ckpt_rows_superseded, 0)"

// Every query that returns sources; each backend's read_source() depends on
// this order.
#define SKILLSYNC_SOURCE_COLUMNS                                                       \
  "id, tenant, name, entity_type, method, uri, region, pattern, sealed_credentials,"   \
  " schedule_seconds, options_json, start_after, modified_after_us, batch,"            \
  " max_consecutive_failures, status, last_error, last_check_at_us, next_check_at_us," \
  " failures_since_us, lease_owner, lease_expires_at_us, created_at_us, updated_at_us"

// Every query that returns ledger rows (with the task's state, from a LEFT
// JOIN of tasks t on source_files f); read_source_file() depends on it.
#define SKILLSYNC_SOURCE_FILE_COLUMNS                                               \
  "f.seq, f.source_id, f.key, f.etag, f.size, f.last_modified_us, f.first_seen_us," \
  " f.task_id, f.skip_reason, t.status, coalesce(t.rows_loaded, 0),"                \
  " coalesce(t.rows_rejected, 0)"
