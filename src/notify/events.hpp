// notify/events: the webhook event types and their CloudEvents 1.0 bodies.
//
// Every type is versioned and, on the wire, carries the product prefix
// "com.skillsync." (kTypePrefix): the stored (and subscribed) name is
// "file_load_task.completed.v1", the CloudEvent's `type` is
// "com.skillsync.file_load_task.completed.v1".
//
// Body (one JSON object, `data` thin: identifiers and counts only, never
// credentials or row content):
//   {"specversion":"1.0","type":"com.skillsync.<type>","source":"<public
//    url><source path>","id":"evt_...","time":"<RFC 3339>",
//    "datacontenttype":"application/json","data":{...}}
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "store/webhooks.hpp"

namespace skillsync::notify {

inline constexpr std::string_view kTypePrefix = "com.skillsync.";

inline constexpr std::string_view kTaskCompleted = "file_load_task.completed.v1";
inline constexpr std::string_view kTaskCompletedWithErrors =
    "file_load_task.completed_with_errors.v1";
inline constexpr std::string_view kTaskFailed = "file_load_task.failed.v1";
inline constexpr std::string_view kTaskCancelled = "file_load_task.cancelled.v1";
inline constexpr std::string_view kHealthcheck = "healthcheck.v1";
// Reserved for recurring sources (src/sources): see enqueue_source_error().
inline constexpr std::string_view kSourceError = "source.error.v1";

// Every type an endpoint may subscribe to.
inline constexpr std::array<std::string_view, 6> kEventTypes = {
    kTaskCompleted, kTaskCompletedWithErrors, kTaskFailed, kTaskCancelled, kHealthcheck,
    kSourceError};
bool is_event_type(std::string_view type);

// The CloudEvents JSON body of an outbox row. `public_url` has no trailing
// slash (e.g. "https://skillsync.example.com").
// Fails ("invalid_event") when the row's data is not a JSON object.
Result<std::string> cloudevent_body(const store::OutboxEvent& event, std::string_view public_url);

// Enqueues healthcheck.v1 for one endpoint (on registration and on
// POST .../test). Returns its event id.
Result<std::string> enqueue_healthcheck(store::WebhookStore& store, std::string_view tenant,
                                        std::string_view endpoint_id, Micros now);

// For recurring sources: enqueues source.error.v1 for every enabled
// endpoint of `tenant` subscribed to it. `data` holds tenant, source_id,
// error code and message (no credentials); source path
// "/integrations/sources/<source_id>". Returns the event ids.
Result<std::vector<std::string>> enqueue_source_error(store::WebhookStore& store,
                                                      std::string_view tenant,
                                                      std::string_view source_id,
                                                      std::string_view error_code,
                                                      std::string_view error_message, Micros now);

}  // namespace skillsync::notify
