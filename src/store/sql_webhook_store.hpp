// SqlWebhookStore: the WebhookStore (store/webhooks.hpp) of both SQL
// stores, one class for both dialects. Internal to src/store.
//
// Written here, once: the calls whose SQL is the same in both dialects but
// for the placeholders (SqlText): creating and changing endpoints, the
// reads of endpoints, outbox events and delivery records, and redelivering;
// and the calls that run one statement whose text is the dialect's own
// (enqueue, next_due: the k*Sql members). Declared here and defined for
// each backend's pool, in its own dialect, in the one file that also makes
// the store (sqlite/sqlite_webhooks.cpp, postgres/pg_webhooks.cpp, explicit
// specializations): those statements, deleting an endpoint, claiming due
// events and recording attempts. Nothing else instantiates a
// SqlWebhookStore: the stores hold it as a WebhookStore made by their
// make_webhook_store().
//
// A template over the backend's pool and row type, like SqlStore
// (sql_store.hpp); the pool is the store's, borrowed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "store/cursor.hpp"
#include "store/row_mapping.hpp"
#include "store/row_params.hpp"
#include "store/sql_text.hpp"
#include "store/sql_values.hpp"
#include "store/store_checks.hpp"
#include "store/webhook_rows.hpp"
#include "store/webhooks.hpp"

namespace skillsync::store {

template <class Pool, class Row>
class SqlWebhookStore final : public WebhookStore {
 public:
  // REQUIRES: `pool` and `clock` outlive the store.
  SqlWebhookStore(Pool& pool, const Clock& clock) : pool_(pool), clock_(clock) {}

  Status create_endpoint(const WebhookEndpoint& e) override {
    static constexpr SqlText k{
        "INSERT INTO webhook_endpoints (tenant, id, url, event_types, description, enabled,"
        " sealed_key, public_key_hex, previous_sealed_key, previous_public_key_hex,"
        " previous_key_expires_at_us, updated_at_us, created_at_us)"
        " VALUES ($1, $2, $3, $4, $5, $6 <> 0, $7, $8, $9, $10, $11, $12, $12)"};
    const Micros at = e.created_at != 0 ? e.created_at : clock_.now();
    const Result<uint64_t> inserted = pool_.run(sql(k), endpoint(e, at));
    if (!inserted.ok()) return inserted.error();
    return ok_status();
  }
  Result<bool> update_endpoint(const WebhookEndpoint& e) override {
    static constexpr SqlText k{
        "UPDATE webhook_endpoints SET url = $3, event_types = $4, description = $5,"
        " enabled = $6 <> 0, sealed_key = $7, public_key_hex = $8, previous_sealed_key = $9,"
        " previous_public_key_hex = $10, previous_key_expires_at_us = $11, updated_at_us = $12"
        " WHERE tenant = $1 AND id = $2"};
    const Micros at = e.updated_at != 0 ? e.updated_at : clock_.now();
    SKILLSYNC_ASSIGN_OR_RETURN(uint64_t n, pool_.run(sql(k), endpoint(e, at)));
    return n > 0;
  }
  Result<std::optional<WebhookEndpoint>> get_endpoint(std::string_view tenant,
                                                      std::string_view id) override {
    static constexpr SqlText k{"SELECT " SKILLSYNC_WEBHOOK_ENDPOINT_COLUMNS
                               " FROM webhook_endpoints WHERE tenant = $1 AND id = $2"};
    return pool_.template one<WebhookEndpoint>(sql(k), read_endpoint<Row>, tenant, id);
  }
  Result<WebhookEndpointPage> list_endpoints(std::string_view tenant, size_t limit,
                                             std::string_view cursor) override {
    SKILLSYNC_ASSIGN_OR_RETURN(const std::optional<TaskCursor> after,
                               decode_task_page_request(limit, kMaxWebhookListLimit, cursor));
    // Ascending (created_at, id), after the cursor's item or, for the first
    // page, before every item.
    static constexpr SqlText k{
        "SELECT " SKILLSYNC_WEBHOOK_ENDPOINT_COLUMNS
        " FROM webhook_endpoints WHERE tenant = $1"
        " AND (created_at_us, id) > ($2, $3) ORDER BY created_at_us, id LIMIT $4"};
    const int64_t after_at = after ? after->created_at : std::numeric_limits<int64_t>::min();
    const std::string_view after_id = after ? std::string_view(after->id) : std::string_view();
    SKILLSYNC_ASSIGN_OR_RETURN(
        std::vector<WebhookEndpoint> rows,
        pool_.template all<WebhookEndpoint>(sql(k), read_endpoint<Row>, tenant, after_at, after_id,
                                            static_cast<int64_t>(limit) + 1));
    return endpoint_page(std::move(rows), limit);
  }
  Result<std::optional<OutboxEvent>> get_event(std::string_view tenant,
                                               std::string_view event_id) override {
    static constexpr SqlText k{"SELECT " SKILLSYNC_WEBHOOK_OUTBOX_COLUMNS
                               " FROM webhook_outbox WHERE tenant = $1 AND event_id = $2"};
    return pool_.template one<OutboxEvent>(sql(k), read_outbox<Row>, tenant, event_id);
  }
  Result<DeliveryPage> list_deliveries(std::string_view tenant, std::string_view endpoint_id,
                                       size_t limit, std::string_view cursor) override {
    SKILLSYNC_TRY(check_page_limit(limit, kMaxWebhookListLimit));
    SKILLSYNC_ASSIGN_OR_RETURN(int64_t before, decode_seq_page_cursor_descending(cursor));
    static constexpr SqlText k{"SELECT " SKILLSYNC_WEBHOOK_DELIVERY_COLUMNS
                               " FROM webhook_deliveries WHERE tenant = $1 AND endpoint_id = $2"
                               " AND seq < $3 ORDER BY seq DESC LIMIT $4"};
    SKILLSYNC_ASSIGN_OR_RETURN(std::vector<WithSeq<DeliveryAttempt>> rows,
                               pool_.template all<WithSeq<DeliveryAttempt>>(
                                   sql(k), read_seq_delivery<Row>, tenant, endpoint_id, before,
                                   static_cast<int64_t>(limit) + 1));
    return seq_page<DeliveryPage>(std::move(rows), limit);
  }

