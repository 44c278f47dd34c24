// SqlStore: the part of the Store that both backends run alike, written
// once: one statement per call, whose SQL is the same in both dialects but
// for the placeholders (SqlText). Internal to src/store; the base class of
// DialectStore (dialect_store.hpp), which declares the rest (creating and
// listing tasks, leases, loads, the ledger writes of sources) for each
// backend to define in its own dialect.
//
// Here: events (by key and listed), API keys, OAuth clients, settings,
// reading a task, its progress, task stats, reading row errors, purging
// finished tasks,
// creating, changing, listing and reading sources, their ledger, and the
// objects of a "per_check" source's task. Each is one statement on a
// connection of its own (autocommit), as before.
//
// A template over the backend's pool (one/all/run with call arguments as
// parameters, kPlaceholder) and row type (row_mapping.hpp). The store owns
// its pool; the backend's members (webhooks, a listener) may use pool_.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "store/cursor.hpp"
#include "store/row_mapping.hpp"
#include "store/row_params.hpp"
#include "store/sql_columns.hpp"
#include "store/sql_text.hpp"
#include "store/sql_values.hpp"
#include "store/store.hpp"
#include "store/store_checks.hpp"

namespace skillsync::store {

template <class Pool, class Row>
class SqlStore : public Store {
 public:
  Pool& pool() { return pool_; }
  const Clock& clock() const { return clock_; }

  Result<StoredEvent> upsert_event(std::string_view tenant, const schema::Event& e) override {
    // An API write replaces the whole event; created_at survives from the
    // first insert, and task_id is cleared since no load wrote this version.
    static constexpr SqlText k{
        "INSERT INTO events (tenant, employee_external_id, external_id, event_type, timestamp_us,"
        " language, content, source, created_at_us, updated_at_us, task_id)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, NULL)"
        " ON CONFLICT (tenant, employee_external_id, external_id) DO UPDATE SET"
        " event_type = excluded.event_type, timestamp_us = excluded.timestamp_us,"
        " language = excluded.language, content = excluded.content, source = excluded.source,"
        " updated_at_us = excluded.updated_at_us, task_id = NULL"
        " RETURNING " SKILLSYNC_EVENT_COLUMNS};
    SKILLSYNC_ASSIGN_OR_RETURN(
        std::optional<StoredEvent> out,
        pool_.template one<StoredEvent>(sql(k), read_event<Row>, tenant, e.employee_external_id,
                                        e.external_id, e.event_type, e.timestamp, e.language,
                                        e.content_json, e.source, clock_.now()));
    if (!out) return Error{"storage_error", "upsert returned no row"};
    return std::move(*out);
  }
  Result<std::optional<StoredEvent>> get_event(std::string_view tenant,
                                               std::string_view employee_external_id,
                                               std::string_view external_id) override {
    static constexpr SqlText k{"SELECT " SKILLSYNC_EVENT_COLUMNS
                               " FROM events WHERE tenant = $1 AND employee_external_id = $2"
                               " AND external_id = $3"};
    return pool_.template one<StoredEvent>(sql(k), read_event<Row>, tenant, employee_external_id,
                                           external_id);
  }
  Result<bool> delete_event(std::string_view tenant, std::string_view employee_external_id,
                            std::string_view external_id) override {
    static constexpr SqlText k{
        "DELETE FROM events WHERE tenant = $1 AND employee_external_id = $2 AND external_id = $3"};
    return any_changed(pool_.run(sql(k), tenant, employee_external_id, external_id));
  }
  Result<EventPage> list_events(std::string_view tenant, std::string_view employee_external_id,
                                size_t limit, std::string_view cursor) override {
    SKILLSYNC_TRY(check_page_limit(limit, kMaxListLimit));
    SKILLSYNC_ASSIGN_OR_RETURN(const std::optional<EventCursor> after,
                               decode_event_page_cursor(cursor));
    // Keyset pagination on (timestamp_us, external_id), served by the
    // events_by_time index; one extra row tells whether a next page exists.
    static constexpr SqlText kFirst{"SELECT " SKILLSYNC_EVENT_COLUMNS
                                    " FROM events WHERE tenant = $1 AND employee_external_id = $2"
                                    " ORDER BY timestamp_us, external_id LIMIT $3"};
    static constexpr SqlText kAfter{"SELECT " SKILLSYNC_EVENT_COLUMNS
                                    " FROM events WHERE tenant = $1 AND employee_external_id = $2"
                                    " AND (timestamp_us, external_id) > ($4, $5)"
                                    " ORDER BY timestamp_us, external_id LIMIT $3"};
    const int64_t rows_wanted = static_cast<int64_t>(limit) + 1;
    SKILLSYNC_ASSIGN_OR_RETURN(
        std::vector<StoredEvent> rows,
        after ? pool_.template all<StoredEvent>(sql(kAfter), read_event<Row>, tenant,
                                                employee_external_id, rows_wanted, after->timestamp,
                                                after->external_id)
              : pool_.template all<StoredEvent>(sql(kFirst), read_event<Row>, tenant,
                                                employee_external_id, rows_wanted));
    return event_page(std::move(rows), limit);
  }

