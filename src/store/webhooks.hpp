// store/webhooks: the durable side of webhooks — registered endpoints, the
// outbox of events to deliver, and the record of every delivery attempt.
//
// Contracts every WebhookStore keeps (the contract suite checks them on both
// backends):
// - Task ends write their events in the SAME transaction as the task's
//   final status: every path that finishes a task (TaskWriter::publish,
//   finish_dry_run, Store::finish_task, request_cancel of a pending task)
//   inserts one outbox row per enabled endpoint of the task's tenant whose
//   event_types hold "file_load_task.<status>.v1". A crash can therefore
//   neither lose such an event nor invent one for a task that did not end.
//   The row's data_json is the thin payload {"tenant","task_id",
//   "entity_type","status","rows_loaded","rows_rejected"} and its
//   source_path "/integrations/file-load-tasks/<task id>".
// - Event ids are unique ("evt_" + 32 hex digits), one per outbox row (one
//   event is one delivery target).
// - claim_due() hands a due row to one claimer at a time: a row is due when
//   it is neither delivered nor dead, next_attempt_at <= now, and no live
//   lease holds it; claiming leases it to `owner` until now + lease. On
//   PostgreSQL concurrent claimers skip each other's rows (SKIP LOCKED).
// - record_attempt() appends the attempt to the deliveries and updates the
//   outbox row in one transaction, only while `owner` holds the lease
//   ("lease_lost" otherwise: another process took the row over).
// - Private keys are stored only sealed (the caller seals them with the
//   master key); this store never sees a private key in the clear.
//
// Error codes: as Store ("not_found", "invalid_cursor", "lease_lost",
// "storage_error", ...).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"

namespace skillsync::store {

struct WebhookEndpoint {
  std::string id;
  std::string tenant;
  std::string url;
  std::vector<std::string> event_types;  // e.g. "file_load_task.completed.v1"
  std::string description;
  bool enabled = true;
  // The signing key: Ed25519 private key sealed with the master key, and
  // its public key (64 hex digits).
  std::string sealed_key;
  std::string public_key_hex;
  // During a rotation window: the previous key, which signs too until
  // previous_key_expires_at. Empty / absent otherwise.
  std::string previous_sealed_key;
  std::string previous_public_key_hex;
  std::optional<Micros> previous_key_expires_at;
  Micros created_at = 0;  // 0 = now (create_endpoint)
  Micros updated_at = 0;
};

struct WebhookEndpointPage {
  std::vector<WebhookEndpoint> items;
  std::optional<std::string> next_cursor;
};

struct OutboxEvent {
  std::string event_id;
  std::string tenant;
  std::string endpoint_id;
  std::string type;         // without the product prefix, e.g. "healthcheck.v1"
  std::string source_path;  // the subject's path in this API, e.g. "/integrations/..."
  std::string data_json;    // the CloudEvent's `data`, a JSON object
  Micros created_at = 0;
  Micros next_attempt_at = 0;
  int attempts = 0;        // attempts so far (numbering continues after redeliver)
  int round_attempts = 0;  // attempts since it was enqueued or last redelivered
  std::optional<Micros> delivered_at;
  bool dead = false;
};

struct DeliveryAttempt {
  std::string event_id;
  std::string endpoint_id;
  int attempt = 0;                 // set by record_attempt (attempts + 1)
  std::optional<int> status_code;  // absent when no response came
  std::string error;               // "" on a response; "timeout", "connect_failed", ...
  int64_t latency_ms = 0;
  Micros at = 0;
  std::optional<Micros> next_retry_at;  // absent when delivered or given up
};

struct DeliveryPage {
  std::vector<DeliveryAttempt> items;  // newest first
  std::optional<std::string> next_cursor;
};

// What happens to an outbox row after an attempt.
enum class AttemptOutcome { kDelivered, kRetry, kDead };

class WebhookStore {
 public:
  virtual ~WebhookStore() = default;

  // "already_exists" when the id is taken.
  virtual Status create_endpoint(const WebhookEndpoint& e) = 0;
  virtual Result<std::optional<WebhookEndpoint>> get_endpoint(std::string_view tenant,
                                                              std::string_view id) = 0;
  // Oldest first (created_at, id); `cursor` as in Store::list_tasks.
  // REQUIRES: 1 <= limit <= 1000
  virtual Result<WebhookEndpointPage> list_endpoints(std::string_view tenant, size_t limit,
                                                     std::string_view cursor) = 0;
  // Replaces url, event_types, description, enabled and the keys of the
  // endpoint (e.id, e.tenant) and sets updated_at = e.updated_at (0: now).
  // Returns false when there is no such endpoint.
  virtual Result<bool> update_endpoint(const WebhookEndpoint& e) = 0;
  // Deletes the endpoint, its outbox rows and its delivery records.
  virtual Result<bool> delete_endpoint(std::string_view tenant, std::string_view id) = 0;

  // Enqueues an event of `type` for one endpoint (`endpoint_id` non-empty:
  // that endpoint, enabled or subscribed or not; used for healthcheck.v1),
  // or for every enabled endpoint of `tenant` subscribed to `type`.
  // Returns the new event ids (none when no endpoint matches).
  virtual Result<std::vector<std::string>> enqueue(std::string_view tenant,
                                                   std::string_view endpoint_id,
                                                   std::string_view type,
                                                   std::string_view source_path,
                                                   std::string_view data_json, Micros now) = 0;
  virtual Result<std::optional<OutboxEvent>> get_event(std::string_view tenant,
                                                       std::string_view event_id) = 0;
  // Leases up to `limit` due rows (see the file comment), oldest due first.
  virtual Result<std::vector<OutboxEvent>> claim_due(std::string_view owner, Micros now,
                                                     Micros lease, size_t limit) = 0;
  // The earliest next_attempt_at of a row waiting to be delivered (for a
  // dispatcher's sleep), or nullopt.
  virtual Result<std::optional<Micros>> next_due() = 0;
  // Records `attempt` (its attempt number is assigned here) and applies
  // `outcome`: delivered (delivered_at = attempt.at), retry (at
  // attempt.next_retry_at) or dead. Releases the lease.
  virtual Status record_attempt(const DeliveryAttempt& attempt, std::string_view owner,
                                AttemptOutcome outcome) = 0;
  // The endpoint's attempts, newest first; `cursor` from a previous page.
  // REQUIRES: 1 <= limit <= 1000
  virtual Result<DeliveryPage> list_deliveries(std::string_view tenant,
                                               std::string_view endpoint_id, size_t limit,
                                               std::string_view cursor) = 0;
  // Makes the event due again at `now` with a fresh round of attempts,
  // delivered or dead or not. False when the endpoint has no such event.
  virtual Result<bool> redeliver(std::string_view tenant, std::string_view endpoint_id,
                                 std::string_view event_id, Micros now) = 0;
};

}  // namespace skillsync::store
