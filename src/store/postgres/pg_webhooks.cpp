// PgWebhookStore (pg_webhooks.hpp): webhook endpoints in PostgreSQL.
#include "store/postgres/pg_webhooks.hpp"

#include <limits>

#include "store/cursor.hpp"
#include "store/store_checks.hpp"
#include "store/webhook_rows.hpp"

namespace skillsync::store::postgres {
namespace {

WebhookEndpoint read_endpoint(const PgResult& r, int i) {
  WebhookEndpoint e;
  e.id = r.string(i, 0);
  e.tenant = r.string(i, 1);
  e.url = r.string(i, 2);
  e.event_types = split_event_types(r.text(i, 3));
  e.description = r.string(i, 4);
  e.enabled = r.boolean(i, 5);
  e.sealed_key = r.bytea(i, 6);
  e.public_key_hex = r.string(i, 7);
  e.previous_sealed_key = r.bytea(i, 8);
  e.previous_public_key_hex = r.string(i, 9);
  e.previous_key_expires_at = r.optional_int64(i, 10);
  e.created_at = r.int64(i, 11);
  e.updated_at = r.int64(i, 12);
  return e;
}

// $1 tenant, $2 id, then url .. updated_at as $3 .. $12. Params keep no
// copies: `types` holds the joined event types until the statement ran.
void bind_endpoint(Params& p, const WebhookEndpoint& e, Micros updated_at, std::string& types) {
  types = join_event_types(e.event_types);
  p.text(e.tenant).text(e.id).text(e.url).text(types);
  p.text(e.description).int64(e.enabled ? 1 : 0).bytea(e.sealed_key).text(e.public_key_hex);
  if (e.previous_sealed_key.empty()) {
    p.null_bytea().null_text();
  } else {
    p.bytea(e.previous_sealed_key).text(e.previous_public_key_hex);
  }
  p.optional_int64(e.previous_key_expires_at).int64(updated_at);
}

}  // namespace

Status PgWebhookStore::create_endpoint(const WebhookEndpoint& e) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  Params p;
  std::string types;
  bind_endpoint(p, e, e.created_at != 0 ? e.created_at : clock_.now(), types);
  auto r = (*conn)->exec(
      "INSERT INTO webhook_endpoints (tenant, id, url, event_types, description, enabled,"
      " sealed_key, public_key_hex, previous_sealed_key, previous_public_key_hex,"
      " previous_key_expires_at_us, updated_at_us, created_at_us)"
      " VALUES ($1, $2, $3, $4, $5, $6 <> 0, $7, $8, $9, $10, $11, $12, $12)",
      p);
  if (!r.ok()) return r.error();
  return ok_status();
}

Result<std::optional<WebhookEndpoint>> PgWebhookStore::get_endpoint(std::string_view tenant,
                                                                    std::string_view id) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto r = (*conn)->exec("SELECT " SKILLSYNC_WEBHOOK_ENDPOINT_COLUMNS
                         " FROM webhook_endpoints WHERE tenant = $1 AND id = $2",
                         Params().text(tenant).text(id));
  if (!r.ok()) return r.error();
  if (r->rows() == 0) return std::optional<WebhookEndpoint>();
  return std::optional<WebhookEndpoint>(read_endpoint(*r, 0));
}

Result<WebhookEndpointPage> PgWebhookStore::list_endpoints(std::string_view tenant, size_t limit,
                                                           std::string_view cursor) {
  SKILLSYNC_TRY(check_page_limit(limit, kMaxWebhookListLimit));
  auto after = decode_task_page_cursor(cursor);
  if (!after.ok()) return after.error();
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto r =
      (*conn)->exec("SELECT " SKILLSYNC_WEBHOOK_ENDPOINT_COLUMNS
                    " FROM webhook_endpoints WHERE tenant = $1 AND (created_at_us, id) > ($2, $3)"
                    " ORDER BY created_at_us, id LIMIT $4",
                    Params()
                        .text(tenant)
                        .int64(*after ? (*after)->created_at : std::numeric_limits<int64_t>::min())
                        .text(*after ? (*after)->id : "")
                        .int64(static_cast<int64_t>(limit) + 1));
  if (!r.ok()) return r.error();
  WebhookEndpointPage page;
  for (int i = 0; i < r->rows(); ++i) {
    if (page.items.size() == limit) {
      const auto& last = page.items.back();
      page.next_cursor = encode_task_cursor(last.created_at, last.id);
      break;
    }
    page.items.push_back(read_endpoint(*r, i));
  }
  return page;
}

Result<bool> PgWebhookStore::update_endpoint(const WebhookEndpoint& e) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  Params p;
  std::string types;
  bind_endpoint(p, e, e.updated_at != 0 ? e.updated_at : clock_.now(), types);
  auto r = (*conn)->exec(
      "UPDATE webhook_endpoints SET url = $3, event_types = $4, description = $5,"
      " enabled = $6 <> 0, sealed_key = $7, public_key_hex = $8, previous_sealed_key = $9,"
      " previous_public_key_hex = $10, previous_key_expires_at_us = $11, updated_at_us = $12"
      " WHERE tenant = $1 AND id = $2",
      p);
  if (!r.ok()) return r.error();
  return r->affected() > 0;
}

Result<bool> PgWebhookStore::delete_endpoint(std::string_view tenant, std::string_view id) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  const PgConn& c = **conn;
  auto tx = Tx::begin(c);
  if (!tx.ok()) return tx.error();
  SKILLSYNC_TRY(c.exec("DELETE FROM webhook_deliveries WHERE tenant = $1 AND endpoint_id = $2",
                       Params().text(tenant).text(id)));
  SKILLSYNC_TRY(c.exec("DELETE FROM webhook_outbox WHERE tenant = $1 AND endpoint_id = $2",
                       Params().text(tenant).text(id)));
  auto r = c.exec("DELETE FROM webhook_endpoints WHERE tenant = $1 AND id = $2",
                  Params().text(tenant).text(id));
  if (!r.ok()) return r.error();
  const bool deleted = r->affected() > 0;
  SKILLSYNC_TRY(tx->commit());
  return deleted;
}

}  // namespace skillsync::store::postgres
