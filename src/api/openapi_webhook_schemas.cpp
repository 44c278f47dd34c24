// components/schemas of the webhook endpoints (webhook_routes.hpp).
#include <boost/json.hpp>

#include "api/openapi.hpp"
#include "api/openapi_util.hpp"
#include "notify/events.hpp"

namespace skillsync::api::internal {
namespace json = boost::json;

namespace {

json::object str() { return {{"type", "string"}}; }
json::object or_null(json::object schema) {
  schema["type"] = json::array{schema["type"], "null"};
  return schema;
}

json::object event_types() {
  json::array names;
  for (auto t : notify::kEventTypes) names.emplace_back(t);
  return {{"type", "array"},
          {"minItems", 1},
          {"uniqueItems", true},
          {"items", {{"type", "string"}, {"enum", std::move(names)}}}};
}

json::object url() {
  return {{"type", "string"},
          {"minLength", 1},
          {"maxLength", 2048},
          {"description",
           "https URL with a public address (plain http and other addresses only for hosts "
           "the operator allows with --webhook-allow-host)"}};
}

json::object webhook() {
  json::object hex{{"type", "string"}, {"pattern", "^[0-9a-f]{64}$"}};
  return {{"type", "object"},
          {"required",
           {"id", "url", "event_types", "description", "enabled", "public_key", "public_keys",
            "previous_key_expires_at", "created_at", "updated_at"}},
          {"properties",
           {{"id", str()},
            {"url", str()},
            {"event_types", event_types()},
            {"description", str()},
            {"enabled", {{"type", "boolean"}}},
            {"public_key", hex},
            {"public_keys",
             {{"type", "array"},
              {"description",
               "Keys that sign now: the current one, then the previous one "
               "during a rotation window"},
              {"items", hex}}},
            {"previous_key_expires_at", or_null(date_time())},
            {"created_at", date_time()},
            {"updated_at", date_time()}}}};
}

json::object delivery() {
  return {{"type", "object"},
          {"required",
           {"event_id", "attempt", "status_code", "error", "latency_ms", "at", "next_retry_at"}},
          {"properties",
           {{"event_id", str()},
            {"attempt", {{"type", "integer"}, {"minimum", 1}}},
            {"status_code", {{"type", json::array{"integer", "null"}}}},
            {"error", or_null(str())},
            {"latency_ms", {{"type", "integer"}, {"minimum", 0}}},
            {"at", date_time()},
            {"next_retry_at", or_null(date_time())}}}};
}

}  // namespace

void add_webhook_schemas(json::object& out) {
  out["WebhookInput"] = json::object{{"type", "object"},
                                     {"additionalProperties", false},
                                     {"required", {"url", "event_types"}},
                                     {"properties",
                                      {{"url", url()},
                                       {"event_types", event_types()},
                                       {"description", {{"type", "string"}, {"maxLength", 500}}}}}};
  out["WebhookPatch"] = json::object{{"type", "object"},
                                     {"additionalProperties", false},
                                     {"properties",
                                      {{"url", url()},
                                       {"event_types", event_types()},
                                       {"description", {{"type", "string"}, {"maxLength", 500}}},
                                       {"enabled", {{"type", "boolean"}}}}}};
  out["Webhook"] = webhook();
  out["WebhookPage"] = page_of("Webhook");
  out["WebhookDelivery"] = delivery();
  out["WebhookDeliveryPage"] = page_of("WebhookDelivery");
  out["WebhookEventQueued"] = json::object{
      {"type", "object"}, {"required", {"event_id"}}, {"properties", {{"event_id", str()}}}};
}

}  // namespace skillsync::api::internal
