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
Result<StoredEvent> PostgresStore::upsert_event(std::string_view tenant, const schema::Event& e) {
  // An API write replaces the whole event; created_at survives from the
  // first insert, and task_id is cleared since no load wrote this version.
  Params p;
  p.text(tenant).text(e.employee_external_id).text(e.external_id).text(e.event_type);
  p.int64(e.timestamp).text(e.language).text(e.content_json).optional_text(e.source);
  p.int64(clock_.now());
  SKILLSYNC_ASSIGN_OR_RETURN(
      PgResult r,
      pool_.exec(
          "INSERT INTO events (tenant, employee_external_id, external_id, event_type, timestamp_us,"
          " language, content, source, created_at_us, updated_at_us, task_id)"
          " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, NULL)"
          " ON CONFLICT (tenant, employee_external_id, external_id) DO UPDATE SET"
          " event_type = excluded.event_type, timestamp_us = excluded.timestamp_us,"
          " language = excluded.language, content = excluded.content, source = excluded.source,"
          " updated_at_us = excluded.updated_at_us, task_id = NULL"
          " RETURNING " SKILLSYNC_EVENT_COLUMNS,
          p));
  if (r.rows() != 1) return Error{"storage_error", "upsert returned no row"};
  return read_event(PgRow(r, 0));
}

Result<std::optional<StoredEvent>> PostgresStore::get_event(std::string_view tenant,
                                                            std::string_view employee_external_id,
                                                            std::string_view external_id) {
  SKILLSYNC_ASSIGN_OR_RETURN(
      PgResult r, pool_.exec("SELECT " SKILLSYNC_EVENT_COLUMNS
                             " FROM events WHERE tenant = $1 AND employee_external_id = $2"
                             " AND external_id = $3",
                             Params().text(tenant).text(employee_external_id).text(external_id)));
  return r.one<StoredEvent>(read_event<PgRow>);
}

Result<bool> PostgresStore::delete_event(std::string_view tenant,
                                         std::string_view employee_external_id,
                                         std::string_view external_id) {
  SKILLSYNC_ASSIGN_OR_RETURN(
      PgResult r,
      pool_.exec(
          "DELETE FROM events WHERE tenant = $1 AND employee_external_id = $2 AND external_id = $3",
          Params().text(tenant).text(employee_external_id).text(external_id)));
  return r.affected() > 0;
}

Result<EventPage> PostgresStore::list_events(std::string_view tenant,
                                             std::string_view employee_external_id, size_t limit,
                                             std::string_view cursor) {
  SKILLSYNC_TRY(check_page_limit(limit, kMaxListLimit));
  SKILLSYNC_ASSIGN_OR_RETURN(const std::optional<EventCursor> after,
                             decode_event_page_cursor(cursor));
  // Keyset pagination on (timestamp_us, external_id), served by the
  // events_by_time index; one extra row tells whether a next page exists.
  Params p;
  p.text(tenant).text(employee_external_id).int64(static_cast<int64_t>(limit) + 1);
  if (after) p.int64(after->timestamp).text(after->external_id);
  SKILLSYNC_ASSIGN_OR_RETURN(
      PgResult r, pool_.exec(after ? "SELECT " SKILLSYNC_EVENT_COLUMNS
                                     " FROM events WHERE tenant = $1 AND employee_external_id = $2"
                                     " AND (timestamp_us, external_id) > ($4, $5)"
                                     " ORDER BY timestamp_us, external_id LIMIT $3"
                                   : "SELECT " SKILLSYNC_EVENT_COLUMNS
                                     " FROM events WHERE tenant = $1 AND employee_external_id = $2"
                                     " ORDER BY timestamp_us, external_id LIMIT $3",
                             p));
  SKILLSYNC_ASSIGN_OR_RETURN(auto rows, r.all<StoredEvent>(read_event<PgRow>));
  return event_page(std::move(rows), limit);
}

