// SqliteStore: opening the file, events and API keys.
#include "store/sqlite/sqlite_store.hpp"

#include "store/cursor.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/sqlite_store_impl.hpp"

namespace skillsync::store {

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path, const Clock& clock) {
  if (path.empty() || path == ":memory:" || path.starts_with("file::memory:")) {
    return Error{"invalid_argument",
                 "the SQLite store needs a file path, not an in-memory database"};
  }
  auto conn = sqlite::ConnectionPool::open_connection(path);
  if (!conn.ok()) return conn.error();
  sqlite::Db& db = (*conn)->db();
  // WAL is a property of the file: readers never block the writer, and the
  // HTTP threads keep answering while a load commits its batches.
  {
    auto mode = db.prepare("PRAGMA journal_mode = WAL");
    if (!mode.ok()) return mode.error();
    auto row = mode->step();
    if (!row.ok()) return row.error();
    if (!row.value() || mode->column_text(0) != "wal") {
      return Error{"storage_error", "cannot put database " + path + " in WAL mode"};
    }
  }  // finalized here: an unfinished statement would block the migration's COMMIT
  SKILLSYNC_TRY(sqlite::migrate(db));
  return std::unique_ptr<Store>(std::make_unique<sqlite::SqliteStore>(path, clock));
}

namespace sqlite {
Result<StoredEvent> SqliteStore::upsert_event(std::string_view tenant, const schema::Event& e) {
  // An API write replaces the whole event; created_at survives from the
  // first insert, and task_id is cleared since no load wrote this version.
  SKILLSYNC_ASSIGN_OR_RETURN(
      PooledQuery s,
      pool_.query(
          "INSERT INTO events (tenant, employee_external_id, external_id, event_type, timestamp_us,"
          " language, content, source, created_at_us, updated_at_us, task_id)"
          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, NULL)"
          " ON CONFLICT (tenant, employee_external_id, external_id) DO UPDATE SET"
          " event_type = excluded.event_type, timestamp_us = excluded.timestamp_us,"
          " language = excluded.language, content = excluded.content, source = excluded.source,"
          " updated_at_us = excluded.updated_at_us, task_id = NULL"
          " RETURNING " SKILLSYNC_EVENT_COLUMNS));
  s.text(tenant).text(e.employee_external_id).text(e.external_id).text(e.event_type);
  s.int64(e.timestamp).text(e.language).text(e.content_json).optional_text(e.source);
  // one() runs the statement to completion, so its implicit transaction commits.
  SKILLSYNC_ASSIGN_OR_RETURN(auto out, s.int64(clock_.now()).one<StoredEvent>(read_event<Row>));
  if (!out) return Error{"storage_error", "upsert returned no row"};
  return std::move(*out);
}

Result<std::optional<StoredEvent>> SqliteStore::get_event(std::string_view tenant,
                                                          std::string_view employee_external_id,
                                                          std::string_view external_id) {
  SKILLSYNC_ASSIGN_OR_RETURN(
      PooledQuery s, pool_.query("SELECT " SKILLSYNC_EVENT_COLUMNS
                                 " FROM events WHERE tenant = ?1 AND employee_external_id = ?2"
                                 " AND external_id = ?3"));
  s.text(tenant).text(employee_external_id).text(external_id);
  return s.one<StoredEvent>(read_event<Row>);
}

Result<bool> SqliteStore::delete_event(std::string_view tenant,
                                       std::string_view employee_external_id,
                                       std::string_view external_id) {
  SKILLSYNC_ASSIGN_OR_RETURN(PooledQuery s,
                             pool_.query("DELETE FROM events WHERE tenant = ?1 AND "
                                         "employee_external_id = ?2 AND external_id = ?3"));
  s.text(tenant).text(employee_external_id).text(external_id);
  SKILLSYNC_TRY(s.run());
  return s.changes() > 0;
}

Result<EventPage> SqliteStore::list_events(std::string_view tenant,
                                           std::string_view employee_external_id, size_t limit,
                                           std::string_view cursor) {
  SKILLSYNC_TRY(check_page_limit(limit, kMaxListLimit));
  SKILLSYNC_ASSIGN_OR_RETURN(const std::optional<EventCursor> after,
                             decode_event_page_cursor(cursor));
  // Keyset pagination on (timestamp_us, external_id), served by the
  // events_by_time index; one extra row tells whether a next page exists.
  SKILLSYNC_ASSIGN_OR_RETURN(
      PooledQuery s,
      pool_.query(after ? "SELECT " SKILLSYNC_EVENT_COLUMNS
                          " FROM events WHERE tenant = ?1 AND employee_external_id = ?2"
                          " AND (timestamp_us, external_id) > (?4, ?5)"
                          " ORDER BY timestamp_us, external_id LIMIT ?3"
                        : "SELECT " SKILLSYNC_EVENT_COLUMNS
                          " FROM events WHERE tenant = ?1 AND employee_external_id = ?2"
                          " ORDER BY timestamp_us, external_id LIMIT ?3"));
  s.text(tenant).text(employee_external_id).int64(static_cast<int64_t>(limit) + 1);
  if (after) s.int64(after->timestamp).text(after->external_id);
  SKILLSYNC_ASSIGN_OR_RETURN(auto rows, s.all<StoredEvent>(read_event<Row>));
  return event_page(std::move(rows), limit);
}