  Status add_api_key(const ApiKey& key, std::string_view key_hash) override {
    static constexpr SqlText k{
        "INSERT INTO api_keys (id, key_hash, tenant, scopes, created_at_us)"
        " VALUES ($1, $2, $3, $4, $5)"};
    return done(
        pool_.run(sql(k), key.id, key_hash, key.tenant, key.scopes, now_or(key.created_at)));
  }
  Result<std::optional<ApiKey>> find_api_key(std::string_view key_hash) override {
    static constexpr SqlText k{"SELECT " SKILLSYNC_API_KEY_COLUMNS
                               " FROM api_keys WHERE key_hash = $1 AND revoked_at_us IS NULL"};
    return pool_.template one<ApiKey>(sql(k), read_api_key<Row>, key_hash);
  }
  Result<std::vector<ApiKey>> list_api_keys() override {
    static constexpr SqlText k{"SELECT " SKILLSYNC_API_KEY_COLUMNS
                               " FROM api_keys ORDER BY created_at_us, id"};
    return pool_.template all<ApiKey>(sql(k), read_api_key<Row>);
  }
  Result<uint64_t> count_api_keys() override {
    static constexpr SqlText k{"SELECT count(*) FROM api_keys"};
    SKILLSYNC_ASSIGN_OR_RETURN(
        std::optional<uint64_t> n,
        pool_.template one<uint64_t>(sql(k), [](const Row& r) { return r.uint64(0); }));
    return n.value_or(0);
  }
  Result<bool> revoke_api_key(std::string_view id, Micros now) override {
    static constexpr SqlText k{
        "UPDATE api_keys SET revoked_at_us = $2 WHERE id = $1 AND revoked_at_us IS NULL"};
    return any_changed(pool_.run(sql(k), id, now));
  }
  Status touch_api_key(std::string_view id, Micros now) override {
    static constexpr SqlText k{"UPDATE api_keys SET last_used_at_us = $2 WHERE id = $1"};
    return done(pool_.run(sql(k), id, now));
  }

  // OAuth clients: like API keys but looked up by id; the secret's hash is
  // stored as auth/ made it, and a listing never returns it.
  Status add_oauth_client(const OAuthClient& c) override {
    static constexpr SqlText k{
        "INSERT INTO oauth_clients (id, tenant, scopes, secret_hash, created_at_us)"
        " VALUES ($1, $2, $3, $4, $5)"};
    return done(pool_.run(sql(k), c.id, c.tenant, c.scopes, c.secret_hash, now_or(c.created_at)));
  }
  Result<std::optional<OAuthClient>> get_oauth_client(std::string_view id) override {
    static constexpr SqlText k{"SELECT " SKILLSYNC_OAUTH_CLIENT_COLUMNS
                               " FROM oauth_clients WHERE id = $1"};
    return pool_.template one<OAuthClient>(sql(k), read_oauth_client<Row>, id);
  }
  Result<std::vector<OAuthClient>> list_oauth_clients() override {
    static constexpr SqlText k{"SELECT " SKILLSYNC_OAUTH_CLIENT_COLUMNS
                               " FROM oauth_clients ORDER BY created_at_us, id"};
    return pool_.template all<OAuthClient>(sql(k), read_listed_oauth_client<Row>);
  }
  Result<bool> revoke_oauth_client(std::string_view id, Micros now) override {
    static constexpr SqlText k{
        "UPDATE oauth_clients SET revoked_at_us = $2 WHERE id = $1 AND revoked_at_us IS NULL"};
    return any_changed(pool_.run(sql(k), id, now));
  }
  Status touch_oauth_client(std::string_view id, Micros now) override {
    static constexpr SqlText k{"UPDATE oauth_clients SET last_used_at_us = $2 WHERE id = $1"};
    return done(pool_.run(sql(k), id, now));
  }

