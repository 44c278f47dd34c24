// Webhook request bodies and response objects (webhook_body.hpp).
#include "api/webhook_body.hpp"

#include "api/json_util.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "notify/events.hpp"

namespace skillsync::api::internal {
namespace json = boost::json;

namespace {

constexpr size_t kMaxUrl = 2048;
constexpr size_t kMaxDescription = 500;

void check_types(const json::value& v, std::vector<std::string>* out,
                 std::vector<schema::FieldError>* errors) {
  if (!v.is_array() || v.as_array().empty()) {
    errors->push_back({"event_types", "invalid_type", "event_types must be a non-empty array"});
    return;
  }
  for (const auto& t : v.as_array()) {
    if (!t.is_string() || !notify::is_event_type(t.as_string())) {
      errors->push_back({"event_types", "unknown_event_type",
                         "event_types holds an unknown event type (see docs/api.md, Webhooks)"});
      return;
    }
    std::string name(t.as_string());
    if (std::find(out->begin(), out->end(), name) != out->end()) {
      errors->push_back({"event_types", "duplicate_event_type", "event_types repeats " + name});
      return;
    }
    out->push_back(std::move(name));
  }
}

}  // namespace

WebhookFields parse_webhook_fields(const json::value& body, bool create,
                                   std::vector<schema::FieldError>* errors) {
  WebhookFields f;
  if (!body.is_object()) {
    errors->push_back({"", "invalid_type", "the body must be a JSON object"});
    return f;
  }
  for (const auto& kv : body.as_object()) {
    const std::string_view key = kv.key();
    const json::value& v = kv.value();
    if (key == "url") {
      if (!v.is_string() || v.as_string().empty() || v.as_string().size() > kMaxUrl) {
        errors->push_back({"url", "invalid_url", "url must be a URL of at most 2048 characters"});
      } else {
        f.url = std::string(v.as_string());
      }
    } else if (key == "event_types") {
      std::vector<std::string> types;
      const size_t before = errors->size();
      check_types(v, &types, errors);
      if (errors->size() == before) f.event_types = std::move(types);
    } else if (key == "description") {
      if (!v.is_string() || v.as_string().size() > kMaxDescription) {
        errors->push_back({"description", "invalid_description",
                           "description must be a string of at most 500 characters"});
      } else {
        f.description = std::string(v.as_string());
      }
    } else if (key == "enabled" && !create) {
      if (!v.is_bool()) {
        errors->push_back({"enabled", "invalid_type", "enabled must be true or false"});
      } else {
        f.enabled = v.as_bool();
      }
    } else {
      errors->push_back({std::string(key), "unknown_field", "unknown field"});
    }
  }
  if (create && !f.url && errors->empty()) {
    errors->push_back({"url", "required", "url is required"});
  }
  if (create && !f.event_types && errors->empty()) {
    errors->push_back({"event_types", "required", "event_types is required"});
  }
  return f;
}

void check_webhook_url(const std::string& url, const notify::EgressPolicy& policy,
                       const notify::Resolver& resolve, std::vector<schema::FieldError>* errors) {
  auto target = policy.parse(url);
  if (!target.ok()) {
    errors->push_back({"url", target.error().code, target.error().message});
    return;
  }
  auto addresses = notify::vet_addresses(*target, resolve);
  if (!addresses.ok())
    errors->push_back({"url", addresses.error().code, addresses.error().message});
}

json::value webhook_json(const store::WebhookEndpoint& e, Micros now) {
  json::array types;
  for (const auto& t : e.event_types) types.emplace_back(t);
  const bool rotating = !e.previous_public_key_hex.empty() && e.previous_key_expires_at &&
                        *e.previous_key_expires_at > now;
  json::array keys{json::value(e.public_key_hex)};
  if (rotating) keys.emplace_back(e.previous_public_key_hex);
  return json::object{
      {"id", e.id},
      {"url", e.url},
      {"event_types", std::move(types)},
      {"description", e.description},
      {"enabled", e.enabled},
      {"public_key", e.public_key_hex},
      {"public_keys", std::move(keys)},
      {"previous_key_expires_at", rotating ? time_or_null(e.previous_key_expires_at) : nullptr},
      {"created_at", format_rfc3339(e.created_at)},
      {"updated_at", format_rfc3339(e.updated_at)},
  };
}

json::value delivery_json(const store::DeliveryAttempt& d) {
  return json::object{
      {"event_id", d.event_id},
      {"attempt", d.attempt},
      {"status_code", d.status_code ? json::value(*d.status_code) : json::value(nullptr)},
      {"error", d.error.empty() ? json::value(nullptr) : json::value(d.error)},
      {"latency_ms", d.latency_ms},
      {"at", format_rfc3339(d.at)},
      {"next_retry_at", time_or_null(d.next_retry_at)},
  };
}

}  // namespace skillsync::api::internal