Status SqliteStore::add_api_key(const ApiKey& key, std::string_view key_hash) {
  SKILLSYNC_ASSIGN_OR_RETURN(
      PooledQuery s,
      pool_.query("INSERT INTO api_keys (id, key_hash, tenant, scopes, created_at_us)"
                  " VALUES (?1, ?2, ?3, ?4, ?5)"));
  s.text(key.id).text(key_hash).text(key.tenant).text(key.scopes);
  return s.int64(key.created_at != 0 ? key.created_at : clock_.now()).run();
}

Result<std::optional<ApiKey>> SqliteStore::find_api_key(std::string_view key_hash) {
  SKILLSYNC_ASSIGN_OR_RETURN(
      PooledQuery s, pool_.query("SELECT " SKILLSYNC_API_KEY_COLUMNS
                                 " FROM api_keys WHERE key_hash = ?1 AND revoked_at_us IS NULL"));
  return s.text(key_hash).one<ApiKey>(read_api_key<Row>);
}

Result<uint64_t> SqliteStore::count_api_keys() {
  SKILLSYNC_ASSIGN_OR_RETURN(PooledConnection conn, pool_.acquire());
  auto n = conn->db().query_int("SELECT count(*) FROM api_keys");
  if (!n.ok()) return n.error();
  return static_cast<uint64_t>(n.value());
}

Result<TaskStats> SqliteStore::task_stats() {
  SKILLSYNC_ASSIGN_OR_RETURN(
      PooledQuery s,
      pool_.query("SELECT status, count(*), min(created_at_us) FROM tasks GROUP BY status"));
  TaskStats stats;
  SKILLSYNC_TRY(s.for_each([&](const Row& r) { add_task_stats_row(stats, r); }));
  return stats;
}

Result<std::vector<ApiKey>> SqliteStore::list_api_keys() {
  SKILLSYNC_ASSIGN_OR_RETURN(
      PooledQuery s,
      pool_.query("SELECT " SKILLSYNC_API_KEY_COLUMNS " FROM api_keys ORDER BY created_at_us, id"));
  return s.all<ApiKey>(read_api_key<Row>);
}

Result<int> SqliteStore::update_by_id(std::string_view sql, std::string_view id, Micros now) {
  SKILLSYNC_ASSIGN_OR_RETURN(PooledQuery s, pool_.query(sql));
  s.text(id).int64(now);
  SKILLSYNC_TRY(s.run());
  return s.changes();
}

Result<bool> SqliteStore::revoke_api_key(std::string_view id, Micros now) {
  auto changed = update_by_id(
      "UPDATE api_keys SET revoked_at_us = ?2 WHERE id = ?1 AND revoked_at_us IS NULL", id, now);
  if (!changed.ok()) return changed.error();
  return *changed > 0;
}

Status SqliteStore::touch_api_key(std::string_view id, Micros now) {
  auto changed = update_by_id("UPDATE api_keys SET last_used_at_us = ?2 WHERE id = ?1", id, now);
  if (!changed.ok()) return changed.error();
  return {};
}

Result<std::string> SqliteStore::ensure_setting(std::string_view name, std::string_view value) {
  // One statement: the insert and the read see the same row.
  SKILLSYNC_ASSIGN_OR_RETURN(
      PooledQuery s,
      pool_.query("INSERT INTO settings (name, value) VALUES (?1, ?2)"
                  " ON CONFLICT (name) DO UPDATE SET value = settings.value RETURNING value"));
  s.text(name).text(value);
  auto row = s.step();
  if (!row.ok()) return row.error();
  if (!row.value()) return Error{"storage_error", "the setting was not returned"};
  return s.row().string(0);
}

Result<bool> SqliteStore::replace_setting(std::string_view name,
                                          const std::optional<std::string>& expected,
                                          std::string_view value) {
  SKILLSYNC_ASSIGN_OR_RETURN(
      PooledQuery s,
      pool_.query(expected ? "UPDATE settings SET value = ?2 WHERE name = ?1 AND value = ?3"
                           : "INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT "
                             "(name) DO NOTHING"));
  SKILLSYNC_TRY(s.text(name).text(value).optional_text(expected).run());
  return s.changes() > 0;
}

}  // namespace sqlite
}  // namespace skillsync::store
