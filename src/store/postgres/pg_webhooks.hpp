// PgWebhookStore: store/webhooks.hpp over the PostgreSQL database of a
// PostgresStore (same pool), and the task-end hook that writes a finishing
// task's events into the outbox inside the finishing transaction. Claims
// lock rows with FOR UPDATE SKIP LOCKED, so N processes claiming at once
// each get different events.
#pragma once

#include <string_view>

#include "common/time.hpp"
#include "store/postgres/pool.hpp"
#include "store/sql_webhook_store.hpp"
#include "store/webhooks.hpp"

namespace skillsync::store::postgres {

// The reads are SqlWebhookStore's (store/sql_webhook_store.hpp).
class PgWebhookStore final : public SqlWebhookStore<ConnectionPool, PgRow> {
 public:
  PgWebhookStore(ConnectionPool& pool, const Clock& clock) : SqlWebhookStore(pool, clock) {}

  Status create_endpoint(const WebhookEndpoint& e) override;
  Result<bool> update_endpoint(const WebhookEndpoint& e) override;
  Result<bool> delete_endpoint(std::string_view tenant, std::string_view id) override;
  Result<std::vector<std::string>> enqueue(std::string_view tenant, std::string_view endpoint_id,
                                           std::string_view type, std::string_view source_path,
                                           std::string_view data_json, Micros now) override;
  Result<std::vector<OutboxEvent>> claim_due(std::string_view owner, Micros now, Micros lease,
                                             size_t limit) override;
  Result<std::optional<Micros>> next_due() override;
  Status record_attempt(const DeliveryAttempt& attempt, std::string_view owner,
                        AttemptOutcome outcome) override;
  Result<bool> redeliver(std::string_view tenant, std::string_view endpoint_id,
                         std::string_view event_id, Micros now) override;
};

// Inside the transaction that just set the task's final status: one outbox
// row per enabled endpoint of the task's tenant subscribed to
// "file_load_task.<status>.v1".
Status enqueue_task_end_events(const PgConn& conn, std::string_view task_id, Micros now);

}  // namespace skillsync::store::postgres
