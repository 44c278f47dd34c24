// SqliteWebhookStore (sqlite_webhooks.hpp): endpoints, outbox and delivery
// records in the SQLite file, and the task-end hook. Claims need no row
// locks: SQLite serializes writers (BEGIN IMMEDIATE), so an UPDATE ...
// RETURNING of due rows hands each row to one claimer.
#include "store/sqlite/sqlite_webhooks.hpp"

#include <limits>

#include "store/cursor.hpp"
#include "store/store_checks.hpp"
#include "store/webhook_rows.hpp"

namespace skillsync::store::sqlite {
namespace {

std::optional<Micros> opt_micros(const Stmt& s, int i) {
  if (s.is_null(i)) return std::nullopt;
  return s.column_int64(i);
}

WebhookEndpoint read_endpoint(const Stmt& s) {
  WebhookEndpoint e;
  e.id = s.column_string(0);
  e.tenant = s.column_string(1);
  e.url = s.column_string(2);
  e.event_types = split_event_types(s.column_text(3));
  e.description = s.column_string(4);
  e.enabled = s.column_int64(5) != 0;
  e.sealed_key = s.column_blob(6);
  e.public_key_hex = s.column_string(7);
  e.previous_sealed_key = s.column_blob(8);
  e.previous_public_key_hex = s.is_null(9) ? "" : s.column_string(9);
  e.previous_key_expires_at = opt_micros(s, 10);
  e.created_at = s.column_int64(11);
  e.updated_at = s.column_int64(12);
  return e;
}

// Binds url .. updated_at of an endpoint to ?3 .. ?12 (see the statements).
void bind_endpoint_fields(Stmt& s, const WebhookEndpoint& e, Micros updated_at) {
  s.bind_text(3, e.url);
  s.bind_text(4, join_event_types(e.event_types));
  s.bind_text(5, e.description);
  s.bind_int64(6, e.enabled ? 1 : 0);
  s.bind_blob(7, e.sealed_key);
  s.bind_text(8, e.public_key_hex);
  if (!e.previous_sealed_key.empty()) {
    s.bind_blob(9, e.previous_sealed_key);
    s.bind_text(10, e.previous_public_key_hex);
  }
  if (e.previous_key_expires_at) s.bind_int64(11, *e.previous_key_expires_at);
  s.bind_int64(12, updated_at);
}

}  // namespace

Status SqliteWebhookStore::create_endpoint(const WebhookEndpoint& e) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached(
      "INSERT INTO webhook_endpoints (id, tenant, url, event_types, description, enabled,"
      " sealed_key, public_key_hex, previous_sealed_key, previous_public_key_hex,"
      " previous_key_expires_at_us, updated_at_us, created_at_us)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, e.id);
  s.bind_text(2, e.tenant);
  bind_endpoint_fields(s, e, e.created_at != 0 ? e.created_at : clock_.now());
  return s.run();
}

Result<std::optional<WebhookEndpoint>> SqliteWebhookStore::get_endpoint(std::string_view tenant,
                                                                        std::string_view id) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached("SELECT " SKILLSYNC_WEBHOOK_ENDPOINT_COLUMNS
                              " FROM webhook_endpoints WHERE tenant = ?1 AND id = ?2");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, tenant);
  s.bind_text(2, id);
  auto row = s.step();
  if (!row.ok()) return row.error();
  if (!row.value()) return std::optional<WebhookEndpoint>();
  return std::optional<WebhookEndpoint>(read_endpoint(s));
}

Result<WebhookEndpointPage> SqliteWebhookStore::list_endpoints(std::string_view tenant,
                                                               size_t limit,
                                                               std::string_view cursor) {
  SKILLSYNC_TRY(check_page_limit(limit, kMaxWebhookListLimit));
  auto after = decode_task_page_cursor(cursor);
  if (!after.ok()) return after.error();
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt =
      (*conn)->cached("SELECT " SKILLSYNC_WEBHOOK_ENDPOINT_COLUMNS
                      " FROM webhook_endpoints WHERE tenant = ?1 AND (created_at_us, id) > (?2, ?3)"
                      " ORDER BY created_at_us, id LIMIT ?4");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, tenant);
  s.bind_int64(2, *after ? (*after)->created_at : std::numeric_limits<int64_t>::min());
  s.bind_text(3, *after ? (*after)->id : "");
  s.bind_int64(4, static_cast<int64_t>(limit) + 1);
  WebhookEndpointPage page;
  while (true) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!row.value()) break;
    if (page.items.size() == limit) {
      const auto& last = page.items.back();
      page.next_cursor = encode_task_cursor(last.created_at, last.id);
      break;
    }
    page.items.push_back(read_endpoint(s));
  }
  return page;
}

Result<bool> SqliteWebhookStore::update_endpoint(const WebhookEndpoint& e) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached(
      "UPDATE webhook_endpoints SET url = ?3, event_types = ?4, description = ?5, enabled = ?6,"
      " sealed_key = ?7, public_key_hex = ?8, previous_sealed_key = ?9,"
      " previous_public_key_hex = ?10, previous_key_expires_at_us = ?11, updated_at_us = ?12"
      " WHERE tenant = ?1 AND id = ?2");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, e.tenant);
  s.bind_text(2, e.id);
  bind_endpoint_fields(s, e, e.updated_at != 0 ? e.updated_at : clock_.now());
  SKILLSYNC_TRY(s.run());
  return (*conn)->db().changes() > 0;
}

Result<bool> SqliteWebhookStore::delete_endpoint(std::string_view tenant, std::string_view id) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto tx = Transaction::begin((*conn)->db());
  if (!tx.ok()) return tx.error();
  for (const char* sql : {"DELETE FROM webhook_deliveries WHERE tenant = ?1 AND endpoint_id = ?2",
                          "DELETE FROM webhook_outbox WHERE tenant = ?1 AND endpoint_id = ?2",
                          "DELETE FROM webhook_endpoints WHERE tenant = ?1 AND id = ?2"}) {
    auto stmt = (*conn)->cached(sql);
    if (!stmt.ok()) return stmt.error();
    Stmt& s = *stmt.value();
    StmtReset reset(s);
    s.bind_text(1, tenant);
    s.bind_text(2, id);
    SKILLSYNC_TRY(s.run());
  }
  const bool deleted = (*conn)->db().changes() > 0;
  SKILLSYNC_TRY(tx->commit());
  return deleted;
}

}  // namespace skillsync::store::sqlite
