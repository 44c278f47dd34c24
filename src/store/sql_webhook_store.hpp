// SqlWebhookStore: the part of the WebhookStore (store/webhooks.hpp) that
// both backends run alike, written once: the reads of endpoints, outbox
// events and delivery records, whose SQL is the same in both dialects but
// for the placeholders (SqlText). Internal to src/store; the base class of
// sqlite::SqliteWebhookStore and postgres::PgWebhookStore, which implement
// the writes, claims and the outbox in their own dialect.
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
#include "store/sql_text.hpp"
#include "store/store_checks.hpp"
#include "store/webhook_rows.hpp"
#include "store/webhooks.hpp"

namespace skillsync::store {

template <class Pool, class Row>
class SqlWebhookStore : public WebhookStore {
 public:
  Result<std::optional<WebhookEndpoint>> get_endpoint(std::string_view tenant,
                                                      std::string_view id) override {
    static constexpr SqlText k{"SELECT " SKILLSYNC_WEBHOOK_ENDPOINT_COLUMNS
                               " FROM webhook_endpoints WHERE tenant = $1 AND id = $2"};
    return pool_.template one<WebhookEndpoint>(sql(k), read_endpoint<Row>, tenant, id);
  }
  Result<WebhookEndpointPage> list_endpoints(std::string_view tenant, size_t limit,
                                             std::string_view cursor) override {
    SKILLSYNC_TRY(check_page_limit(limit, kMaxWebhookListLimit));
    SKILLSYNC_ASSIGN_OR_RETURN(const std::optional<TaskCursor> after,
                               decode_task_page_cursor(cursor));
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

 protected:
  SqlWebhookStore(Pool& pool, const Clock& clock) : pool_(pool), clock_(clock) {}

  Pool& pool_;
  const Clock& clock_;

 private:
  template <size_t N>
  static const char* sql(const SqlText<N>& text) {
    return text.template in<Pool>();
  }
};

}  // namespace skillsync::store
