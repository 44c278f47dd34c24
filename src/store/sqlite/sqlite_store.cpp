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
namespace {

StoredEvent read_event(const Stmt& s) {
  StoredEvent out;
  schema::Event& e = out.event;
  e.employee_external_id = s.column_string(0);
  e.external_id = s.column_string(1);
  e.event_type = s.column_string(2);
  e.timestamp = s.column_int64(3);
  e.language = s.column_string(4);
  e.content_json = s.column_string(5);
  if (!s.is_null(6)) e.source = s.column_string(6);
  out.created_at = s.column_int64(7);
  out.updated_at = s.column_int64(8);
  if (!s.is_null(9)) out.task_id = s.column_string(9);
  return out;
}

ApiKey read_api_key(const Stmt& s) {
  ApiKey k;
  k.id = s.column_string(0);
  k.tenant = s.column_string(1);
  k.scopes = s.column_string(2);
  k.created_at = s.column_int64(3);
  if (!s.is_null(4)) k.last_used_at = s.column_int64(4);
  if (!s.is_null(5)) k.revoked_at = s.column_int64(5);
  return k;
}

}  // namespace

Result<StoredEvent> SqliteStore::upsert_event(std::string_view tenant, const schema::Event& e) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  // An API write replaces the whole event; created_at survives from the
  // first insert, and task_id is cleared since no load wrote this version.
  auto stmt = (*conn)->cached(
      "INSERT INTO events (tenant, employee_external_id, external_id, event_type, timestamp_us,"
      " language, content, source, created_at_us, updated_at_us, task_id)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, NULL)"
      " ON CONFLICT (tenant, employee_external_id, external_id) DO UPDATE SET"
      " event_type = excluded.event_type, timestamp_us = excluded.timestamp_us,"
      " language = excluded.language, content = excluded.content, source = excluded.source,"
      " updated_at_us = excluded.updated_at_us, task_id = NULL"
      " RETURNING " SKILLSYNC_EVENT_COLUMNS);
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, tenant);
  s.bind_text(2, e.employee_external_id);
  s.bind_text(3, e.external_id);
  s.bind_text(4, e.event_type);
  s.bind_int64(5, e.timestamp);
  s.bind_text(6, e.language);
  s.bind_text(7, e.content_json);
  if (e.source) {
    s.bind_text(8, *e.source);
  } else {
    s.bind_null(8);
  }
  s.bind_int64(9, clock_.now());
  auto row = s.step();
  if (!row.ok()) return row.error();
  if (!row.value()) return Error{"storage_error", "upsert returned no row"};
  StoredEvent out = read_event(s);
  // Run the statement to completion so its implicit transaction commits.
  auto done = s.step();
  if (!done.ok()) return done.error();
  return out;
}

Result<std::optional<StoredEvent>> SqliteStore::get_event(std::string_view tenant,
                                                          std::string_view employee_external_id,
                                                          std::string_view external_id) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached("SELECT " SKILLSYNC_EVENT_COLUMNS
                              " FROM events WHERE tenant = ?1 AND employee_external_id = ?2"
                              " AND external_id = ?3");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, tenant);
  s.bind_text(2, employee_external_id);
  s.bind_text(3, external_id);
  auto row = s.step();
  if (!row.ok()) return row.error();
  if (!row.value()) return std::optional<StoredEvent>();
  return std::optional<StoredEvent>(read_event(s));
}

Result<bool> SqliteStore::delete_event(std::string_view tenant,
                                       std::string_view employee_external_id,
                                       std::string_view external_id) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached(
      "DELETE FROM events WHERE tenant = ?1 AND employee_external_id = ?2 AND external_id = ?3");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, tenant);
  s.bind_text(2, employee_external_id);
  s.bind_text(3, external_id);
  SKILLSYNC_TRY(s.run());
  return (*conn)->db().changes() > 0;
}

