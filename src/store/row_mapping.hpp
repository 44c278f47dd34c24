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

// A blob column read into a string member (Columns reads a string member as
// text otherwise).
struct Blob {
  std::string& into;
};

// Reads consecutive columns of a row into members, each by the member's type,
// so a reader lists its members in the column order once and numbers none:
// std::string (text, "" for NULL), std::optional<std::string> (absent for
// NULL), int64_t, uint64_t, int, bool, std::optional<int64_t>,
// std::optional<int> and Blob.
template <class Row>
class Columns {
 public:
  explicit Columns(const Row& r, int first = 0) : r_(r), i_(first) {}

  template <class... T>
  Columns& operator()(T&&... members) {
    (get(std::forward<T>(members)), ...);
    return *this;
  }
  // The next column as text (a view into the row), for a member that needs
  // converting.
  std::string_view text() { return r_.text(i_++); }

 private:
  void get(std::string& v) { v = r_.string(i_++); }
  void get(std::optional<std::string>& v) {
    if (r_.is_null(i_)) {
      v.reset();
    } else {
      v = r_.string(i_);
    }
    ++i_;
  }
  void get(int64_t& v) { v = r_.int64(i_++); }
  void get(uint64_t& v) { v = r_.uint64(i_++); }
  void get(int& v) { v = static_cast<int>(r_.int64(i_++)); }
  void get(bool& v) { v = r_.boolean(i_++); }
  void get(std::optional<int64_t>& v) { v = r_.optional_int64(i_++); }
  void get(std::optional<int>& v) {
    if (r_.is_null(i_)) {
      v.reset();
    } else {
      v = static_cast<int>(r_.int64(i_));
    }
    ++i_;
  }
  void get(Blob b) { b.into = r_.bytea(i_++); }

  const Row& r_;
  int i_;
};

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
  Columns c(r);
  c(e.employee_external_id, e.external_id, e.event_type, e.timestamp, e.language, e.content_json,
    e.source, out.created_at, out.updated_at, out.task_id);
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
  Columns c(r);
  c(x.id, x.tenant, x.name, x.entity_type, x.method, x.uri, x.region, x.pattern,
    Blob{x.sealed_credentials}, x.schedule_seconds, x.options_json, x.start_after, x.modified_after,
    x.batch, x.max_consecutive_failures);
  auto status = source_status_from_string(c.text());
  if (!status) return Error{"storage_error", "source " + x.id + " has an unknown status"};
  x.status = *status;
  c(x.last_error, x.last_check_at, x.next_check_at, x.failures_since, x.lease_owner,
    x.lease_expires_at, x.created_at, x.updated_at);
  return x;
}

// SKILLSYNC_SOURCE_FILE_COLUMNS (column 0, the seq, is the caller's).
template <class Row>
SourceFileView read_source_file(const Row& r) {
  SourceFileView v;
  SourceFile& f = v.file;
  Columns c(r, 1);
  c(f.source_id, f.key, f.etag, f.size, f.last_modified, f.first_seen, f.task_id, f.skip_reason,
    v.task_status, v.rows_loaded, v.rows_rejected);
  return v;
}

// SKILLSYNC_WEBHOOK_ENDPOINT_COLUMNS
template <class Row>
WebhookEndpoint read_endpoint(const Row& r) {
  WebhookEndpoint e;
  Columns c(r);
  c(e.id, e.tenant, e.url);
  e.event_types = split_event_types(c.text());
  c(e.description, e.enabled, Blob{e.sealed_key}, e.public_key_hex, Blob{e.previous_sealed_key},
    e.previous_public_key_hex, e.previous_key_expires_at, e.created_at, e.updated_at);
  return e;
}

// SKILLSYNC_WEBHOOK_OUTBOX_COLUMNS
template <class Row>
OutboxEvent read_outbox(const Row& r) {
  OutboxEvent o;
  Columns{r}(o.event_id, o.tenant, o.endpoint_id, o.type, o.source_path, o.data_json, o.created_at,
             o.next_attempt_at, o.attempts, o.round_attempts, o.delivered_at, o.dead);
  return o;
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

// SKILLSYNC_WEBHOOK_DELIVERY_COLUMNS: the attempt, then its seq.
template <class Row>
WithSeq<DeliveryAttempt> read_seq_delivery(const Row& r) {
  WithSeq<DeliveryAttempt> out;
  DeliveryAttempt& d = out.second;
  Columns{r}(d.event_id, d.endpoint_id, d.attempt, d.status_code, d.error, d.latency_ms, d.at,
             d.next_retry_at, out.first);
  return out;
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
