// CloudEvents bodies and the enqueue helpers (events.hpp).
#include "notify/events.hpp"

#include <boost/json.hpp>

namespace skillsync::notify {

namespace json = boost::json;

bool is_event_type(std::string_view type) {
  for (auto t : kEventTypes) {
    if (t == type) return true;
  }
  return false;
}

Result<std::string> cloudevent_body(const store::OutboxEvent& event, std::string_view public_url) {
  boost::system::error_code ec;
  json::value data = json::parse(event.data_json, ec);
  if (ec || !data.is_object()) {
    return Error{"invalid_event", "the outbox row's data is not a JSON object"};
  }
  json::object o;
  o["specversion"] = "1.0";
  o["type"] = std::string(kTypePrefix) + event.type;
  o["source"] = std::string(public_url) + event.source_path;
  o["id"] = event.event_id;
  o["time"] = format_rfc3339(event.created_at);
  o["datacontenttype"] = "application/json";
  o["data"] = std::move(data);
  return json::serialize(o);
}

Result<std::string> enqueue_healthcheck(store::WebhookStore& store, std::string_view tenant,
                                        std::string_view endpoint_id, Micros now) {
  json::object data;
  data["tenant"] = tenant;
  data["endpoint_id"] = endpoint_id;
  SKILLSYNC_ASSIGN_OR_RETURN(auto ids,
                             store.enqueue(tenant, endpoint_id, kHealthcheck,
                                           "/integrations/webhooks/" + std::string(endpoint_id),
                                           json::serialize(data), now));
  if (ids.empty()) return Error{Errc::kNotFound, "no such webhook endpoint"};
  return ids.front();
}

Result<std::vector<std::string>> enqueue_source_error(store::WebhookStore& store,
                                                      std::string_view tenant,
                                                      std::string_view source_id,
                                                      std::string_view error_code,
                                                      std::string_view error_message, Micros now) {
  json::object data;
  data["tenant"] = tenant;
  data["source_id"] = source_id;
  data["error"] = json::object{{"code", error_code}, {"message", error_message}};
  return store.enqueue(tenant, "", kSourceError, "/integrations/sources/" + std::string(source_id),
                       json::serialize(data), now);
}

}  // namespace skillsync::notify
