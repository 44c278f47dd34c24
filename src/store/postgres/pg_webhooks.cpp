// PgWebhookStore (pg_webhooks.hpp): webhook endpoints in PostgreSQL.
#include "store/postgres/pg_webhooks.hpp"

#include <limits>

#include "store/cursor.hpp"
#include "store/row_mapping.hpp"
#include "store/row_params.hpp"
#include "store/store_checks.hpp"
#include "store/webhook_rows.hpp"

namespace skillsync::store::postgres {

Status PgWebhookStore::create_endpoint(const WebhookEndpoint& e) {
  Params p;
  const std::string types = join_event_types(e.event_types);
  bind_endpoint(p, e, e.created_at != 0 ? e.created_at : clock_.now(), types);
  SKILLSYNC_ASSIGN_OR_RETURN(
      PgResult r,
      pool_.exec(
          "INSERT INTO webhook_endpoints (tenant, id, url, event_types, description, enabled,"
          " sealed_key, public_key_hex, previous_sealed_key, previous_public_key_hex,"
          " previous_key_expires_at_us, updated_at_us, created_at_us)"
          " VALUES ($1, $2, $3, $4, $5, $6 <> 0, $7, $8, $9, $10, $11, $12, $12)",
          p));
  return ok_status();
}

Result<bool> PgWebhookStore::update_endpoint(const WebhookEndpoint& e) {
  Params p;
  const std::string types = join_event_types(e.event_types);
  bind_endpoint(p, e, e.updated_at != 0 ? e.updated_at : clock_.now(), types);
  SKILLSYNC_ASSIGN_OR_RETURN(
      PgResult r,
      pool_.exec(
          "UPDATE webhook_endpoints SET url = $3, event_types = $4, description = $5,"
          " enabled = $6 <> 0, sealed_key = $7, public_key_hex = $8, previous_sealed_key = $9,"
          " previous_public_key_hex = $10, previous_key_expires_at_us = $11, updated_at_us = $12"
          " WHERE tenant = $1 AND id = $2",
          p));
  return r.affected() > 0;
}

Result<bool> PgWebhookStore::delete_endpoint(std::string_view tenant, std::string_view id) {
  SKILLSYNC_ASSIGN_OR_RETURN(PooledConn conn, pool_.acquire());
  const PgConn& c = *conn;
  SKILLSYNC_ASSIGN_OR_RETURN(Tx tx, Tx::begin(c));
  SKILLSYNC_TRY(c.exec("DELETE FROM webhook_deliveries WHERE tenant = $1 AND endpoint_id = $2",
                       Params().text(tenant).text(id)));
  SKILLSYNC_TRY(c.exec("DELETE FROM webhook_outbox WHERE tenant = $1 AND endpoint_id = $2",
                       Params().text(tenant).text(id)));
  auto r = c.exec("DELETE FROM webhook_endpoints WHERE tenant = $1 AND id = $2",
                  Params().text(tenant).text(id));
  if (!r.ok()) return r.error();
  const bool deleted = r->affected() > 0;
  SKILLSYNC_TRY(tx.commit());
  return deleted;
}

}  // namespace skillsync::store::postgres
