// Struct -> statement parameters that both backends share: the values of
// the statements whose SQL is the same in both but for the placeholder style
// (?1 or $1), in the order of their placeholders. Internal to src/store; the
// other way, rows -> structs, is row_mapping.hpp.
//
// Templates over the backend's parameter type, which binds in order with
// the same names: sqlite::Query and postgres::Params have text, bytea,
// int64, optional_int64, optional_text and null_*. Each returns what the
// last call returned, to chain on. PostgreSQL's Params keep views, not
// copies: every value bound here lives in the struct passed in (or in an
// argument the caller keeps alive).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/sources.hpp"
#include "store/store.hpp"
#include "store/webhooks.hpp"

namespace skillsync::store {

// The six progress counters, bytes_total .. rows_superseded.
template <class Params>
auto& bind_progress(Params& p, const Progress& progress) {
  return p.int64(static_cast<int64_t>(progress.bytes_total))
      .int64(static_cast<int64_t>(progress.bytes_read))
      .int64(static_cast<int64_t>(progress.rows_read))
      .int64(static_cast<int64_t>(progress.rows_loaded))
      .int64(static_cast<int64_t>(progress.rows_rejected))
      .int64(static_cast<int64_t>(progress.rows_superseded));
}

// A checkpoint's position and state after its progress: byte_offset,
// line, batches, state_json, header_json.
template <class Params>
auto& bind_checkpoint(Params& p, const Checkpoint& c) {
  p.int64(static_cast<int64_t>(c.byte_offset)).int64(static_cast<int64_t>(c.line));
  return p.int64(static_cast<int64_t>(c.batches)).text(c.state_json).text(c.header_json);
}

// A sealed secret: NULL when there is none.
template <class Params>
auto& bind_sealed(Params& p, const std::string& sealed) {
  return sealed.empty() ? p.null_bytea() : p.bytea(sealed);
}

// A task error as two parameters (code, message), NULL when there is none.
template <class Params>
auto& bind_task_error(Params& p, const std::optional<TaskError>& error) {
  return error ? p.text(error->code).text(error->message) : p.null_text().null_text();
}

// The 23 values of a task insert, in the column order id, tenant,
// entity_type, method, uri, region, options_json, sealed_credentials,
// status, created_at_us, started_at_us, finished_at_us, the progress,
// error_code, error_message, attempts, trace_id, source_id.
template <class Params>
auto& bind_task(Params& p, const Task& task, Micros created_at) {
  p.text(task.id).text(task.tenant).text(task.entity_type).text(task.method).text(task.uri);
  p.text(task.region).text(task.options_json.empty() ? std::string_view("{}") : task.options_json);
  bind_sealed(p, task.sealed_credentials).text(to_string(task.status)).int64(created_at);
  p.optional_int64(task.started_at).optional_int64(task.finished_at);
  bind_progress(p, task.progress);
  bind_task_error(p, task.error);
  return p.int64(task.attempts).text(task.trace_id).text(task.source_id);
}

// The 17 fields a user or a status change sets on a source, name ..
// failures_since (the order of update_source's SET clause).
template <class Params>
auto& bind_source_settable(Params& p, const Source& x) {
  p.text(x.name).text(x.entity_type).text(x.method).text(x.uri).text(x.region).text(x.pattern);
  bind_sealed(p, x.sealed_credentials).int64(x.schedule_seconds);
  p.text(x.options_json.empty() ? std::string_view("{}") : x.options_json);
  p.text(x.start_after).optional_int64(x.modified_after).text(x.batch);
  p.int64(x.max_consecutive_failures).text(to_string(x.status)).text(x.last_error);
  return p.optional_int64(x.next_check_at).int64(x.failures_since);
}

// The 8 values of a ledger row insert: source_id, key, etag, size,
// last_modified_us, first_seen_us, task_id, skip_reason.
template <class Params>
auto& bind_source_file(Params& p, const SourceFile& f) {
  p.text(f.source_id).text(f.key).text(f.etag).int64(static_cast<int64_t>(f.size));
  return p.int64(f.last_modified).int64(f.first_seen).text(f.task_id).text(f.skip_reason);
}

// The ledger row of `f` in a "per_check" batch of task `task_id`
// (record_files_and_create_task): first seen `now` unless set.
inline SourceFile batch_file_row(const SourceFile& f, std::string_view task_id, Micros now) {
  SourceFile row = f;
  if (row.first_seen == 0) row.first_seen = now;
  row.task_id = std::string(task_id);
  return row;
}

// The 5 values of a task_objects insert: task_id, position, then the
// file's key, etag and size.
template <class Params>
auto& bind_task_object(Params& p, std::string_view task_id, size_t position, const SourceFile& f) {
  p.text(task_id).int64(static_cast<int64_t>(position)).text(f.key).text(f.etag);
  return p.int64(static_cast<int64_t>(f.size));
}

// An endpoint's tenant, id, then url .. updated_at (12 values); `types` is
// join_event_types(e.event_types), kept alive by the caller.
template <class Params>
auto& bind_endpoint(Params& p, const WebhookEndpoint& e, Micros updated_at,
                    const std::string& types) {
  p.text(e.tenant).text(e.id).text(e.url).text(types).text(e.description).int64(e.enabled ? 1 : 0);
  p.bytea(e.sealed_key).text(e.public_key_hex);
  if (e.previous_sealed_key.empty()) {
    p.null_bytea().null_text();
  } else {
    p.bytea(e.previous_sealed_key).text(e.previous_public_key_hex);
  }
  return p.optional_int64(e.previous_key_expires_at).int64(updated_at);
}

// record_attempt's update of the outbox row: event_id, owner, the outcome
// (0 delivered, 1 retry, 2 dead), the attempt's time and the next attempt's.
template <class Params>
auto& bind_attempt_outcome(Params& p, const DeliveryAttempt& a, std::string_view owner,
                           AttemptOutcome outcome) {
  p.text(a.event_id).text(owner).int64(static_cast<int64_t>(outcome)).int64(a.at);
  return p.int64(a.next_retry_at.value_or(a.at));
}

// The 9 values of a webhook_deliveries insert: event_id, endpoint_id,
// tenant, attempt, status_code, error, latency_ms, at_us, next_retry_at_us
// (only for a retry). `endpoint_id` and `tenant` stay alive until it ran.
template <class Params>
auto& bind_delivery(Params& p, const DeliveryAttempt& a, std::string_view endpoint_id,
                    std::string_view tenant, int64_t attempt, AttemptOutcome outcome) {
  p.text(a.event_id).text(endpoint_id).text(tenant).int64(attempt);
  a.status_code ? p.int64(*a.status_code) : p.null_int64();
  p.text(a.error).int64(a.latency_ms).int64(a.at);
  return p.optional_int64(outcome == AttemptOutcome::kRetry ? a.next_retry_at : std::nullopt);
}

}  // namespace skillsync::store
