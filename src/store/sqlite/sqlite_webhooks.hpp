// The webhook store (store/webhooks.hpp) over the SQLite file of a
// SqliteStore (same connection pool), and the task-end hook that writes a
// finishing task's events into the outbox inside the finishing transaction.
#pragma once

#include <memory>
#include <string_view>

#include "common/time.hpp"
#include "store/sqlite/pool.hpp"
#include "store/webhooks.hpp"

namespace skillsync::store::sqlite {

// The webhook store over `pool` (the SqliteStore's, borrowed): a
// SqlWebhookStore<ConnectionPool, Row> (store/sql_webhook_store.hpp) whose
// SQLite calls are in sqlite_webhooks.cpp.
// REQUIRES: `pool` and `clock` outlive it.
std::unique_ptr<WebhookStore> make_webhook_store(ConnectionPool& pool, const Clock& clock);

// Inside the transaction that just set the task's final status: writes one
// outbox row per enabled endpoint of the task's tenant subscribed to
// "file_load_task.<status>.v1" (see store/webhooks.hpp). A task that is not
// finished gets none.
Status enqueue_task_end_events(Connection& conn, std::string_view task_id, Micros now);

}  // namespace skillsync::store::sqlite