Status PostgresStore::add_api_key(const ApiKey& key, std::string_view key_hash) {
  SKILLSYNC_ASSIGN_OR_RETURN(
      PgResult r, pool_.exec("INSERT INTO api_keys (id, key_hash, tenant, scopes, created_at_us)"
                             " VALUES ($1, $2, $3, $4, $5)",
                             Params()
                                 .text(key.id)
                                 .text(key_hash)
                                 .text(key.tenant)
                                 .text(key.scopes)
                                 .int64(key.created_at != 0 ? key.created_at : clock_.now())));
  return ok_status();
}

Result<std::optional<ApiKey>> PostgresStore::find_api_key(std::string_view key_hash) {
  SKILLSYNC_ASSIGN_OR_RETURN(
      PgResult r, pool_.exec("SELECT " SKILLSYNC_API_KEY_COLUMNS
                             " FROM api_keys WHERE key_hash = $1 AND revoked_at_us IS NULL",
                             Params().text(key_hash)));
  return r.one<ApiKey>(read_api_key<PgRow>);
}

Result<uint64_t> PostgresStore::count_api_keys() {
  SKILLSYNC_ASSIGN_OR_RETURN(PgResult r, pool_.exec("SELECT count(*) FROM api_keys"));
  return r.uint64(0, 0);
}

Result<TaskStats> PostgresStore::task_stats() {
  SKILLSYNC_ASSIGN_OR_RETURN(
      PgResult r,
      pool_.exec("SELECT status, count(*), min(created_at_us) FROM tasks GROUP BY status"));
  TaskStats stats;
  r.for_each([&](const PgRow& row) { add_task_stats_row(stats, row); });
  return stats;
}

Result<std::vector<ApiKey>> PostgresStore::list_api_keys() {
  SKILLSYNC_ASSIGN_OR_RETURN(PgResult r, pool_.exec("SELECT " SKILLSYNC_API_KEY_COLUMNS
                                                    " FROM api_keys ORDER BY created_at_us, id"));
  return r.all<ApiKey>(read_api_key<PgRow>);
}

Result<bool> PostgresStore::revoke_api_key(std::string_view id, Micros now) {
  SKILLSYNC_ASSIGN_OR_RETURN(
      PgResult r,
      pool_.exec("UPDATE api_keys SET revoked_at_us = $2 WHERE id = $1 AND revoked_at_us IS NULL",
                 Params().text(id).int64(now)));
  return r.affected() > 0;
}

Status PostgresStore::touch_api_key(std::string_view id, Micros now) {
  SKILLSYNC_ASSIGN_OR_RETURN(PgResult r,
                             pool_.exec("UPDATE api_keys SET last_used_at_us = $2 WHERE id = $1",
                                        Params().text(id).int64(now)));
  return ok_status();
}

Result<std::string> PostgresStore::ensure_setting(std::string_view name, std::string_view value) {
  // ON CONFLICT DO UPDATE (a no-op update) so that RETURNING always gives the
  // stored row, the one a concurrent first writer made included.
  SKILLSYNC_ASSIGN_OR_RETURN(
      PgResult r,
      pool_.exec("INSERT INTO settings (name, value) VALUES ($1, $2)"
                 " ON CONFLICT (name) DO UPDATE SET value = settings.value RETURNING value",
                 Params().text(name).text(value)));
  if (r.rows() != 1) return Error{"storage_error", "the setting was not returned"};
  return r.string(0, 0);
}

Result<bool> PostgresStore::replace_setting(std::string_view name,
                                            const std::optional<std::string>& expected,
                                            std::string_view value) {
  SKILLSYNC_ASSIGN_OR_RETURN(PooledConn conn, pool_.acquire());
  auto r = expected ? conn->exec("UPDATE settings SET value = $2 WHERE name = $1 AND value = $3",
                                 Params().text(name).text(value).text(*expected))
                    : conn->exec(
                          "INSERT INTO settings (name, value) VALUES ($1, $2)"
                          " ON CONFLICT (name) DO NOTHING",
                          Params().text(name).text(value));
  if (!r.ok()) return r.error();
  return r->affected() > 0;
}

}  // namespace postgres
}  // namespace skillsync::store
