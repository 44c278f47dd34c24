// PostgresStore: creating and listing tasks (reading one, its progress,
// purging and row errors: store/sql_store.hpp).
#include <string>

#include "store/cursor.hpp"
#include "store/postgres/postgres_store_impl.hpp"

namespace skillsync::store {

// This file defines members of DialectStore (store/dialect_store.hpp), in
// its namespace, with the postgres backend's names in reach.
using namespace postgres;  // NOLINT(build/namespaces)

namespace {

Result<std::optional<Task>> select_task(const PgConn& conn, std::string_view tenant,
                                        std::string_view id) {
  auto r = conn.exec("SELECT " SKILLSYNC_TASK_COLUMNS " FROM tasks WHERE tenant = $1 AND id = $2",
                     Params().text(tenant).text(id));
  if (!r.ok()) return r.error();
  return r->one<Task>(read_task<PgRow>);
}

// Inside the transaction of create_task_idempotent, when another request
// holds the key: the task that request created, or "idempotency_conflict"
// when its body differs.
Result<CreatedTask> earlier_task(const PgConn& c, const Task& task,
                                 std::string_view idempotency_key, std::string_view body_sha256) {
  SKILLSYNC_ASSIGN_OR_RETURN(
      PgResult key,
      c.exec(
          "SELECT body_sha256, task_id FROM idempotency_keys WHERE tenant = $1 AND idem_key = $2",
          Params().text(task.tenant).text(idempotency_key)));
  if (key.rows() == 0) return Error{Errc::kStorageBusy, "the idempotency key changed; retry"};
  if (key.text(0, 0) != body_sha256) return idempotency_conflict();
  const std::string earlier = key.string(0, 1);
  SKILLSYNC_ASSIGN_OR_RETURN(std::optional<Task> existing, select_task(c, task.tenant, earlier));
  if (!existing) return task_not_found(earlier);  // the FK makes this a bug
  return CreatedTask{std::move(*existing), false};
}

}  // namespace

template <>
Status PgDialect::create_task(const Task& task) {
  Params p;
  bind_task(p, task, task.created_at != 0 ? task.created_at : clock_.now());
  // One statement: the insert and its NOTIFY commit together.
  SKILLSYNC_ASSIGN_OR_RETURN(
      PgResult r, pool_.exec("WITH created AS (" SKILLSYNC_PG_INSERT_TASK
                             " RETURNING 1) SELECT pg_notify('skillsync_tasks', '') FROM created",
                             p));
  return ok_status();
}

template <>
Result<CreatedTask> PgDialect::create_task_idempotent(const Task& task,
                                                      std::string_view idempotency_key,
                                                      std::string_view body_sha256, Micros now) {
  SKILLSYNC_TRY(check_idempotency_key(idempotency_key));
  return pool_.transact([&](const PgConn& c) -> Result<CreatedTask> {
    // The key's primary key decides: of concurrent duplicates, one inserts
    // the key and the others wait on its row, then find it (ON CONFLICT). A
    // key older than the window is taken over (its task stays). The key's
    // foreign key is checked at COMMIT, so the key can come before its task.
    SKILLSYNC_ASSIGN_OR_RETURN(
        PgResult claimed,
        c.exec("INSERT INTO idempotency_keys (tenant, idem_key, body_sha256, task_id,"
               " created_at_us) VALUES ($1, $2, $3, $4, $5)"
               " ON CONFLICT (tenant, idem_key) DO UPDATE SET"
               " body_sha256 = excluded.body_sha256, task_id = excluded.task_id,"
               " created_at_us = excluded.created_at_us"
               " WHERE idempotency_keys.created_at_us <= excluded.created_at_us - $6"
               " RETURNING 1",
               Params()
                   .text(task.tenant)
                   .text(idempotency_key)
                   .text(body_sha256)
                   .text(task.id)
                   .int64(now)
                   .int64(kIdempotencyWindow)));
    if (claimed.rows() == 0) return earlier_task(c, task, idempotency_key, body_sha256);
    Params p;
    bind_task(p, task, task.created_at != 0 ? task.created_at : now);
    SKILLSYNC_ASSIGN_OR_RETURN(
        PgResult inserted,
        c.exec(SKILLSYNC_PG_INSERT_TASK " RETURNING " SKILLSYNC_TASK_COLUMNS, p));
    SKILLSYNC_ASSIGN_OR_RETURN(std::optional<Task> created, inserted.one<Task>(read_task<PgRow>));
    SKILLSYNC_TRY(notify_tasks(c));
    return CreatedTask{std::move(*created), true};
  });
}

template <>
Result<TaskPage> PgDialect::list_tasks(std::string_view tenant, const TaskFilter& filter,
                                       size_t limit, std::string_view cursor) {
  SKILLSYNC_ASSIGN_OR_RETURN(auto after, decode_task_page_request(limit, kMaxListLimit, cursor));
  // Keyset pagination on (created_at_us, id) descending, served by
  // tasks_by_tenant_time or tasks_by_tenant_status_time read backwards; a
  // task inserted meanwhile sorts before the cursor and shifts nothing.
  Params p;
  p.text(tenant).int64(static_cast<int64_t>(limit) + 1);  // one extra: a next page?
  std::string sql = "SELECT " SKILLSYNC_TASK_COLUMNS " FROM tasks WHERE tenant = $1";
  int next = 3;
  if (filter.status) {
    sql += " AND status = $" + std::to_string(next++);
    p.text(to_string(*filter.status));
  }
  if (filter.entity_type) {
    sql += " AND entity_type = $" + std::to_string(next++);
    p.text(*filter.entity_type);
  }
  if (after) {
    sql += " AND (created_at_us, id) < ($" + std::to_string(next) + ", $" +
           std::to_string(next + 1) + ")";
    p.int64(after->created_at).text(after->id);
  }
  sql += " ORDER BY created_at_us DESC, id DESC LIMIT $2";
  SKILLSYNC_ASSIGN_OR_RETURN(PgResult r, pool_.exec(sql, p));
  SKILLSYNC_ASSIGN_OR_RETURN(auto rows, r.all<Task>(read_task<PgRow>));
  return task_page(std::move(rows), limit);
}

}  // namespace skillsync::store