  Result<std::string> ensure_setting(std::string_view name, std::string_view value) override {
    // ON CONFLICT DO UPDATE (a no-op update) so that RETURNING always gives
    // the stored row, the one a concurrent first writer made included.
    static constexpr SqlText k{
        "INSERT INTO settings (name, value) VALUES ($1, $2)"
        " ON CONFLICT (name) DO UPDATE SET value = settings.value RETURNING value"};
    SKILLSYNC_ASSIGN_OR_RETURN(
        std::optional<std::string> stored,
        pool_.template one<std::string>(sql(k), read_string<Row>, name, value));
    if (!stored) return Error{"storage_error", "the setting was not returned"};
    return std::move(*stored);
  }
  Result<bool> replace_setting(std::string_view name, const std::optional<std::string>& expected,
                               std::string_view value) override {
    static constexpr SqlText kReplace{
        "UPDATE settings SET value = $2 WHERE name = $1 AND value = $3"};
    static constexpr SqlText kFirst{
        "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING"};
    return any_changed(expected ? pool_.run(sql(kReplace), name, value, *expected)
                                : pool_.run(sql(kFirst), name, value));
  }

  Result<std::optional<Task>> get_task(std::string_view tenant, std::string_view id) override {
    static constexpr SqlText k{"SELECT " SKILLSYNC_TASK_COLUMNS
                               " FROM tasks WHERE tenant = $1 AND id = $2"};
    return pool_.template one<Task>(sql(k), read_task<Row>, tenant, id);
  }
  Status update_progress(std::string_view task_id, const Progress& progress) override {
    static constexpr SqlText k{
        "UPDATE tasks SET bytes_total = $2, bytes_read = $3, rows_read = $4, rows_loaded = $5,"
        " rows_rejected = $6, rows_superseded = $7 WHERE id = $1"};
    SKILLSYNC_ASSIGN_OR_RETURN(
        uint64_t n,
        pool_.run(sql(k), task_id, Fields{[&](auto& p) { bind_progress(p, progress); }}));
    if (n == 0) return task_not_found(task_id);
    return ok_status();
  }
  Result<TaskStats> task_stats() override {
    static constexpr SqlText k{
        "SELECT status, count(*), min(created_at_us) FROM tasks GROUP BY status"};
    TaskStats stats;
    SKILLSYNC_TRY(pool_.each(sql(k), [&](const Row& r) { add_task_stats_row(stats, r); }));
    return stats;
  }
  Result<uint64_t> purge_finished_before(Micros cutoff) override {
    // Row errors and idempotency keys go with their task (ON DELETE
    // CASCADE). Finished tasks have no stage.
    static constexpr SqlText k{
        "DELETE FROM tasks WHERE finished_at_us < $1 AND status NOT IN ('pending', 'running')"};
    return pool_.run(sql(k), cutoff);
  }
  Result<std::vector<RowError>> row_errors(std::string_view task_id, size_t limit) override {
    static constexpr SqlText k{"SELECT " SKILLSYNC_ROW_ERROR_COLUMNS
                               " FROM row_errors WHERE task_id = $1 ORDER BY seq LIMIT $2"};
    return pool_.template all<RowError>(sql(k), read_row_error<Row>, task_id, clamp_limit(limit));
  }
  Result<RowErrorPage> row_errors_page(std::string_view task_id, size_t limit,
                                       std::string_view cursor) override {
    // seq is the file order (assigned in staging order); the primary key
    // (task_id, seq) serves the range.
    static constexpr SqlText k{
        "SELECT " SKILLSYNC_ROW_ERROR_COLUMNS
        ", seq FROM row_errors WHERE task_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"};
    return seq_page_after<RowErrorPage>(sql(k), read_seq_row_error<Row>, task_id, limit,
                                        kMaxRowErrorPageLimit, cursor);
  }

