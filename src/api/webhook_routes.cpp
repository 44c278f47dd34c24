// The webhook endpoints (webhook_routes.hpp): register, list, get, patch,
// delete, rotate the signing key, send a test event, list deliveries and
// redeliver an event.
#include "api/webhook_routes.hpp"

#include <boost/json.hpp>
#include <utility>

#include "api/api_internal.hpp"
#include "api/webhook_body.hpp"
#include "common/crypto.hpp"
#include "notify/events.hpp"
#include "store/webhooks.hpp"

namespace skillsync::api::internal {
namespace json = boost::json;

namespace {

// What every webhook handler works with.
struct Env {
  store::Store& store;
  const Clock& clock;
  const WebhookSettings& settings;
};

constexpr size_t kMaxWebhookLimit = 1000;

HttpResponse no_such_webhook() { return error(404, Errc::kNotFound, "no such webhook endpoint"); }

// Segment 2 is the webhook id in every /integrations/webhooks/{webhook_id}/... path.
const std::string& webhook_id(const Request& r) { return r.segments.at(2); }

HttpResponse create_webhook(const Env& env, const Request& r) {
  json::value body;
  if (auto bad = parse_body(r, body)) return *bad;
  std::vector<schema::FieldError> errors;
  WebhookFields f = parse_webhook_fields(body, true, &errors);
  if (errors.empty()) check_webhook_url(*f.url, env.settings.policy, env.settings.resolve, &errors);
  if (!errors.empty()) return error(422, Errc::kInvalidFields, "invalid webhook endpoint", errors);
  store::WebhookEndpoint e;
  e.id = "wh_" + crypto::hex(crypto::random_bytes(12));
  e.tenant = r.tenant;
  e.url = *f.url;
  e.event_types = *f.event_types;
  e.description = f.description.value_or("");
  notify::KeyPair key = notify::generate_key_pair();
  e.sealed_key = notify::seal_private_key(env.settings.keys, e.id, key.private_seed);
  e.public_key_hex = crypto::hex(key.public_key);
  e.created_at = e.updated_at = env.clock.now();
  if (auto st = env.store.webhooks().create_endpoint(e); !st.ok()) return store_failure(st.error());
  // The health check tells the receiver (and the caller, through the
  // deliveries) that the endpoint works.
  if (auto ev = notify::enqueue_healthcheck(env.store.webhooks(), e.tenant, e.id, env.clock.now());
      !ev.ok()) {
    return store_failure(ev.error());
  }
  if (env.settings.wake) env.settings.wake();
  return json_response(201, webhook_json(e, env.clock.now()));
}

HttpResponse list_webhooks(const Env& env, const Request& r) {
  size_t limit = 0;
  if (auto bad = parse_limit(r, kMaxWebhookLimit, &limit)) return *bad;
  auto page = env.store.webhooks().list_endpoints(r.tenant, limit, r.query("cursor").value_or(""));
  if (!page.ok()) return page_failure(page.error());
  json::array items;
  for (const auto& e : page->items) items.push_back(webhook_json(e, env.clock.now()));
  return page_response(std::move(items), page->next_cursor);
}

HttpResponse get_webhook(const Env& env, const Request& r) {
  auto e = env.store.webhooks().get_endpoint(r.tenant, webhook_id(r));
  if (!e.ok()) return store_failure(e.error());
  if (!e->has_value()) return no_such_webhook();
  return json_response(200, webhook_json(**e, env.clock.now()));
}

HttpResponse patch_webhook(const Env& env, const Request& r) {
  json::value body;
  if (auto bad = parse_body(r, body)) return *bad;
  std::vector<schema::FieldError> errors;
  WebhookFields f = parse_webhook_fields(body, false, &errors);
  if (errors.empty() && f.url) {
    check_webhook_url(*f.url, env.settings.policy, env.settings.resolve, &errors);
  }
  if (!errors.empty()) return error(422, Errc::kInvalidFields, "invalid webhook endpoint", errors);
  auto found = env.store.webhooks().get_endpoint(r.tenant, webhook_id(r));
  if (!found.ok()) return store_failure(found.error());
  if (!found->has_value()) return no_such_webhook();
  store::WebhookEndpoint e = std::move(**found);
  if (f.url) e.url = *f.url;
  if (f.event_types) e.event_types = *f.event_types;
  if (f.description) e.description = *f.description;
  if (f.enabled) e.enabled = *f.enabled;
  e.updated_at = env.clock.now();
  auto changed = env.store.webhooks().update_endpoint(e);
  if (!changed.ok()) return store_failure(changed.error());
  if (!*changed) return no_such_webhook();
  return json_response(200, webhook_json(e, env.clock.now()));
}

HttpResponse remove_webhook(const Env& env, const Request& r) {
  auto deleted = env.store.webhooks().delete_endpoint(r.tenant, webhook_id(r));
  if (!deleted.ok()) return store_failure(deleted.error());
  if (!*deleted) return no_such_webhook();
  return HttpResponse{204, "application/json", "", {}};
}

HttpResponse rotate_key(const Env& env, const Request& r) {
  auto found = env.store.webhooks().get_endpoint(r.tenant, webhook_id(r));
  if (!found.ok()) return store_failure(found.error());
  if (!found->has_value()) return no_such_webhook();
  store::WebhookEndpoint e = std::move(**found);
  const Micros now = env.clock.now();
  e.previous_sealed_key = e.sealed_key;
  e.previous_public_key_hex = e.public_key_hex;
  e.previous_key_expires_at = now + env.settings.rotation_window;
  notify::KeyPair key = notify::generate_key_pair();
  e.sealed_key = notify::seal_private_key(env.settings.keys, e.id, key.private_seed);
  e.public_key_hex = crypto::hex(key.public_key);
  e.updated_at = now;
  auto changed = env.store.webhooks().update_endpoint(e);
  if (!changed.ok()) return store_failure(changed.error());
  if (!*changed) return no_such_webhook();
  return json_response(200, webhook_json(e, now));
}

HttpResponse test_webhook(const Env& env, const Request& r) {
  auto found = env.store.webhooks().get_endpoint(r.tenant, webhook_id(r));
  if (!found.ok()) return store_failure(found.error());
  if (!found->has_value()) return no_such_webhook();
  auto ev =
      notify::enqueue_healthcheck(env.store.webhooks(), r.tenant, webhook_id(r), env.clock.now());
  if (!ev.ok()) return store_failure(ev.error());
  if (env.settings.wake) env.settings.wake();
  return json_response(202, json::object{{"event_id", *ev}});
}

HttpResponse list_deliveries(const Env& env, const Request& r) {
  size_t limit = 0;
  if (auto bad = parse_limit(r, kMaxWebhookLimit, &limit)) return *bad;
  auto found = env.store.webhooks().get_endpoint(r.tenant, webhook_id(r));
  if (!found.ok()) return store_failure(found.error());
  if (!found->has_value()) return no_such_webhook();
  auto page = env.store.webhooks().list_deliveries(r.tenant, webhook_id(r), limit,
                                                   r.query("cursor").value_or(""));
  if (!page.ok()) return page_failure(page.error());
  json::array items;
  for (const auto& d : page->items) items.push_back(delivery_json(d));
  return page_response(std::move(items), page->next_cursor);
}

HttpResponse redeliver(const Env& env, const Request& r) {
  const std::string& event_id = r.segments.at(4);
  auto done = env.store.webhooks().redeliver(r.tenant, webhook_id(r), event_id, env.clock.now());
  if (!done.ok()) return store_failure(done.error());
  if (!*done) return error(404, Errc::kNotFound, "no such event for this webhook endpoint");
  if (env.settings.wake) env.settings.wake();
  return json_response(202, json::object{{"event_id", event_id}});
}

}  // namespace

HttpResponse WebhookRoutes::route(RouteId id, const Request& r) {
  if (!settings_) return error(503, "unavailable", "webhooks are not configured in this process");
  using Handler = HttpResponse (*)(const Env&, const Request&);
  static constexpr std::pair<RouteId, Handler> kHandlers[] = {
      {RouteId::kPostWebhook, create_webhook},
      {RouteId::kListWebhooks, list_webhooks},
      {RouteId::kGetWebhook, get_webhook},
      {RouteId::kPatchWebhook, patch_webhook},
      {RouteId::kDeleteWebhook, remove_webhook},
      {RouteId::kRotateWebhookKey, rotate_key},
      {RouteId::kTestWebhook, test_webhook},
      {RouteId::kListWebhookDeliveries, list_deliveries},
      {RouteId::kRedeliverWebhookEvent, redeliver}};
  const Env env{store_, clock_, *settings_};
  for (const auto& [route_id, handler] : kHandlers) {
    if (route_id == id) return handler(env, r);
  }
  return error(404, Errc::kNotFound, "no such endpoint");
}

}  // namespace skillsync::api::internal
