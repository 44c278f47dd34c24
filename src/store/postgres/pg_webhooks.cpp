// The webhook store of the PostgreSQL database (pg_webhooks.hpp): what
// SqlWebhookStore<ConnectionPool, PgRow> (store/sql_webhook_store.hpp) runs
// in PostgreSQL's dialect (the statements that enqueue, find the next due
// time and redeliver; deleting an endpoint with its outbox and deliveries,
// claiming due rows under a lease, recording attempts), the task-end hook
// that enqueues from a finishing task's transaction, and the one place that
// makes the store. Claims lock rows with FOR UPDATE SKIP LOCKED, so N
// processes claiming at once each get different events.
#include "store/postgres/pg_webhooks.hpp"

#include <limits>
#include <memory>

#include "store/cursor.hpp"
#include "store/row_mapping.hpp"
#include "store/row_params.hpp"
#include "store/sql_webhook_store.hpp"
#include "store/store_checks.hpp"
#include "store/webhook_rows.hpp"

namespace skillsync::store {
namespace postgres {
namespace {

// Event ids: "evt_" and the 32 hex digits of a random UUID.
#define SKILLSYNC_PG_EVENT_ID "'evt_' || replace(gen_random_uuid()::text, '-', '')"

}  // namespace

Status enqueue_task_end_events(const PgConn& conn, std::string_view task_id, Micros now) {
  auto r = conn.exec(
      "INSERT INTO webhook_outbox (event_id, tenant, endpoint_id, type, source_path, body,"
      " created_at_us, next_attempt_at_us)"
      " SELECT " SKILLSYNC_PG_EVENT_ID
      ", t.tenant, e.id, 'file_load_task.' || t.status || '.v1',"
      " '/integrations/file-load-tasks/' || t.id,"
      " json_build_object('tenant', t.tenant, 'task_id', t.id, 'entity_type', t.entity_type,"
      " 'status', t.status, 'rows_loaded', t.rows_loaded, 'rows_rejected', t.rows_rejected)::text,"
      " $2, $2 FROM tasks t JOIN webhook_endpoints e ON e.tenant = t.tenant AND e.enabled"
      " WHERE t.id = $1"
      " AND t.status IN ('completed', 'completed_with_errors', 'failed', 'cancelled')"
      " AND position(',file_load_task.' || t.status || '.v1,' IN ',' || e.event_types || ',') > 0",
      Params().text(task_id).int64(now));
  if (!r.ok()) return r.error();
  return ok_status();
}

}  // namespace postgres

// The definitions below are members of SqlWebhookStore, in its namespace.
using postgres::Params;
using postgres::PgConn;
using postgres::PgResult;
using postgres::PgRow;
using PgWebhooks = SqlWebhookStore<postgres::ConnectionPool, postgres::PgRow>;

template <>
const char* const PgWebhooks::kEnqueueSql =
    "INSERT INTO webhook_outbox (event_id, tenant, endpoint_id, type, source_path, body,"
    " created_at_us, next_attempt_at_us)"
    " SELECT " SKILLSYNC_PG_EVENT_ID
    ", tenant, id, $3, $4, $5, $6, $6"
    " FROM webhook_endpoints WHERE tenant = $1 AND (CASE WHEN $2 <> '' THEN id = $2"
    " ELSE enabled AND position(',' || $3 || ',' IN ',' || event_types || ',') > 0 END)"
    " RETURNING event_id";

template <>
const char* const PgWebhooks::kNextDueSql =
    "SELECT min(greatest(next_attempt_at_us, coalesce(lease_expires_at_us, 0)))"
    " FROM webhook_outbox WHERE delivered_at_us IS NULL AND NOT dead";

template <>
Result<bool> PgWebhooks::delete_endpoint(std::string_view tenant, std::string_view id) {
  return pool_.transact([&](const PgConn& c) -> Result<bool> {
    SKILLSYNC_TRY(c.exec("DELETE FROM webhook_deliveries WHERE tenant = $1 AND endpoint_id = $2",
                         Params().text(tenant).text(id)));
    SKILLSYNC_TRY(c.exec("DELETE FROM webhook_outbox WHERE tenant = $1 AND endpoint_id = $2",
                         Params().text(tenant).text(id)));
    SKILLSYNC_ASSIGN_OR_RETURN(PgResult r,
                               c.exec("DELETE FROM webhook_endpoints WHERE tenant = $1 AND id = $2",
                                      Params().text(tenant).text(id)));
    return r.affected() > 0;
  });
}

template <>
Result<std::vector<OutboxEvent>> PgWebhooks::claim_due(std::string_view owner, Micros now,
                                                       Micros lease, size_t limit) {
  SKILLSYNC_ASSIGN_OR_RETURN(
      PgResult r,
      pool_.exec("UPDATE webhook_outbox SET lease_owner = $1, lease_expires_at_us = $2 + $3"
                 " WHERE event_id IN (SELECT event_id FROM webhook_outbox"
                 " WHERE delivered_at_us IS NULL AND NOT dead AND next_attempt_at_us <= $2"
                 " AND (lease_expires_at_us IS NULL OR lease_expires_at_us < $2)"
                 " ORDER BY next_attempt_at_us, event_id LIMIT $4 FOR UPDATE SKIP LOCKED)"
                 " RETURNING " SKILLSYNC_WEBHOOK_OUTBOX_COLUMNS,
                 Params().text(owner).int64(now).int64(lease).int64(clamp_limit(limit))));
  return r.all<OutboxEvent>(read_outbox<PgRow>);
}

template <>
Status PgWebhooks::record_attempt(const DeliveryAttempt& a, std::string_view owner,
                                  AttemptOutcome outcome) {
  return pool_.transact([&](const PgConn& c) -> Status {
    Params update;
    SKILLSYNC_ASSIGN_OR_RETURN(
        PgResult r,
        c.exec("UPDATE webhook_outbox SET attempts = attempts + 1,"
               " round_attempts = round_attempts + 1, lease_owner = NULL,"
               " lease_expires_at_us = NULL, delivered_at_us = CASE WHEN $3 = 0 THEN $4 END,"
               " dead = ($3 = 2),"
               " next_attempt_at_us = CASE WHEN $3 = 1 THEN $5 ELSE next_attempt_at_us END"
               " WHERE event_id = $1 AND lease_owner = $2 RETURNING attempts, tenant, endpoint_id",
               bind_attempt_outcome(update, a, owner, outcome)));
    if (r.rows() == 0) return outbox_lease_lost(a.event_id);
    Params p;
    bind_delivery(p, a, r.text(0, 2), r.text(0, 1), r.int64(0, 0), outcome);
    SKILLSYNC_TRY(
        c.exec("INSERT INTO webhook_deliveries (event_id, endpoint_id, tenant, attempt,"
               " status_code, error, latency_ms, at_us, next_retry_at_us)"
               " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
               p));
    return ok_status();
  });
}
std::unique_ptr<WebhookStore> postgres::make_webhook_store(ConnectionPool& pool,
                                                           const Clock& clock) {
  return std::make_unique<PgWebhooks>(pool, clock);
}

}  // namespace skillsync::store