  Status create_source(const Source& x) override {
    static constexpr SqlText k{
        "INSERT INTO sources (id, tenant, name, entity_type, method, uri, region, pattern,"
        " sealed_credentials, schedule_seconds, options_json, start_after, modified_after_us,"
        " batch, max_consecutive_failures, status, last_error, next_check_at_us,"
        " failures_since_us, lease_owner, created_at_us, updated_at_us) VALUES ($1, $2, $3, $4,"
        " $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, '', $20, $20)"};
    return done(pool_.run(sql(k), x.id, x.tenant, settable(x), now_or(x.created_at)));
  }
  Result<bool> update_source(const Source& x, Micros now) override {
    static constexpr SqlText k{
        "UPDATE sources SET name = $3, entity_type = $4, method = $5, uri = $6, region = $7,"
        " pattern = $8, sealed_credentials = $9, schedule_seconds = $10, options_json = $11,"
        " start_after = $12, modified_after_us = $13, batch = $14,"
        " max_consecutive_failures = $15, status = $16, last_error = $17,"
        " next_check_at_us = $18, failures_since_us = $19, updated_at_us = $20"
        " WHERE tenant = $1 AND id = $2"};
    return any_changed(pool_.run(sql(k), x.tenant, x.id, settable(x), now));
  }
  Result<bool> delete_source(std::string_view tenant, std::string_view id) override {
    // source_files go with it (ON DELETE CASCADE; SQLite: foreign_keys is on).
    static constexpr SqlText k{"DELETE FROM sources WHERE tenant = $1 AND id = $2"};
    return any_changed(pool_.run(sql(k), tenant, id));
  }
  Result<SourcePage> list_sources(std::string_view tenant, size_t limit,
                                  std::string_view cursor) override {
    SKILLSYNC_ASSIGN_OR_RETURN(const std::optional<TaskCursor> after,
                               decode_task_page_request(limit, kMaxListLimit, cursor));
    // Newest first: keyset pagination on (created_at_us, id) descending.
    static constexpr SqlText kFirst{"SELECT " SKILLSYNC_SOURCE_COLUMNS
                                    " FROM sources WHERE tenant = $1"
                                    " ORDER BY created_at_us DESC, id DESC LIMIT $2"};
    static constexpr SqlText kAfter{"SELECT " SKILLSYNC_SOURCE_COLUMNS
                                    " FROM sources WHERE tenant = $1"
                                    " AND (created_at_us, id) < ($3, $4)"
                                    " ORDER BY created_at_us DESC, id DESC LIMIT $2"};
    const int64_t rows_wanted = static_cast<int64_t>(limit) + 1;
    SKILLSYNC_ASSIGN_OR_RETURN(
        std::vector<Source> rows,
        after ? pool_.template all<Source>(sql(kAfter), read_source<Row>, tenant, rows_wanted,
                                           after->created_at, after->id)
              : pool_.template all<Source>(sql(kFirst), read_source<Row>, tenant, rows_wanted));
    return source_page(std::move(rows), limit);
  }
  Result<std::optional<Source>> claim_due_source(std::string_view owner, Micros now,
                                                 Micros lease_duration) override {
    SKILLSYNC_TRY(check_claim(owner, lease_duration));
    // One statement picks the source due longest and claims it; with row
    // locks (Pool::kRowLocks) concurrent claims skip each other's row.
#define SKILLSYNC_CLAIM_DUE_SOURCE(LOCK)                                                   \
  "UPDATE sources SET lease_owner = $1, lease_expires_at_us = $3, next_check_at_us = NULL" \
  " WHERE id = (SELECT id FROM sources WHERE status = 'active'"                            \
  " AND (next_check_at_us IS NULL OR next_check_at_us <= $2)"                              \
  " AND (lease_expires_at_us IS NULL OR lease_expires_at_us < $2)"                         \
  " ORDER BY next_check_at_us, id LIMIT 1" LOCK ") RETURNING " SKILLSYNC_SOURCE_COLUMNS
    static constexpr SqlText kClaim{SKILLSYNC_CLAIM_DUE_SOURCE("")};
    static constexpr SqlText kClaimSkippingLocked{
        SKILLSYNC_CLAIM_DUE_SOURCE(" FOR UPDATE SKIP LOCKED")};
#undef SKILLSYNC_CLAIM_DUE_SOURCE
    return pool_.template one<Source>(Pool::kRowLocks ? sql(kClaimSkippingLocked) : sql(kClaim),
                                      read_source<Row>, owner, now, now + lease_duration);
  }
  Status finish_source_check(std::string_view source_id, std::string_view owner,
                             const SourceCheckResult& r) override {
    // next_check_at: the earlier of the result's and one set meanwhile.
    static constexpr SqlText k{
        "UPDATE sources SET last_check_at_us = $3, lease_owner = '',"
        " next_check_at_us = CASE WHEN next_check_at_us IS NULL OR $4 < next_check_at_us"
        " THEN $4 ELSE next_check_at_us END,"
        " lease_expires_at_us = NULL,"
        " status = CASE WHEN CAST($5 AS TEXT) IS NULL THEN status ELSE 'error' END,"
        " last_error = coalesce($5, last_error)"
        " WHERE id = $1 AND lease_owner = $2"};
    SKILLSYNC_ASSIGN_OR_RETURN(
        uint64_t n, pool_.run(sql(k), source_id, owner, r.checked_at, r.next_check_at, r.error));
    if (n == 0) return source_lease_lost(source_id);
    return ok_status();
  }
  Result<RecordedFile> record_source_file(const SourceFile& file) override {
    return record_file_and_create_task(file, Task{});
  }
  Result<std::optional<Source>> get_source(std::string_view tenant, std::string_view id) override {
    static constexpr SqlText k{"SELECT " SKILLSYNC_SOURCE_COLUMNS
                               " FROM sources WHERE tenant = $1 AND id = $2"};
    return pool_.template one<Source>(sql(k), read_source<Row>, tenant, id);
  }
  Result<SourceFilePage> list_source_files(std::string_view source_id, size_t limit,
                                           std::string_view cursor) override {
    static constexpr SqlText k{"SELECT " SKILLSYNC_SOURCE_FILE_COLUMNS
                               " FROM source_files f LEFT JOIN tasks t ON t.id = f.task_id"
                               " WHERE f.source_id = $1 AND f.seq > $2 ORDER BY f.seq LIMIT $3"};
    return seq_page_after<SourceFilePage>(sql(k), read_seq_source_file<Row>, source_id, limit,
                                          kMaxListLimit, cursor);
  }
  Result<std::vector<TaskStatus>> recent_source_task_statuses(std::string_view source_id,
                                                              Micros since, size_t limit) override {
    static constexpr SqlText k{
        "SELECT status FROM tasks WHERE source_id = $1 AND created_at_us >= $2"
        " ORDER BY created_at_us DESC, id DESC LIMIT $3"};
    SKILLSYNC_ASSIGN_OR_RETURN(std::vector<std::string> names,
                               pool_.template all<std::string>(sql(k), read_string<Row>, source_id,
                                                               since, clamp_limit(limit)));
    return known_task_statuses(names);
  }
  Result<std::vector<TaskObject>> list_task_objects(std::string_view task_id) override {
    static constexpr SqlText k{
        "SELECT key, etag, size FROM task_objects WHERE task_id = $1 ORDER BY position"};
    return pool_.template all<TaskObject>(
        sql(k),
        [](const Row& r) {
          return TaskObject{r.string(0), r.string(1), r.uint64(2)};
        },
        task_id);
  }

