// webhook_body: the JSON of the webhook endpoints (webhook_routes.hpp) —
// request bodies checked field by field, and the response objects (public
// keys only; a sealed private key never leaves the store).
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "notify/egress.hpp"
#include "schema/schema.hpp"
#include "store/webhooks.hpp"

namespace skillsync::api::internal {

struct WebhookFields {
  std::optional<std::string> url;
  std::optional<std::vector<std::string>> event_types;
  std::optional<std::string> description;
  std::optional<bool> enabled;
};

// Reads the fields of a POST (`create`: url and event_types required) or
// PATCH body. Unknown fields, wrong types, unknown or repeated event types
// and over-long values append FieldErrors.
WebhookFields parse_webhook_fields(const boost::json::value& body, bool create,
                                   std::vector<schema::FieldError>* errors);

// The SSRF guard at registration: the URL's form and its addresses. Appends
// a FieldError on "url" when refused.
void check_webhook_url(const std::string& url, const notify::EgressPolicy& policy,
                       const notify::Resolver& resolve, std::vector<schema::FieldError>* errors);

boost::json::value webhook_json(const store::WebhookEndpoint& e, Micros now);
boost::json::value delivery_json(const store::DeliveryAttempt& d);

}  // namespace skillsync::api::internal
