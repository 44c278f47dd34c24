// SqliteWebhookStore (sqlite_webhooks.hpp), the outbox half: enqueueing
// (also from a finishing task's transaction), claiming due rows under a
// lease, recording attempts, listing them and redelivering.
#include <limits>

#include "store/cursor.hpp"
#include "store/sqlite/sqlite_webhooks.hpp"
#include "store/store_checks.hpp"
#include "store/webhook_rows.hpp"

namespace skillsync::store::sqlite {
namespace {

std::optional<Micros> opt_micros(const Stmt& s, int i) {
  if (s.is_null(i)) return std::nullopt;
  return s.column_int64(i);
}

OutboxEvent read_outbox(const Stmt& s) {
  OutboxEvent o;
  o.event_id = s.column_string(0);
  o.tenant = s.column_string(1);
  o.endpoint_id = s.column_string(2);
  o.type = s.column_string(3);
  o.source_path = s.column_string(4);
  o.data_json = s.column_string(5);
  o.created_at = s.column_int64(6);
  o.next_attempt_at = s.column_int64(7);
  o.attempts = static_cast<int>(s.column_int64(8));
  o.round_attempts = static_cast<int>(s.column_int64(9));
  o.delivered_at = opt_micros(s, 10);
  o.dead = s.column_int64(11) != 0;
  return o;
}

DeliveryAttempt read_delivery(const Stmt& s) {
  DeliveryAttempt d;
  d.event_id = s.column_string(0);
  d.endpoint_id = s.column_string(1);
  d.attempt = static_cast<int>(s.column_int64(2));
  if (!s.is_null(3)) d.status_code = static_cast<int>(s.column_int64(3));
  d.error = s.column_string(4);
  d.latency_ms = s.column_int64(5);
  d.at = s.column_int64(6);
  d.next_retry_at = opt_micros(s, 7);
  return d;
}

// Event ids: "evt_" and 32 hex digits of SQLite's randomness.
#define SKILLSYNC_SQLITE_EVENT_ID "'evt_' || lower(hex(randomblob(16)))"

}  // namespace

Status enqueue_task_end_events(Connection& conn, std::string_view task_id, Micros now) {
  auto stmt = conn.cached(
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
      " AND instr(',' || e.event_types || ',', ',file_load_task.' || t.status || '.v1,') > 0");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, task_id);
  s.bind_int64(2, now);
  return s.run();
}

Result<std::vector<std::string>> SqliteWebhookStore::enqueue(
    std::string_view tenant, std::string_view endpoint_id, std::string_view type,
    std::string_view source_path, std::string_view data_json, Micros now) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached(
      "INSERT INTO webhook_outbox (event_id, tenant, endpoint_id, type, source_path, body,"
      " created_at_us, next_attempt_at_us)"
      " SELECT " SKILLSYNC_SQLITE_EVENT_ID
      ", tenant, id, ?3, ?4, ?5, ?6, ?6"
      " FROM webhook_endpoints WHERE tenant = ?1 AND (CASE WHEN ?2 <> '' THEN id = ?2"
      " ELSE enabled = 1 AND instr(',' || event_types || ',', ',' || ?3 || ',') > 0 END)"
      " RETURNING event_id");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, tenant);
  s.bind_text(2, endpoint_id);
  s.bind_text(3, type);
  s.bind_text(4, source_path);
  s.bind_text(5, data_json);
  s.bind_int64(6, now);
  std::vector<std::string> ids;
  while (true) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!row.value()) break;
    ids.push_back(s.column_string(0));
  }
  return ids;
}

Result<std::optional<OutboxEvent>> SqliteWebhookStore::get_event(std::string_view tenant,
                                                                 std::string_view event_id) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached("SELECT " SKILLSYNC_WEBHOOK_OUTBOX_COLUMNS
                              " FROM webhook_outbox WHERE tenant = ?1 AND event_id = ?2");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, tenant);
  s.bind_text(2, event_id);
  auto row = s.step();
  if (!row.ok()) return row.error();
  if (!row.value()) return std::optional<OutboxEvent>();
  return std::optional<OutboxEvent>(read_outbox(s));
}

Result<std::vector<OutboxEvent>> SqliteWebhookStore::claim_due(std::string_view owner, Micros now,
                                                               Micros lease, size_t limit) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto tx = Transaction::begin((*conn)->db());
  if (!tx.ok()) return tx.error();
  auto stmt = (*conn)->cached(
      "UPDATE webhook_outbox SET lease_owner = ?1, lease_expires_at_us = ?2 + ?3"
      " WHERE event_id IN (SELECT event_id FROM webhook_outbox"
      " WHERE delivered_at_us IS NULL AND dead = 0 AND next_attempt_at_us <= ?2"
      " AND (lease_expires_at_us IS NULL OR lease_expires_at_us < ?2)"
      " ORDER BY next_attempt_at_us, event_id LIMIT ?4)"
      " RETURNING " SKILLSYNC_WEBHOOK_OUTBOX_COLUMNS);
  if (!stmt.ok()) return stmt.error();
  std::vector<OutboxEvent> out;
  {
    Stmt& s = *stmt.value();
    StmtReset reset(s);
    s.bind_text(1, owner);
    s.bind_int64(2, now);
    s.bind_int64(3, lease);
    s.bind_int64(4, clamp_limit(limit));
    while (true) {
      auto row = s.step();
      if (!row.ok()) return row.error();
      if (!row.value()) break;
      out.push_back(read_outbox(s));
    }
  }
  SKILLSYNC_TRY(tx->commit());
  return out;
}