 protected:
  // `pool_args` construct the pool.
  template <class... PoolArgs>
  explicit SqlStore(const Clock& clock, PoolArgs&&... pool_args)
      : pool_(std::forward<PoolArgs>(pool_args)...), clock_(clock) {}

  // `t`, or now when it is 0 (a create's default time).
  Micros now_or(Micros t) const { return t != 0 ? t : clock_.now(); }

  Pool pool_;
  const Clock& clock_;

 private:
  template <size_t N>
  static const char* sql(const SqlText<N>& text) {
    return text.template in<Pool>();
  }
  static Status done(const Result<uint64_t>& changed) {
    if (!changed.ok()) return changed.error();
    return ok_status();
  }
  // The fields a user or a status change sets on a source, as parameters.
  static auto settable(const Source& x) {
    return Fields{[&x](auto& p) { bind_source_settable(p, x); }};
  }
  // Whether a statement changed any row.
  static Result<bool> any_changed(const Result<uint64_t>& changed) {
    if (!changed.ok()) return changed.error();
    return *changed > 0;
  }

  // The page after `cursor` of a list paged by seq: `sql` takes (key, the
  // seq to start after, limit + 1) and `read` maps a row to WithSeq<item>.
  // "invalid_argument" unless 1 <= limit <= max_limit, "invalid_cursor" for
  // a cursor of another list.
  template <class Page, class Read>
  Result<Page> seq_page_after(const char* sql, Read read, std::string_view key, size_t limit,
                              size_t max_limit, std::string_view cursor) {
    using Item = typename decltype(Page::items)::value_type;
    SKILLSYNC_TRY(check_page_limit(limit, max_limit));
    SKILLSYNC_ASSIGN_OR_RETURN(const int64_t after, decode_seq_page_cursor(cursor));
    SKILLSYNC_ASSIGN_OR_RETURN(
        std::vector<WithSeq<Item>> rows,
        pool_.template all<WithSeq<Item>>(sql, read, key, after, static_cast<int64_t>(limit) + 1));
    return seq_page<Page>(std::move(rows), limit);
  }
};

}  // namespace skillsync::store
