// What both stores share about the webhook tables: column lists, the
// event-type list's stored form, and the SQL pieces of the task-end hook.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/webhooks.hpp"

namespace skillsync::store {

#define SKILLSYNC_WEBHOOK_ENDPOINT_COLUMNS                                                    \
  "id, tenant, url, event_types, description, enabled, sealed_key, public_key_hex,"           \
  " previous_sealed_key, previous_public_key_hex, previous_key_expires_at_us, created_at_us," \
  " updated_at_us"

#define SKILLSYNC_WEBHOOK_OUTBOX_COLUMNS                                                       \
  "event_id, tenant, endpoint_id, type, source_path, body, created_at_us, next_attempt_at_us," \
  " attempts, round_attempts, delivered_at_us, dead"

#define SKILLSYNC_WEBHOOK_DELIVERY_COLUMNS \
  "event_id, endpoint_id, attempt, status_code, error, latency_ms, at_us, next_retry_at_us, seq"

// Event types are stored comma-joined ("a,b"); the API admits only known
// type names, which hold no comma.
std::string join_event_types(const std::vector<std::string>& types);
std::vector<std::string> split_event_types(std::string_view stored);

// The largest page of list_endpoints and list_deliveries.
inline constexpr size_t kMaxWebhookListLimit = 1000;

}  // namespace skillsync::store
