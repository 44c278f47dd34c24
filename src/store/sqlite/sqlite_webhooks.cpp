// SqliteWebhookStore (sqlite_webhooks.hpp): endpoints, outbox and delivery
// records in the SQLite file, and the task-end hook. Claims need no row
// locks: SQLite serializes writers (BEGIN IMMEDIATE), so an UPDATE ...
// RETURNING of due rows hands each row to one claimer.
#include "store/sqlite/sqlite_webhooks.hpp"

#include <limits>

#include "store/cursor.hpp"
#include "store/row_mapping.hpp"
#include "store/row_params.hpp"
#include "store/store_checks.hpp"
#include "store/webhook_rows.hpp"

namespace skillsync::store::sqlite {

Status SqliteWebhookStore::create_endpoint(const WebhookEndpoint& e) {
  SKILLSYNC_ASSIGN_OR_RETURN(
      PooledQuery s,
      pool_.query(
          "INSERT INTO webhook_endpoints (tenant, id, url, event_types, description, enabled,"
          " sealed_key, public_key_hex, previous_sealed_key, previous_public_key_hex,"
          " previous_key_expires_at_us, updated_at_us, created_at_us)"
          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)"));
  const std::string types = join_event_types(e.event_types);
  return bind_endpoint(s, e, e.created_at != 0 ? e.created_at : clock_.now(), types).run();
}

Result<bool> SqliteWebhookStore::update_endpoint(const WebhookEndpoint& e) {
  SKILLSYNC_ASSIGN_OR_RETURN(
      PooledQuery s,
      pool_.query(
          "UPDATE webhook_endpoints SET url = ?3, event_types = ?4, description = ?5, enabled = ?6,"
          " sealed_key = ?7, public_key_hex = ?8, previous_sealed_key = ?9,"
          " previous_public_key_hex = ?10, previous_key_expires_at_us = ?11, updated_at_us = ?12"
          " WHERE tenant = ?1 AND id = ?2"));
  const std::string types = join_event_types(e.event_types);
  SKILLSYNC_TRY(bind_endpoint(s, e, e.updated_at != 0 ? e.updated_at : clock_.now(), types).run());
  return s.changes() > 0;
}

Result<bool> SqliteWebhookStore::delete_endpoint(std::string_view tenant, std::string_view id) {
  SKILLSYNC_ASSIGN_OR_RETURN(PooledConnection conn, pool_.acquire());
  SKILLSYNC_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(conn->db()));
  for (const char* sql : {"DELETE FROM webhook_deliveries WHERE tenant = ?1 AND endpoint_id = ?2",
                          "DELETE FROM webhook_outbox WHERE tenant = ?1 AND endpoint_id = ?2",
                          "DELETE FROM webhook_endpoints WHERE tenant = ?1 AND id = ?2"}) {
    SKILLSYNC_ASSIGN_OR_RETURN(Query s, conn->query(sql));
    s.text(tenant).text(id);
    SKILLSYNC_TRY(s.run());
  }
  const bool deleted = conn->db().changes() > 0;
  SKILLSYNC_TRY(tx.commit());
  return deleted;
}

}  // namespace skillsync::store::sqlite
