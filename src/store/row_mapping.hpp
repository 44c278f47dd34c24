// Row -> struct mapping that both backends share: what a result row of the
// column lists in sql_columns.hpp and webhook_rows.hpp means, and the pages
// of the lists built from such rows. Internal to src/store; the other way,
// struct -> statement parameters, is row_params.hpp.
//
// Templates over the backend's row type, which uses the same names: a Row
// (sqlite::Row, postgres::PgRow) has is_null, text, string, int64, uint64,
// optional_int64, boolean and bytea (a blob, "" for NULL) of a 0-based
// column.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/cursor.hpp"
#include "store/sources.hpp"
#include "store/store.hpp"
#include "store/webhook_rows.hpp"
#include "store/webhooks.hpp"

namespace skillsync::store {

// --- reading rows (column orders: sql_columns.hpp, webhook_rows.hpp) ---

// A row whose first column is text (NULL: "").
template <class Row>
std::string read_string(const Row& r) {
  return r.string(0);
}

// SKILLSYNC_EVENT_COLUMNS
template <class Row>
StoredEvent read_event(const Row& r) {
  StoredEvent out;
  schema::Event& e = out.event;
  e.employee_external_id = r.string(0);
  e.external_id = r.string(1);
  e.event_type = r.string(2);
  e.timestamp = r.int64(3);
  e.language = r.string(4);
  e.content_json = r.string(5);
  if (!r.is_null(6)) e.source = r.string(6);
  out.created_at = r.int64(7);
  out.updated_at = r.int64(8);
  if (!r.is_null(9)) out.task_id = r.string(9);
  return out;
}

// SKILLSYNC_API_KEY_COLUMNS
template <class Row>
ApiKey read_api_key(const Row& r) {
  return ApiKey{r.string(0), r.string(1),         r.string(2),
                r.int64(3),  r.optional_int64(4), r.optional_int64(5)};
}

// SKILLSYNC_OAUTH_CLIENT_COLUMNS
template <class Row>
OAuthClient read_oauth_client(const Row& r) {
  return OAuthClient{r.string(0), r.string(1),         r.string(2),        r.string(3),
                     r.int64(4),  r.optional_int64(5), r.optional_int64(6)};
}

// The same for a listing, which never returns the secret's hash.
template <class Row>
OAuthClient read_listed_oauth_client(const Row& r) {
  OAuthClient c = read_oauth_client(r);
  c.secret_hash.clear();
  return c;
}

// SKILLSYNC_ROW_ERROR_COLUMNS
template <class Row>
RowError read_row_error(const Row& r) {
  return RowError{r.uint64(0), r.uint64(1), r.string(2), r.string(3),
                  r.string(4), r.string(5), r.string(6)};
}

// Progress counters in columns first..first+5 (bytes_total, bytes_read,
// rows_read, rows_loaded, rows_rejected) and `superseded`.
template <class Row>
Progress read_progress(const Row& r, int first, int superseded) {
  return Progress{r.uint64(first),     r.uint64(first + 1), r.uint64(first + 2),
                  r.uint64(first + 3), r.uint64(first + 4), r.uint64(superseded)};
}

// SKILLSYNC_TASK_COLUMNS; "storage_error" for a status this build does not
// know.
template <class Row>
Result<Task> read_task(const Row& r) {
  Task t;
  t.id = r.string(0);
  t.tenant = r.string(1);
  t.entity_type = r.string(2);
  t.method = r.string(3);
  t.uri = r.string(4);
  t.region = r.string(5);
  t.options_json = r.string(6);
  t.sealed_credentials = r.bytea(7);
  auto status = task_status_from_string(r.text(8));
  if (!status) return Error{"storage_error", "task " + t.id + " has an unknown status"};
  t.status = *status;
  t.created_at = r.int64(9);
  t.started_at = r.optional_int64(10);
  t.finished_at = r.optional_int64(11);
  t.progress = read_progress(r, 12, 20);
  if (!r.is_null(17)) t.error = TaskError{r.string(17), r.string(18)};
  t.attempts = static_cast<int>(r.int64(19));
  t.cancel_requested_at = r.optional_int64(21);
  t.last_heartbeat_at = r.optional_int64(22);
  t.worker_id = r.string(23);
  t.lease_expires_at = r.optional_int64(24);
  t.header_json = r.string(25);
  if (!r.is_null(26)) {
    Checkpoint& c = t.checkpoint.emplace();
    c.byte_offset = r.uint64(26);
    c.line = r.uint64(27);
    c.batches = r.uint64(28);
    c.state_json = r.string(29);
    c.progress = read_progress(r, 30, 35);
    c.header_json = t.header_json;
  }
  t.trace_id = r.string(36);
  t.source_id = r.string(37);
  return t;
}

// SKILLSYNC_SOURCE_COLUMNS; "storage_error" for an unknown status.
template <class Row>
Result<Source> read_source(const Row& r) {
  Source x;
  x.id = r.string(0);
  x.tenant = r.string(1);
  x.name = r.string(2);
  x.entity_type = r.string(3);
  x.method = r.string(4);
  x.uri = r.string(5);
  x.region = r.string(6);
  x.pattern = r.string(7);
  x.sealed_credentials = r.bytea(8);
  x.schedule_seconds = r.int64(9);
  x.options_json = r.string(10);
  x.start_after = r.string(11);
  x.modified_after = r.optional_int64(12);
  x.batch = r.string(13);
  x.max_consecutive_failures = static_cast<int>(r.int64(14));
  auto status = source_status_from_string(r.text(15));
  if (!status) return Error{"storage_error", "source " + x.id + " has an unknown status"};
  x.status = *status;
  x.last_error = r.string(16);
  x.last_check_at = r.optional_int64(17);
  x.next_check_at = r.optional_int64(18);
  x.failures_since = r.int64(19);
  x.lease_owner = r.string(20);
  x.lease_expires_at = r.optional_int64(21);
  x.created_at = r.int64(22);
  x.updated_at = r.int64(23);
  return x;
}

// SKILLSYNC_SOURCE_FILE_COLUMNS (column 0, the seq, is the caller's).
template <class Row>
SourceFileView read_source_file(const Row& r) {
  SourceFileView v;
  SourceFile& f = v.file;
  f.source_id = r.string(1);
  f.key = r.string(2);
  f.etag = r.string(3);
  f.size = r.uint64(4);
  f.last_modified = r.int64(5);
  f.first_seen = r.int64(6);
  f.task_id = r.string(7);
  f.skip_reason = r.string(8);
  if (!r.is_null(9)) v.task_status = r.string(9);
  v.rows_loaded = r.uint64(10);
  v.rows_rejected = r.uint64(11);
  return v;
}

// SKILLSYNC_WEBHOOK_ENDPOINT_COLUMNS
template <class Row>
WebhookEndpoint read_endpoint(const Row& r) {
  WebhookEndpoint e;
  e.id = r.string(0);
  e.tenant = r.string(1);
  e.url = r.string(2);
  e.event_types = split_event_types(r.text(3));
  e.description = r.string(4);
  e.enabled = r.boolean(5);
  e.sealed_key = r.bytea(6);
  e.public_key_hex = r.string(7);
  e.previous_sealed_key = r.bytea(8);
  e.previous_public_key_hex = r.string(9);
  e.previous_key_expires_at = r.optional_int64(10);
  e.created_at = r.int64(11);
  e.updated_at = r.int64(12);
  return e;
}

// SKILLSYNC_WEBHOOK_OUTBOX_COLUMNS
template <class Row>
OutboxEvent read_outbox(const Row& r) {
  OutboxEvent o;
  o.event_id = r.string(0);
  o.tenant = r.string(1);
  o.endpoint_id = r.string(2);
  o.type = r.string(3);
  o.source_path = r.string(4);
  o.data_json = r.string(5);
  o.created_at = r.int64(6);
  o.next_attempt_at = r.int64(7);
  o.attempts = static_cast<int>(r.int64(8));
  o.round_attempts = static_cast<int>(r.int64(9));
  o.delivered_at = r.optional_int64(10);
  o.dead = r.boolean(11);
  return o;
}

// SKILLSYNC_WEBHOOK_DELIVERY_COLUMNS (but the seq)
template <class Row>
DeliveryAttempt read_delivery(const Row& r) {
  DeliveryAttempt d;
  d.event_id = r.string(0);
  d.endpoint_id = r.string(1);
  d.attempt = static_cast<int>(r.int64(2));
  if (!r.is_null(3)) d.status_code = static_cast<int>(r.int64(3));
  d.error = r.string(4);
  d.latency_ms = r.int64(5);
  d.at = r.int64(6);
  d.next_retry_at = r.optional_int64(7);
  return d;
}

// A row of "SELECT status, count(*), min(created_at_us) FROM tasks GROUP BY
// status", counted into `stats` (a status this build does not know is
// skipped).
template <class Row>
void add_task_stats_row(TaskStats& stats, const Row& r) {
  auto status = task_status_from_string(r.text(0));
  if (!status) return;
  stats.by_status[static_cast<size_t>(*status)] = r.uint64(1);
  if (*status == TaskStatus::kPending) stats.oldest_pending_created_at = r.int64(2);
}

// --- pages ---

// Cuts `rows`, read with LIMIT limit + 1, to a page: when there is a row
// beyond `limit`, it is dropped and next_cursor is cursor_of(the last row
// kept).
template <class Page, class T, class CursorOf>
Page make_page(std::vector<T> rows, size_t limit, CursorOf cursor_of) {
  Page page;
  if (rows.size() > limit) {
    rows.resize(limit);
    page.next_cursor = cursor_of(rows.back());
  }
  page.items = std::move(rows);
  return page;
}

// A row of a list paged by seq (row errors, ledger rows) with its seq.
template <class T>
using WithSeq = std::pair<int64_t, T>;

// SKILLSYNC_ROW_ERROR_COLUMNS, then the seq (column 7).
template <class Row>
WithSeq<RowError> read_seq_row_error(const Row& r) {
  return {r.int64(7), read_row_error(r)};
}
// SKILLSYNC_SOURCE_FILE_COLUMNS (the seq is column 0).
template <class Row>
WithSeq<SourceFileView> read_seq_source_file(const Row& r) {
  return {r.int64(0), read_source_file(r)};
}

// SKILLSYNC_WEBHOOK_DELIVERY_COLUMNS (the seq is column 8).
template <class Row>
WithSeq<DeliveryAttempt> read_seq_delivery(const Row& r) {
  return {r.int64(8), read_delivery(r)};
}

// The page of a list paged by seq, from its LIMIT limit + 1 rows.
template <class Page, class T>
Page seq_page(std::vector<WithSeq<T>> rows, size_t limit) {
  Page page;
  if (rows.size() > limit) {
    rows.resize(limit);
    page.next_cursor = encode_seq_cursor(rows.back().first);
  }
  page.items.reserve(rows.size());
  for (WithSeq<T>& r : rows) page.items.push_back(std::move(r.second));
  return page;
}

// The pages of list_events, list_tasks, list_sources and list_endpoints from their LIMIT
// limit + 1 rows; tasks and sources without their sealed credentials.
EventPage event_page(std::vector<StoredEvent> rows, size_t limit);
TaskPage task_page(std::vector<Task> rows, size_t limit);
SourcePage source_page(std::vector<Source> rows, size_t limit);
WebhookEndpointPage endpoint_page(std::vector<WebhookEndpoint> rows, size_t limit);

// The statuses among `names` that this build knows, in order.
std::vector<TaskStatus> known_task_statuses(const std::vector<std::string>& names);

}  // namespace skillsync::store