Result<std::optional<Micros>> SqliteWebhookStore::next_due() {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached(
      "SELECT min(max(next_attempt_at_us, coalesce(lease_expires_at_us, 0))) FROM webhook_outbox"
      " WHERE delivered_at_us IS NULL AND dead = 0");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  auto row = s.step();
  if (!row.ok()) return row.error();
  if (!row.value() || s.is_null(0)) return std::optional<Micros>();
  return std::optional<Micros>(s.column_int64(0));
}

Status SqliteWebhookStore::record_attempt(const DeliveryAttempt& a, std::string_view owner,
                                          AttemptOutcome outcome) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto tx = Transaction::begin((*conn)->db());
  if (!tx.ok()) return tx.error();
  auto update = (*conn)->cached(
      "UPDATE webhook_outbox SET attempts = attempts + 1, round_attempts = round_attempts + 1,"
      " lease_owner = NULL, lease_expires_at_us = NULL,"
      " delivered_at_us = CASE WHEN ?3 = 0 THEN ?4 END, dead = (?3 = 2),"
      " next_attempt_at_us = CASE WHEN ?3 = 1 THEN ?5 ELSE next_attempt_at_us END"
      " WHERE event_id = ?1 AND lease_owner = ?2 RETURNING attempts, tenant, endpoint_id");
  if (!update.ok()) return update.error();
  int64_t attempt = 0;
  std::string tenant, endpoint_id;
  {
    Stmt& s = *update.value();
    StmtReset reset(s);
    s.bind_text(1, a.event_id);
    s.bind_text(2, owner);
    s.bind_int64(3, static_cast<int64_t>(outcome));
    s.bind_int64(4, a.at);
    s.bind_int64(5, a.next_retry_at.value_or(a.at));
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!row.value()) {
      return Error{"lease_lost", "webhook event " + a.event_id + " is not leased to this process"};
    }
    attempt = s.column_int64(0);
    tenant = s.column_string(1);
    endpoint_id = s.column_string(2);
    auto done = s.step();
    if (!done.ok()) return done.error();
  }
  auto insert = (*conn)->cached(
      "INSERT INTO webhook_deliveries (event_id, endpoint_id, tenant, attempt, status_code,"
      " error, latency_ms, at_us, next_retry_at_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!insert.ok()) return insert.error();
  {
    Stmt& s = *insert.value();
    StmtReset reset(s);
    s.bind_text(1, a.event_id);
    s.bind_text(2, endpoint_id);
    s.bind_text(3, tenant);
    s.bind_int64(4, attempt);
    if (a.status_code) s.bind_int64(5, *a.status_code);
    s.bind_text(6, a.error);
    s.bind_int64(7, a.latency_ms);
    s.bind_int64(8, a.at);
    if (outcome == AttemptOutcome::kRetry && a.next_retry_at) s.bind_int64(9, *a.next_retry_at);
    SKILLSYNC_TRY(s.run());
  }
  return tx->commit();
}

Result<DeliveryPage> SqliteWebhookStore::list_deliveries(std::string_view tenant,
                                                         std::string_view endpoint_id, size_t limit,
                                                         std::string_view cursor) {
  SKILLSYNC_TRY(check_page_limit(limit, kMaxWebhookListLimit));
  int64_t before = std::numeric_limits<int64_t>::max();
  if (!cursor.empty()) {
    auto seq = decode_seq_cursor(cursor);
    if (!seq.ok()) return seq.error();
    before = *seq;
  }
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached("SELECT " SKILLSYNC_WEBHOOK_DELIVERY_COLUMNS
                              " FROM webhook_deliveries WHERE tenant = ?1 AND endpoint_id = ?2"
                              " AND seq < ?3 ORDER BY seq DESC LIMIT ?4");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, tenant);
  s.bind_text(2, endpoint_id);
  s.bind_int64(3, before);
  s.bind_int64(4, static_cast<int64_t>(limit) + 1);
  DeliveryPage page;
  int64_t last_seq = 0;
  while (true) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!row.value()) break;
    if (page.items.size() == limit) {
      page.next_cursor = encode_seq_cursor(last_seq);
      break;
    }
    page.items.push_back(read_delivery(s));
    last_seq = s.column_int64(8);
  }
  return page;
}

Result<bool> SqliteWebhookStore::redeliver(std::string_view tenant, std::string_view endpoint_id,
                                           std::string_view event_id, Micros now) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached(
      "UPDATE webhook_outbox SET delivered_at_us = NULL, dead = 0, round_attempts = 0,"
      " next_attempt_at_us = ?4, lease_owner = NULL, lease_expires_at_us = NULL"
      " WHERE tenant = ?1 AND endpoint_id = ?2 AND event_id = ?3");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, tenant);
  s.bind_text(2, endpoint_id);
  s.bind_text(3, event_id);
  s.bind_int64(4, now);
  SKILLSYNC_TRY(s.run());
  return (*conn)->db().changes() > 0;
}

}  // namespace skillsync::store::sqlite
