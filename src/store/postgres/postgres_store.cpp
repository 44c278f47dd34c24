// PostgresStore: opening the database, events and API keys.
#include "store/postgres/postgres_store.hpp"

#include "store/cursor.hpp"
#include "store/postgres/migrations.hpp"
#include "store/postgres/postgres_store_impl.hpp"

namespace skillsync::store {

Result<std::unique_ptr<Store>> open_postgres_store(const std::string& conninfo,
                                                   const Clock& clock) {
  // Parsed first, for the password: every message of the store is scrubbed
  // of it. libpq's own parse errors may quote the URL, so none is passed on.
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &parse_error);
  if (options == nullptr) {
    if (parse_error != nullptr) PQfreemem(parse_error);
    return Error{"invalid_argument", "the PostgreSQL connection URL is not valid"};
  }
  std::string password;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "password" && o->val != nullptr) password = o->val;
  }
  PQconninfoFree(options);

  auto conn = postgres::PgConn::connect(conninfo, password);
  if (!conn.ok()) return conn.error();
  SKILLSYNC_TRY(postgres::migrate(*conn));
  return std::unique_ptr<Store>(
      std::make_unique<postgres::PostgresStore>(conninfo, std::move(password), clock));
}

namespace postgres {
namespace {

StoredEvent read_event(const PgResult& r, int i) {
  StoredEvent out;
  schema::Event& e = out.event;
  e.employee_external_id = r.string(i, 0);
  e.external_id = r.string(i, 1);
  e.event_type = r.string(i, 2);
  e.timestamp = r.int64(i, 3);
  e.language = r.string(i, 4);
  e.content_json = r.string(i, 5);
  if (!r.is_null(i, 6)) e.source = r.string(i, 6);
  out.created_at = r.int64(i, 7);
  out.updated_at = r.int64(i, 8);
  if (!r.is_null(i, 9)) out.task_id = r.string(i, 9);
  return out;
}

ApiKey read_api_key(const PgResult& r, int i) {
  ApiKey k;
  k.id = r.string(i, 0);
  k.tenant = r.string(i, 1);
  k.scopes = r.string(i, 2);
  k.created_at = r.int64(i, 3);
  k.last_used_at = r.optional_int64(i, 4);
  k.revoked_at = r.optional_int64(i, 5);
  return k;
}

}  // namespace

Result<StoredEvent> PostgresStore::upsert_event(std::string_view tenant, const schema::Event& e) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  // An API write replaces the whole event; created_at survives from the
  // first insert, and task_id is cleared since no load wrote this version.
  Params p;
  p.text(tenant).text(e.employee_external_id).text(e.external_id).text(e.event_type);
  p.int64(e.timestamp).text(e.language).text(e.content_json);
  if (e.source) {
    p.text(*e.source);
  } else {
    p.null_text();
  }
  p.int64(clock_.now());
  auto r = (*conn)->exec(
      "INSERT INTO events (tenant, employee_external_id, external_id, event_type, timestamp_us,"
      " language, content, source, created_at_us, updated_at_us, task_id)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, NULL)"
      " ON CONFLICT (tenant, employee_external_id, external_id) DO UPDATE SET"
      " event_type = excluded.event_type, timestamp_us = excluded.timestamp_us,"
      " language = excluded.language, content = excluded.content, source = excluded.source,"
      " updated_at_us = excluded.updated_at_us, task_id = NULL"
      " RETURNING " SKILLSYNC_EVENT_COLUMNS,
      p);
  if (!r.ok()) return r.error();
  if (r->rows() != 1) return Error{"storage_error", "upsert returned no row"};
  return read_event(*r, 0);
}

Result<std::optional<StoredEvent>> PostgresStore::get_event(std::string_view tenant,
                                                            std::string_view employee_external_id,
                                                            std::string_view external_id) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto r = (*conn)->exec("SELECT " SKILLSYNC_EVENT_COLUMNS
                         " FROM events WHERE tenant = $1 AND employee_external_id = $2"
                         " AND external_id = $3",
                         Params().text(tenant).text(employee_external_id).text(external_id));
  if (!r.ok()) return r.error();
  if (r->rows() == 0) return std::optional<StoredEvent>();
  return std::optional<StoredEvent>(read_event(*r, 0));
}

Result<bool> PostgresStore::delete_event(std::string_view tenant,
                                         std::string_view employee_external_id,
                                         std::string_view external_id) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto r = (*conn)->exec(
      "DELETE FROM events WHERE tenant = $1 AND employee_external_id = $2 AND external_id = $3",
      Params().text(tenant).text(employee_external_id).text(external_id));
  if (!r.ok()) return r.error();
  return r->affected() > 0;
}

