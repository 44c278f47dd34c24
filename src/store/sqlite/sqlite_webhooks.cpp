// The webhook store of the SQLite file (sqlite_webhooks.hpp): what
// SqlWebhookStore<ConnectionPool, Row> (store/sql_webhook_store.hpp) runs
// in SQLite's dialect (the statements that enqueue, find the next due time
// and redeliver; deleting an endpoint with its outbox and deliveries,
// claiming due rows under a lease, recording attempts), the task-end hook
// that enqueues from a finishing task's transaction, and the one place that
// makes the store. Claims need no row locks: SQLite serializes writers
// (BEGIN IMMEDIATE), so an UPDATE ... RETURNING of due rows hands each row
// to one claimer.
#include "store/sqlite/sqlite_webhooks.hpp"

#include <limits>
#include <memory>

#include "store/cursor.hpp"
#include "store/row_mapping.hpp"
#include "store/row_params.hpp"
#include "store/sql_webhook_store.hpp"
#include "store/store_checks.hpp"
#include "store/webhook_rows.hpp"

namespace skillsync::store {
namespace sqlite {
namespace {

// Event ids: "evt_" and 32 hex digits of SQLite's randomness.
#define SKILLSYNC_SQLITE_EVENT_ID "'evt_' || lower(hex(randomblob(16)))"

}  // namespace

Status enqueue_task_end_events(Connection& conn, std::string_view task_id, Micros now) {
  SKILLSYNC_ASSIGN_OR_RETURN(
      Query s,
      conn.query(
          "INSERT INTO webhook_outbox (event_id, tenant, endpoint_id, type, source_path, body,"
          " created_at_us, next_attempt_at_us)"
          " SELECT " SKILLSYNC_SQLITE_EVENT_ID
          ", t.tenant, e.id, 'file_load_task.' || t.status || '.v1',"
          " '/integrations/file-load-tasks/' || t.id,"
          " json_object('tenant', t.tenant, 'task_id', t.id, 'entity_type', t.entity_type,"
          " 'status', t.status, 'rows_loaded', t.rows_loaded, 'rows_rejected', t.rows_rejected),"
          " ?2, ?2 FROM tasks t JOIN webhook_endpoints e ON e.tenant = t.tenant AND e.enabled = 1"
          " WHERE t.id = ?1"
          " AND t.status IN ('completed', 'completed_with_errors', 'failed', 'cancelled')"
          " AND instr(',' || e.event_types || ',', ',file_load_task.' || t.status || '.v1,') > 0"));
  s.text(task_id).int64(now);
  return s.run();
}

}  // namespace sqlite

// The definitions below are members of SqlWebhookStore, in its namespace.
using sqlite::Connection;
using sqlite::Query;
using sqlite::Row;
using SqliteWebhooks = SqlWebhookStore<sqlite::ConnectionPool, sqlite::Row>;

template <>
const char* const SqliteWebhooks::kEnqueueSql =
    "INSERT INTO webhook_outbox (event_id, tenant, endpoint_id, type, source_path, body,"
    " created_at_us, next_attempt_at_us)"
    " SELECT " SKILLSYNC_SQLITE_EVENT_ID
    ", tenant, id, ?3, ?4, ?5, ?6, ?6"
    " FROM webhook_endpoints WHERE tenant = ?1 AND (CASE WHEN ?2 <> '' THEN id = ?2"
    " ELSE enabled = 1 AND instr(',' || event_types || ',', ',' || ?3 || ',') > 0 END)"
    " RETURNING event_id";

template <>
const char* const SqliteWebhooks::kNextDueSql =
    "SELECT min(max(next_attempt_at_us, coalesce(lease_expires_at_us, 0))) FROM webhook_outbox"
    " WHERE delivered_at_us IS NULL AND dead = 0";

template <>
Result<bool> SqliteWebhooks::delete_endpoint(std::string_view tenant, std::string_view id) {
  return pool_.transact([&](Connection& conn) -> Result<bool> {
    for (const char* statement :
         {"DELETE FROM webhook_deliveries WHERE tenant = ?1 AND endpoint_id = ?2",
          "DELETE FROM webhook_outbox WHERE tenant = ?1 AND endpoint_id = ?2",
          "DELETE FROM webhook_endpoints WHERE tenant = ?1 AND id = ?2"}) {
      SKILLSYNC_ASSIGN_OR_RETURN(Query s, conn.query(statement));
      s.text(tenant).text(id);
      SKILLSYNC_TRY(s.run());
    }
    return conn.db().changes() > 0;
  });
}

template <>
Result<std::vector<OutboxEvent>> SqliteWebhooks::claim_due(std::string_view owner, Micros now,
                                                           Micros lease, size_t limit) {
  return pool_.transact([&](Connection& conn) -> Result<std::vector<OutboxEvent>> {
    SKILLSYNC_ASSIGN_OR_RETURN(
        Query s,
        conn.query("UPDATE webhook_outbox SET lease_owner = ?1, lease_expires_at_us = ?2 + ?3"
                   " WHERE event_id IN (SELECT event_id FROM webhook_outbox"
                   " WHERE delivered_at_us IS NULL AND dead = 0 AND next_attempt_at_us <= ?2"
                   " AND (lease_expires_at_us IS NULL OR lease_expires_at_us < ?2)"
                   " ORDER BY next_attempt_at_us, event_id LIMIT ?4)"
                   " RETURNING " SKILLSYNC_WEBHOOK_OUTBOX_COLUMNS));
    s.text(owner).int64(now).int64(lease).int64(clamp_limit(limit));
    return s.all<OutboxEvent>(read_outbox<Row>);
  });
}

template <>
Status SqliteWebhooks::record_attempt(const DeliveryAttempt& a, std::string_view owner,
                                      AttemptOutcome outcome) {
  struct Claimed {
    int64_t attempt = 0;
    std::string tenant, endpoint_id;
  };
  return pool_.transact([&](Connection& conn) -> Status {
    SKILLSYNC_ASSIGN_OR_RETURN(
        Query update,
        conn.query(
            "UPDATE webhook_outbox SET attempts = attempts + 1,"
            " round_attempts = round_attempts + 1, lease_owner = NULL, lease_expires_at_us = NULL,"
            " delivered_at_us = CASE WHEN ?3 = 0 THEN ?4 END, dead = (?3 = 2),"
            " next_attempt_at_us = CASE WHEN ?3 = 1 THEN ?5 ELSE next_attempt_at_us END"
            " WHERE event_id = ?1 AND lease_owner = ?2 RETURNING attempts, tenant, endpoint_id"));
    SKILLSYNC_ASSIGN_OR_RETURN(
        std::optional<Claimed> row,
        bind_attempt_outcome(update, a, owner, outcome).one<Claimed>([](const Row& r) {
          return Claimed{r.int64(0), r.string(1), r.string(2)};
        }));
    if (!row) return outbox_lease_lost(a.event_id);
    SKILLSYNC_ASSIGN_OR_RETURN(
        Query insert, conn.query("INSERT INTO webhook_deliveries (event_id, endpoint_id, tenant,"
                                 " attempt, status_code, error, latency_ms, at_us,"
                                 " next_retry_at_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
    return bind_delivery(insert, a, row->endpoint_id, row->tenant, row->attempt, outcome).run();
  });
}

std::unique_ptr<WebhookStore> sqlite::make_webhook_store(ConnectionPool& pool, const Clock& clock) {
  return std::make_unique<SqliteWebhooks>(pool, clock);
}

}  // namespace skillsync::store
