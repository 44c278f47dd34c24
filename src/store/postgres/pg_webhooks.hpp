// The webhook store (store/webhooks.hpp) over the PostgreSQL database of a
// PostgresStore (same pool), and the task-end hook that writes a finishing
// task's events into the outbox inside the finishing transaction.
#pragma once

#include <memory>
#include <string_view>

#include "common/time.hpp"
#include "store/postgres/pool.hpp"
#include "store/webhooks.hpp"

namespace skillsync::store::postgres {

// The webhook store over `pool` (the PostgresStore's, borrowed): a
// SqlWebhookStore<ConnectionPool, PgRow> (store/sql_webhook_store.hpp) whose
// PostgreSQL calls are in pg_webhooks.cpp.
// REQUIRES: `pool` and `clock` outlive it.
std::unique_ptr<WebhookStore> make_webhook_store(ConnectionPool& pool, const Clock& clock);

// Inside the transaction that just set the task's final status: one outbox
// row per enabled endpoint of the task's tenant subscribed to
// "file_load_task.<status>.v1".
Status enqueue_task_end_events(const PgConn& conn, std::string_view task_id, Micros now);

}  // namespace skillsync::store::postgres