Result<EventPage> PostgresStore::list_events(std::string_view tenant,
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
  Params p;
  p.text(tenant).text(employee_external_id).int64(static_cast<int64_t>(limit) + 1);
  if (after) p.int64(after->timestamp).text(after->external_id);
  auto r = (*conn)->exec(after ? "SELECT " SKILLSYNC_EVENT_COLUMNS
                                 " FROM events WHERE tenant = $1 AND employee_external_id = $2"
                                 " AND (timestamp_us, external_id) > ($4, $5)"
                                 " ORDER BY timestamp_us, external_id LIMIT $3"
                               : "SELECT " SKILLSYNC_EVENT_COLUMNS
                                 " FROM events WHERE tenant = $1 AND employee_external_id = $2"
                                 " ORDER BY timestamp_us, external_id LIMIT $3",
                         p);
  if (!r.ok()) return r.error();
  EventPage page;
  const int n = std::min(r->rows(), static_cast<int>(limit));
  page.items.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) page.items.push_back(read_event(*r, i));
  if (r->rows() > static_cast<int>(limit)) set_next_cursor(page);
  return page;
}

Status PostgresStore::add_api_key(const ApiKey& key, std::string_view key_hash) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto r = (*conn)->exec(
      "INSERT INTO api_keys (id, key_hash, tenant, scopes, created_at_us)"
      " VALUES ($1, $2, $3, $4, $5)",
      Params()
          .text(key.id)
          .text(key_hash)
          .text(key.tenant)
          .text(key.scopes)
          .int64(key.created_at != 0 ? key.created_at : clock_.now()));
  if (!r.ok()) return r.error();
  return ok_status();
}

Result<std::optional<ApiKey>> PostgresStore::find_api_key(std::string_view key_hash) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto r = (*conn)->exec("SELECT " SKILLSYNC_API_KEY_COLUMNS
                         " FROM api_keys WHERE key_hash = $1 AND revoked_at_us IS NULL",
                         Params().text(key_hash));
  if (!r.ok()) return r.error();
  if (r->rows() == 0) return std::optional<ApiKey>();
  return std::optional<ApiKey>(read_api_key(*r, 0));
}

Result<uint64_t> PostgresStore::count_api_keys() {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto r = (*conn)->exec("SELECT count(*) FROM api_keys");
  if (!r.ok()) return r.error();
  return r->uint64(0, 0);
}

Result<TaskStats> PostgresStore::task_stats() {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto r = (*conn)->exec("SELECT status, count(*), min(created_at_us) FROM tasks GROUP BY status");
  if (!r.ok()) return r.error();
  TaskStats stats;
  for (int i = 0; i < r->rows(); ++i) {
    auto status = task_status_from_string(r->text(i, 0));
    if (!status) continue;
    stats.by_status[static_cast<size_t>(*status)] = r->uint64(i, 1);
    if (*status == TaskStatus::kPending) stats.oldest_pending_created_at = r->int64(i, 2);
  }
  return stats;
}

Result<std::vector<ApiKey>> PostgresStore::list_api_keys() {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto r = (*conn)->exec("SELECT " SKILLSYNC_API_KEY_COLUMNS
                         " FROM api_keys ORDER BY created_at_us, id");
  if (!r.ok()) return r.error();
  std::vector<ApiKey> out;
  out.reserve(static_cast<size_t>(r->rows()));
  for (int i = 0; i < r->rows(); ++i) out.push_back(read_api_key(*r, i));
  return out;
}

Result<bool> PostgresStore::revoke_api_key(std::string_view id, Micros now) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto r = (*conn)->exec(
      "UPDATE api_keys SET revoked_at_us = $2 WHERE id = $1 AND revoked_at_us IS NULL",
      Params().text(id).int64(now));
  if (!r.ok()) return r.error();
  return r->affected() > 0;
}

Status PostgresStore::touch_api_key(std::string_view id, Micros now) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto r = (*conn)->exec("UPDATE api_keys SET last_used_at_us = $2 WHERE id = $1",
                         Params().text(id).int64(now));
  if (!r.ok()) return r.error();
  return ok_status();
}

Result<std::string> PostgresStore::ensure_setting(std::string_view name, std::string_view value) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  // ON CONFLICT DO UPDATE (a no-op update) so that RETURNING always gives the
  // stored row, the one a concurrent first writer made included.
  auto r = (*conn)->exec(
      "INSERT INTO settings (name, value) VALUES ($1, $2)"
      " ON CONFLICT (name) DO UPDATE SET value = settings.value RETURNING value",
      Params().text(name).text(value));
  if (!r.ok()) return r.error();
  if (r->rows() != 1) return Error{"storage_error", "the setting was not returned"};
  return r->string(0, 0);
}

Result<bool> PostgresStore::replace_setting(std::string_view name,
                                            const std::optional<std::string>& expected,
                                            std::string_view value) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto r = expected ? (*conn)->exec("UPDATE settings SET value = $2 WHERE name = $1 AND value = $3",
                                    Params().text(name).text(value).text(*expected))
                    : (*conn)->exec(
                          "INSERT INTO settings (name, value) VALUES ($1, $2)"
                          " ON CONFLICT (name) DO NOTHING",
                          Params().text(name).text(value));
  if (!r.ok()) return r.error();
  return r->affected() > 0;
}

}  // namespace postgres
}  // namespace skillsync::store