Result<EventPage> SqliteStore::list_events(std::string_view tenant,
                                           std::string_view employee_external_id, size_t limit,
                                           std::string_view cursor) {
  SKILLSYNC_TRY(check_page_limit(limit, kMaxListLimit));
  auto page_start = decode_event_page_cursor(cursor);
  if (!page_start.ok()) return page_start.error();
  const std::optional<EventCursor>& after = *page_start;
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  // Keyset pagination on (timestamp_us, external_id), served by the
  // events_by_time index; one extra row tells whether a next page exists.
  auto stmt = (*conn)->cached(after ? "SELECT " SKILLSYNC_EVENT_COLUMNS
                                      " FROM events WHERE tenant = ?1 AND employee_external_id = ?2"
                                      " AND (timestamp_us, external_id) > (?4, ?5)"
                                      " ORDER BY timestamp_us, external_id LIMIT ?3"
                                    : "SELECT " SKILLSYNC_EVENT_COLUMNS
                                      " FROM events WHERE tenant = ?1 AND employee_external_id = ?2"
                                      " ORDER BY timestamp_us, external_id LIMIT ?3");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, tenant);
  s.bind_text(2, employee_external_id);
  s.bind_int64(3, static_cast<int64_t>(limit) + 1);
  if (after) {
    s.bind_int64(4, after->timestamp);
    s.bind_text(5, after->external_id);
  }
  EventPage page;
  page.items.reserve(limit);
  for (;;) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!row.value()) break;
    if (page.items.size() == limit) {
      set_next_cursor(page);
      break;
    }
    page.items.push_back(read_event(s));
  }
  return page;
}

Status SqliteStore::add_api_key(const ApiKey& key, std::string_view key_hash) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached(
      "INSERT INTO api_keys (id, key_hash, tenant, scopes, created_at_us)"
      " VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, key.id);
  s.bind_text(2, key_hash);
  s.bind_text(3, key.tenant);
  s.bind_text(4, key.scopes);
  s.bind_int64(5, key.created_at != 0 ? key.created_at : clock_.now());
  return s.run();
}

Result<std::optional<ApiKey>> SqliteStore::find_api_key(std::string_view key_hash) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached("SELECT " SKILLSYNC_API_KEY_COLUMNS
                              " FROM api_keys WHERE key_hash = ?1 AND revoked_at_us IS NULL");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, key_hash);
  auto row = s.step();
  if (!row.ok()) return row.error();
  if (!row.value()) return std::optional<ApiKey>();
  return std::optional<ApiKey>(read_api_key(s));
}

Result<uint64_t> SqliteStore::count_api_keys() {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto n = (*conn)->db().query_int("SELECT count(*) FROM api_keys");
  if (!n.ok()) return n.error();
  return static_cast<uint64_t>(n.value());
}

Result<TaskStats> SqliteStore::task_stats() {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt =
      (*conn)->cached("SELECT status, count(*), min(created_at_us) FROM tasks GROUP BY status");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  TaskStats stats;
  for (;;) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!row.value()) break;
    auto status = task_status_from_string(s.column_text(0));
    if (!status) continue;
    stats.by_status[static_cast<size_t>(*status)] = static_cast<uint64_t>(s.column_int64(1));
    if (*status == TaskStatus::kPending) stats.oldest_pending_created_at = s.column_int64(2);
  }
  return stats;
}

Result<std::vector<ApiKey>> SqliteStore::list_api_keys() {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached("SELECT " SKILLSYNC_API_KEY_COLUMNS
                              " FROM api_keys ORDER BY created_at_us, id");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  std::vector<ApiKey> out;
  for (;;) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!row.value()) break;
    out.push_back(read_api_key(s));
  }
  return out;
}

Result<int> SqliteStore::update_by_id(std::string_view sql, std::string_view id, Micros now) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached(sql);
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, id);
  s.bind_int64(2, now);
  SKILLSYNC_TRY(s.run());
  return sqlite3_changes((*conn)->db().get());
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
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  // One statement: the insert and the read see the same row.
  auto stmt = (*conn)->cached(
      "INSERT INTO settings (name, value) VALUES (?1, ?2)"
      " ON CONFLICT (name) DO UPDATE SET value = settings.value RETURNING value");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, name);
  s.bind_text(2, value);
  auto row = s.step();
  if (!row.ok()) return row.error();
  if (!row.value()) return Error{"storage_error", "the setting was not returned"};
  return s.column_string(0);
}

Result<bool> SqliteStore::replace_setting(std::string_view name,
                                          const std::optional<std::string>& expected,
                                          std::string_view value) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached(
      expected
          ? "UPDATE settings SET value = ?2 WHERE name = ?1 AND value = ?3"
          : "INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, name);
  s.bind_text(2, value);
  if (expected) s.bind_text(3, *expected);
  SKILLSYNC_TRY(s.run());
  return sqlite3_changes((*conn)->db().get()) > 0;
}

}  // namespace sqlite
}  // namespace skillsync::store