  Result<std::vector<std::string>> enqueue(std::string_view tenant, std::string_view endpoint_id,
                                           std::string_view type, std::string_view source_path,
                                           std::string_view data_json, Micros now) override {
    return pool_.template all<std::string>(kEnqueueSql, read_string<Row>, tenant, endpoint_id, type,
                                           source_path, data_json, now);
  }
  Result<std::optional<Micros>> next_due() override {
    SKILLSYNC_ASSIGN_OR_RETURN(std::optional<std::optional<Micros>> min,
                               pool_.template one<std::optional<Micros>>(
                                   kNextDueSql, [](const Row& r) { return r.optional_int64(0); }));
    return min.value_or(std::nullopt);
  }
  Result<bool> redeliver(std::string_view tenant, std::string_view endpoint_id,
                         std::string_view event_id, Micros now) override {
    // Back in the queue, due at once. `false` is SQLite's keyword for 0
    // too (3.23 and later).
    static constexpr SqlText k{
        "UPDATE webhook_outbox SET delivered_at_us = NULL, dead = false, round_attempts = 0,"
        " next_attempt_at_us = $4, lease_owner = NULL, lease_expires_at_us = NULL"
        " WHERE tenant = $1 AND endpoint_id = $2 AND event_id = $3"};
    SKILLSYNC_ASSIGN_OR_RETURN(uint64_t n, pool_.run(sql(k), tenant, endpoint_id, event_id, now));
    return n > 0;
  }

  // In the backend's dialect (see the file comment).
  Result<bool> delete_endpoint(std::string_view tenant, std::string_view id) override;
  Result<std::vector<OutboxEvent>> claim_due(std::string_view owner, Micros now, Micros lease,
                                             size_t limit) override;
  Status record_attempt(const DeliveryAttempt& attempt, std::string_view owner,
                        AttemptOutcome outcome) override;

 private:
  // The endpoint's tenant, id, url .. updated_at as parameters, with
  // `updated_at` as the time; the joined event types live in the result.
  static auto endpoint(const WebhookEndpoint& e, Micros updated_at) {
    return Fields{[&e, updated_at, types = join_event_types(e.event_types)](auto& p) {
      bind_endpoint(p, e, updated_at, types);
    }};
  }

  // The statements in the backend's dialect (see the file comment).
  // Enqueues an event for one endpoint or, when that is "", for every
  // enabled endpoint of the tenant subscribed to the type: $1 tenant, $2
  // endpoint id, $3 type, $4 source path, $5 body, $6 now; RETURNING
  // event_id.
  static const char* const kEnqueueSql;
  // One row: when the next undelivered live event may be tried (its next
  // attempt, or when its lease ends if later); NULL when there is none.
  static const char* const kNextDueSql;

  Pool& pool_;
  const Clock& clock_;

  template <size_t N>
  static const char* sql(const SqlText<N>& text) {
    return text.template in<Pool>();
  }
};

}  // namespace skillsync::store
