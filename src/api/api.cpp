// Api: authentication, routing and the Skill Event handlers (the File Load
// Task handlers are in task_routes.cpp).
#include "api/api.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <boost/url.hpp>
#include <mutex>
#include <string>
#include <unordered_map>

#include "api/api_internal.hpp"
#include "api/console_handler.hpp"
#include "api/json_util.hpp"
#include "api/oauth_routes.hpp"
#include "api/openapi.hpp"
#include "api/rate_limiter.hpp"
#include "api/routes.hpp"
#include "api/source_routes.hpp"
#include "common/crypto.hpp"

namespace skillsync::api {
namespace json = boost::json;
namespace urls = boost::urls;

std::string generate_api_key() { return "sk_" + crypto::base64url(crypto::random_bytes(32)); }

std::string hash_api_key(std::string_view key) { return crypto::sha256_hex(key); }

namespace {

constexpr size_t kMaxEventLimit = 1000;

bool has_scope(std::string_view scopes, std::string_view want) {
  while (!scopes.empty()) {
    auto comma = scopes.find(',');
    if (scopes.substr(0, comma) == want) return true;
    if (comma == std::string_view::npos) break;
    scopes.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

using namespace internal;  // NOLINT: the handlers below are this file's own

struct Api::Impl {
  Impl(store::Store& s, tasks::TaskService& t, std::function<void()> created, RateLimit rate,
       const Clock& c)
      : store(s),
        clock(c),
        limiter(rate.per_second, rate.burst, c),
        task_routes(t, std::move(created)),
        source_routes(nullptr),
        webhook_routes(s, c) {}

  store::Store& store;
  const Clock& clock;
  RateLimiter limiter;
  TaskRoutes task_routes;
  SourceRoutes source_routes;
  WebhookRoutes webhook_routes;
  auth::OAuthService* oauth = nullptr;  // set by enable_oauth
  // GET /openapi.json: built once, served as bytes.
  const std::string openapi_json = openapi_document();

  // Last use of each key, as this process last recorded it: a key's
  // last_used_at is written at most once per kTouchInterval, so recording it
  // costs one map lookup per request. Keys are looked up in the store on
  // every request (no cache), so a revocation counts from the next request.
  static constexpr Micros kTouchInterval = Micros{60} * 1'000'000;
  std::mutex touch_mu;
  std::unordered_map<std::string, Micros> last_touch;

  HttpResponse handle(const HttpRequest& http) {
    auto parsed = urls::parse_origin_form(http.target);
    if (!parsed) return error(400, "malformed_request", "invalid request target");
    Request r{http, {}, *parsed, {}};
    for (auto seg : parsed->segments()) r.segments.emplace_back(seg);
    // The console's static files need no key: the data comes from the API.
    // Its handler answers every method and path under /console itself (with
    // its security headers); its routes are in the table for the document.
    if (is_console_path(parsed->encoded_path())) {
      return console_response(http.method, parsed->encoded_path());
    }
    // One route table (routes.cpp) for the router and the OpenAPI document.
    const RouteMatch found = match_route(http.method, r.segments);
    if (needs_key(found, r.segments)) {
      if (auto denied = authenticate(r)) return *denied;
    }
    if (found.route == nullptr) {
      if (found.path_known) return method_not_allowed();
      return error(404, Errc::kNotFound, "no such endpoint");
    }
    return dispatch(found.route->id, r);
  }

  // The 401 for a request whose headers carry no valid key, when its route
  // needs one (Api::check_headers); nullopt otherwise.
  std::optional<HttpResponse> check_headers(const HttpRequest& head) {
    auto parsed = urls::parse_origin_form(head.target);
    if (!parsed || is_console_path(parsed->encoded_path())) return std::nullopt;
    std::vector<std::string> segments;
    for (auto seg : parsed->segments()) segments.emplace_back(seg);
    if (!needs_key(match_route(head.method, segments), segments)) return std::nullopt;
    return check_key(head);
  }

  // Every request needs a key but those of a public route, and the other
  // methods of a public route's path (405 without a key).
  static bool needs_key(const RouteMatch& found, const std::vector<std::string>& segments) {
    const bool is_public = found.route != nullptr && found.route->access == Access::kPublic;
    return !is_public && !(found.path_known && public_path(segments));
  }

  // Whether a public route has this path (its other methods answer 405
  // without a key, as the route itself needs none).
  static bool public_path(const std::vector<std::string>& segments) {
    for (const Route& route : routes()) {
      if (route.access == Access::kPublic && match_route(route.method, segments).route == &route) {
        return true;
      }
    }
    return false;
  }

  HttpResponse dispatch(RouteId id, const Request& r) {
    switch (id) {
      case RouteId::kHealth:
        return json_response(200, json::object{{"status", "ok"}});
      case RouteId::kMetrics:
        // Reaches the Api only when --metrics is off or on its own listener.
        return error(404, Errc::kNotFound, "metrics are not served on this listener");
      case RouteId::kOpenApi:
        return HttpResponse{200, "application/json", openapi_json, {}};
      case RouteId::kConsoleIndex:
      case RouteId::kConsoleAsset:
        return console_response(r.http.method, r.url.encoded_path());
      case RouteId::kPostEvent:
        return post_event(r);
      case RouteId::kListEvents:
        return list_events(r);
      case RouteId::kGetEvent:
        return get_event(r);
      case RouteId::kDeleteEvent:
        return delete_event(r);
      case RouteId::kPostTask:
      case RouteId::kListTasks:
      case RouteId::kGetTask:
      case RouteId::kCancelTask:
      case RouteId::kTaskErrors:
        return task_routes.route(id, r);
      case RouteId::kPostSource:
      case RouteId::kListSources:
      case RouteId::kGetSource:
      case RouteId::kPatchSource:
      case RouteId::kDeleteSource:
      case RouteId::kPauseSource:
      case RouteId::kResumeSource:
      case RouteId::kRunSource:
      case RouteId::kSourceFiles:
        return source_routes.route(id, r);
      case RouteId::kPostWebhook:
      case RouteId::kListWebhooks:
      case RouteId::kGetWebhook:
      case RouteId::kPatchWebhook:
      case RouteId::kDeleteWebhook:
      case RouteId::kRotateWebhookKey:
      case RouteId::kTestWebhook:
      case RouteId::kListWebhookDeliveries:
      case RouteId::kRedeliverWebhookEvent:
        return webhook_routes.route(id, r);
      case RouteId::kOAuthToken:
        return token_endpoint(oauth, r.http);
      case RouteId::kVersion:
        return version_response(r);
    }
    return error(404, Errc::kNotFound, "no such endpoint");
  }

  static HttpResponse unauthorized(std::string_view message) {
    HttpResponse resp = error(401, "unauthenticated", message);
    resp.headers.emplace_back("WWW-Authenticate", "Bearer");
    return resp;
  }

  // The key of the Authorization header, or the response to send instead.
  Result<store::ApiKey> find_key(const HttpRequest& http, std::optional<HttpResponse>* denied) {
    std::string_view auth = http.authorization;
    constexpr std::string_view kBearer = "Bearer ";
    if (auth.size() <= kBearer.size() || auth.substr(0, kBearer.size()) != kBearer) {
      *denied = unauthorized("missing 'Authorization: Bearer <api key>' header");
      return Error{"unauthenticated", ""};
    }
    auto key = store.find_api_key(hash_api_key(auth.substr(kBearer.size())));
    if (!key.ok()) {
      *denied = store_failure(key.error());
      return key.error();
    }
    if (!key->has_value()) {
      *denied = unauthorized("invalid API key");
      return Error{"unauthenticated", ""};
    }
    return std::move(**key);
  }

  // The access token (oauth_routes.hpp) of the Authorization header, told
  // from an API key by its form; "" when it holds none.
  std::string_view bearer_token(const HttpRequest& http) const {
    constexpr std::string_view kBearer = "Bearer ";
    const std::string_view auth = http.authorization;
    if (oauth == nullptr || !auth.starts_with(kBearer)) return {};
    const std::string_view bearer = auth.substr(kBearer.size());
    return auth::looks_like_token(bearer) ? bearer : std::string_view();
  }

  std::optional<HttpResponse> check_key(const HttpRequest& head) {
    if (auto token = bearer_token(head); !token.empty()) return check_token(*oauth, token);
    std::optional<HttpResponse> denied;
    (void)find_key(head, &denied);
    return denied;
  }

  std::optional<HttpResponse> authenticate(Request& r) {
    if (auto token = bearer_token(r.http); !token.empty()) {
      if (auto denied = identify_token(*oauth, token, r)) return *denied;
      return check_caller(r, "access token");
    }
    std::optional<HttpResponse> denied;
    auto key = find_key(r.http, &denied);
    if (!key.ok()) return denied;
    const store::ApiKey& k = *key;
    // A refused (403, 429) request still shows that the key is in use.
    record_use(k.id);
    r.tenant = k.tenant;
    r.scopes = k.scopes;
    r.auth_method = "api_key";
    r.key_id = k.id;
    return check_caller(r, "API key");
  }

  // The scope and rate limit (one bucket per API key or OAuth client) of
  // an identified caller.
  std::optional<HttpResponse> check_caller(const Request& r, std::string_view what) {
    const bool reading = r.http.method == "GET" || r.http.method == "HEAD";
    if (!has_scope(r.scopes, reading ? "read" : "write")) {
      return error(
          403, "forbidden",
          "this " + std::string(what) + " lacks the '" + (reading ? "read" : "write") + "' scope");
    }
    if (int wait = limiter.acquire(r.key_id); wait > 0) {
      HttpResponse resp =
          error(429, "rate_limited", "too many requests for this " + std::string(what));
      resp.headers.emplace_back("Retry-After", std::to_string(wait));
      return resp;
    }
    return std::nullopt;
  }

  void record_use(const std::string& key_id) {
    const Micros now = clock.now();
    {
      std::lock_guard lock(touch_mu);
      auto [it, inserted] = last_touch.try_emplace(key_id, now);
      if (!inserted) {
        if (now - it->second < kTouchInterval) return;
        it->second = now;
      }
    }
    // Outside the lock: a slow store write must not hold up other keys. A
    // failure only loses a "last used" time, never the request.
    if (Status s = store.touch_api_key(key_id, now); !s.ok()) {
      spdlog::warn("cannot record the use of API key {}: {}: {}", key_id, s.error().code,
                   s.error().message);
    }
  }

  // --- Skill Event API ---

  HttpResponse post_event(const Request& r) {
    json::value body;
    if (auto bad = parse_body(r, body)) return *bad;
    if (!body.is_object()) return error(400, "malformed_json", "the body must be a JSON object");
    std::vector<schema::FieldError> errors;
    auto language = r.query("language");
    auto event =
        schema::event_from_json(r.segments[1], language.value_or(""), body.get_object(), &errors);
    if (!event.ok()) {
      if (errors.empty()) errors.push_back({"", event.error().code, event.error().message});
      return error(422, Errc::kInvalidFields, "the skill event has invalid fields", errors);
    }
    auto stored = store.upsert_event(r.tenant, *event);
    if (!stored.ok()) return store_failure(stored.error());
    return json_response(201, event_json(*stored));
  }

  HttpResponse list_events(const Request& r) {
    size_t limit = 0;
    if (auto bad = parse_limit(r, kMaxEventLimit, &limit)) return *bad;
    if (!schema::is_valid_external_id(r.segments[1])) {
      return error(422, Errc::kInvalidFields, "invalid path parameter",
                   {{"employee_external_id", "invalid_external_id",
                     "employee_external_id must be 1-100 characters of A-Z a-z 0-9 _ -"}});
    }
    auto page = store.list_events(r.tenant, r.segments[1], limit, r.query("cursor").value_or(""));
    if (!page.ok()) return page_failure(page.error());
    json::array items;
    for (const auto& e : page->items) items.push_back(event_json(e));
    return page_response(std::move(items), page->next_cursor);
  }

  HttpResponse get_event(const Request& r) {
    auto e = store.get_event(r.tenant, r.segments[1], r.segments[3]);
    if (!e.ok()) return store_failure(e.error());
    if (!e->has_value()) return error(404, Errc::kNotFound, "no such skill event");
    return json_response(200, event_json(**e));
  }

  HttpResponse delete_event(const Request& r) {
    auto deleted = store.delete_event(r.tenant, r.segments[1], r.segments[3]);
    if (!deleted.ok()) return store_failure(deleted.error());
    if (!*deleted) return error(404, Errc::kNotFound, "no such skill event");
    return HttpResponse{204, "application/json", "", {}};
  }
};

Api::Api(store::Store& store, tasks::TaskService& tasks, std::function<void()> on_task_created,
         RateLimit rate_limit, const Clock& clock)
    : impl_(std::make_shared<Impl>(store, tasks, std::move(on_task_created), rate_limit, clock)) {}

void Api::set_sources(sources::SourceService* sources) {
  impl_->source_routes.set_service(sources);
}

void Api::set_webhooks(std::shared_ptr<const WebhookSettings> settings) {
  impl_->webhook_routes.configure(std::move(settings));
}
void Api::enable_oauth(auth::OAuthService& oauth) { impl_->oauth = &oauth; }

std::optional<HttpResponse> Api::check_headers(const HttpRequest& head) {
  try {
    return impl_->check_headers(head);
  } catch (const std::exception& e) {
    spdlog::error("unhandled exception checking the key of a {} request: {}", head.method,
                  e.what());
    return error(500, "internal", "internal error");
  }
}

HttpResponse Api::handle(const HttpRequest& request) {
  try {
    return impl_->handle(request);
  } catch (const std::exception& e) {
    // The boundary of a request: nothing below is expected to throw, but a
    // bug must cost one request, not the process.
    spdlog::error("unhandled exception in {} request: {}", request.method, e.what());
    return error(500, "internal", "internal error");
  }
}

}  // namespace skillsync::api
