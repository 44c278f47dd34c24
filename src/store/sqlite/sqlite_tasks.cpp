// SqliteStore: creating and listing tasks (reading one, its progress,
// purging and row errors: store/sql_store.hpp).
#include <string>

#include "store/cursor.hpp"
#include "store/sqlite/sqlite_store_impl.hpp"

namespace skillsync::store {

// This file defines members of DialectStore (store/dialect_store.hpp), in
// its namespace, with the sqlite backend's names in reach.
using namespace sqlite;  // NOLINT(build/namespaces)

Status sqlite::insert_task(Connection& conn, const Task& task, Micros created_at) {
  SKILLSYNC_ASSIGN_OR_RETURN(
      Query s,
      conn.query(
          "INSERT INTO tasks (id, tenant, entity_type, method, uri, region, options_json,"
          " sealed_credentials, status, created_at_us, started_at_us, finished_at_us, bytes_total,"
          " bytes_read, rows_read, rows_loaded, rows_rejected, rows_superseded, error_code,"
          " error_message, attempts, trace_id, source_id)"
          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
          "?18,"
          " ?19, ?20, ?21, ?22, ?23)"));
  return bind_task(s, task, created_at).run();
}

namespace {

// A row of idempotency_keys: body_sha256, task_id, created_at_us.
struct IdempotencyKey {
  std::string body_sha256;
  std::string task_id;
  Micros created_at = 0;
};
IdempotencyKey read_idempotency_key(const Row& r) { return {r.string(0), r.string(1), r.int64(2)}; }

// The stored idempotency key `key` of `tenant`, if there is one.
Result<std::optional<IdempotencyKey>> find_key(Connection& conn, std::string_view tenant,
                                               std::string_view key) {
  SKILLSYNC_ASSIGN_OR_RETURN(Query s, conn.query("SELECT body_sha256, task_id, created_at_us"
                                                 " FROM idempotency_keys"
                                                 " WHERE tenant = ?1 AND idem_key = ?2"));
  s.text(tenant).text(key);
  return s.one<IdempotencyKey>(read_idempotency_key);
}

Result<std::optional<Task>> select_task(Connection& conn, std::string_view tenant,
                                        std::string_view id) {
  SKILLSYNC_ASSIGN_OR_RETURN(Query s, conn.query("SELECT " SKILLSYNC_TASK_COLUMNS
                                                 " FROM tasks WHERE tenant = ?1 AND id = ?2"));
  s.text(tenant).text(id);
  return s.one<Task>(read_task<Row>);
}

// The SELECT of list_tasks for one combination of filters; the text is the
// key of the connection's statement cache, so each shape is prepared once.
std::string list_sql(const TaskFilter& filter, bool after) {
  std::string sql = "SELECT " SKILLSYNC_TASK_COLUMNS " FROM tasks WHERE tenant = ?1";
  if (filter.status) sql += " AND status = ?2";
  if (filter.entity_type) sql += " AND entity_type = ?3";
  if (after) sql += " AND (created_at_us, id) < (?4, ?5)";
  sql += " ORDER BY created_at_us DESC, id DESC LIMIT ?6";
  return sql;
}

}  // namespace

template <>
Status SqliteDialect::create_task(const Task& task) {
  SKILLSYNC_ASSIGN_OR_RETURN(PooledConnection conn, pool_.acquire());
  return insert_task(*conn, task, task.created_at != 0 ? task.created_at : clock_.now());
}

template <>
Result<CreatedTask> SqliteDialect::create_task_idempotent(const Task& task,
                                                          std::string_view idempotency_key,
                                                          std::string_view body_sha256,
                                                          Micros now) {
  SKILLSYNC_TRY(check_idempotency_key(idempotency_key));
  // BEGIN IMMEDIATE serializes every create with a key: of concurrent
  // duplicates, the first inserts and the others then find its key.
  return pool_.transact([&](Connection& conn) -> Result<CreatedTask> {
    SKILLSYNC_ASSIGN_OR_RETURN(auto key, find_key(conn, task.tenant, idempotency_key));
    if (key && now - key->created_at < kIdempotencyWindow) {
      if (key->body_sha256 != body_sha256) return idempotency_conflict();
      SKILLSYNC_ASSIGN_OR_RETURN(auto existing, select_task(conn, task.tenant, key->task_id));
      if (!existing) return task_not_found(key->task_id);  // the FK makes this a bug
      return CreatedTask{std::move(*existing), false};
    }
    // No key, or one older than the window: it is forgotten (its task stays).
    SKILLSYNC_ASSIGN_OR_RETURN(
        Query upsert_key,
        conn.query(
            "INSERT INTO idempotency_keys (tenant, idem_key, body_sha256, task_id, created_at_us)"
            " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (tenant, idem_key) DO UPDATE SET"
            " body_sha256 = excluded.body_sha256, task_id = excluded.task_id,"
            " created_at_us = excluded.created_at_us"));
    SKILLSYNC_TRY(insert_task(conn, task, task.created_at != 0 ? task.created_at : now));
    SKILLSYNC_TRY(upsert_key.text(task.tenant)
                      .text(idempotency_key)
                      .text(body_sha256)
                      .text(task.id)
                      .int64(now)
                      .run());
    SKILLSYNC_ASSIGN_OR_RETURN(auto created, select_task(conn, task.tenant, task.id));
    return CreatedTask{std::move(*created), true};
  });
}

template <>
Result<TaskPage> SqliteDialect::list_tasks(std::string_view tenant, const TaskFilter& filter,
                                           size_t limit, std::string_view cursor) {
  SKILLSYNC_ASSIGN_OR_RETURN(auto after, decode_task_page_request(limit, kMaxListLimit, cursor));
  // Keyset pagination on (created_at_us, id) descending, served by
  // tasks_by_tenant_time or tasks_by_tenant_status_time read backwards; a
  // task inserted meanwhile sorts before the cursor and shifts nothing.
  SKILLSYNC_ASSIGN_OR_RETURN(PooledQuery s, pool_.query(list_sql(filter, after.has_value())));
  // Parameters the SQL of this filter does not name are bound all the same.
  s.text(tenant);
  filter.status ? s.text(to_string(*filter.status)) : s.null_text();
  s.optional_text(filter.entity_type);
  after ? s.int64(after->created_at).text(after->id) : s.null_int64().null_text();
  s.int64(static_cast<int64_t>(limit) + 1);  // one extra: is there a next page?
  SKILLSYNC_ASSIGN_OR_RETURN(auto rows, s.all<Task>(read_task<Row>));
  return task_page(std::move(rows), limit);
}

}  // namespace skillsync::store
