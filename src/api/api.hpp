// api: the HTTP interface (Boost.Beast), authentication and JSON mapping.
//
// Routes (every one but GET /healthz and POST /oauth/token requires
// "Authorization: Bearer <API key or access token>"; GET needs the `read`
// scope, every other method `write`):
//   GET    /healthz
//   POST   /oauth/token                             (oauth_routes.hpp)
//   GET    /version
//   POST   /employees/{employee_external_id}/skill_events?language=xx
//   GET    /employees/{employee_external_id}/skill_events?limit=&cursor=
//   GET    /employees/{employee_external_id}/skill_events/{external_id}
//   DELETE /employees/{employee_external_id}/skill_events/{external_id}
//   POST   /integrations/file-load-tasks            (optional Idempotency-Key)
//   GET    /integrations/file-load-tasks?status=&entity_type=&limit=&cursor=
//   GET    /integrations/file-load-tasks/{task_id}
//   POST   /integrations/file-load-tasks/{task_id}/cancel
//   GET    /integrations/file-load-tasks/{task_id}/errors?limit=&cursor=
//          (Accept: text/csv -> the whole report as CSV, see error_report.hpp)
// docs/api.md describes every status and code.
// Errors are JSON: {"error": {"code", "message", "details": [...]}}.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "store/store.hpp"
#include "tasks/tasks.hpp"

namespace skillsync::auth {
class OAuthService;
}  // namespace skillsync::auth
namespace skillsync::sources {
class SourceService;
}

namespace skillsync::api {

struct HttpRequest {
  std::string method;  // "GET"
  std::string target;  // path and query, as received
  std::string authorization;
  std::string content_type;
  std::string accept;
  std::string idempotency_key;
  std::string body;
  // Set by the server (request_context.hpp): the request's X-Request-Id
  // (the client's when valid, else generated) and the trace id of a valid
  // W3C traceparent header ("" when none).
  std::string request_id;
  std::string trace_id;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra response headers
  // Set: the body is sent piece by piece with the chunked transfer coding
  // instead of `body`. Each call returns the next piece, "" at the end; an
  // error ends the response early (the connection is closed). Called off
  // the I/O threads, one call at a time, and destroyed (releasing whatever
  // it holds) once the response is written or abandoned.
  std::function<Result<std::string>()> body_stream = nullptr;
};

struct ApiConfig {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one
  int threads = 4;                        // I/O threads (they also answer GET /healthz)
  int handler_threads = 16;               // run every other request (may block on the store or S3)
  size_t max_body_bytes = 1024 * 1024;
  size_t max_target_bytes = 8 * 1024;        // longer request targets get 414
  size_t max_connections = 1024;             // further connections are closed at once
  std::chrono::seconds request_timeout{30};  // to receive a whole request (slow clients)
  size_t max_connections_per_client = 64;    // per client address; further ones are closed
  size_t max_body_memory = 64u << 20;        // request bodies in flight, all connections (503)
  size_t max_auth_failures = 50;             // per client address and minute, then 429; 0: off
  // TLS: both set -> HTTPS only.
  std::string tls_cert_file;
  std::string tls_key_file;
};

// Per-key request rate limit (token bucket); rate <= 0 disables it.
struct RateLimit {
  double per_second = 50;
  double burst = 200;
};

struct WebhookSettings;  // api/webhook_routes.hpp

// The application: routes a request to its handler. Independent of the
// transport, so handlers are unit-testable without sockets.
class Api {
 public:
  Api(store::Store& store, tasks::TaskService& tasks, std::function<void()> on_task_created,
      RateLimit rate_limit = {}, const Clock& clock = SystemClock::instance());
  HttpResponse handle(const HttpRequest& request);
  // Serves /integrations/sources with `sources` (without it, those routes
  // answer 503). REQUIRES: `sources` outlives the Api; called before
  // handle() is first called.
  void set_sources(sources::SourceService* sources);
  // Enables the webhook routes (api/webhook_routes.hpp); without it they
  // answer 503. REQUIRES: called before serving requests.
  void set_webhooks(std::shared_ptr<const WebhookSettings> settings);
  // Called with a request's headers only (empty body), before its body is
  // read: the 401 to answer instead when a route that needs a key was sent
  // no valid key; nullopt otherwise (handle() still checks everything).
  std::optional<HttpResponse> check_headers(const HttpRequest& head);
  // OAuth2 (oauth_routes.hpp): POST /oauth/token issues access tokens and
  // every route accepts them besides API keys. Without it, the token
  // endpoint refuses every client.
  // REQUIRES: called before the first handle(); `oauth` outlives the Api.
  void enable_oauth(auth::OAuthService& oauth);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// What an HttpServer answers with; called from several threads at once.
using RequestHandler = std::function<HttpResponse(const HttpRequest&)>;
// What an HttpServer asks once a request's headers are read and before its
// body is (see Api::check_headers): a response means "answer this, leave
// the body unread and close the connection".
using HeaderCheck = std::function<std::optional<HttpResponse>(const HttpRequest&)>;

// The handler of a process that serves no API (`skillsync worker`): GET
// /healthz answers {"status":"ok"} while `healthy()` is true (503
// otherwise); every other request is a 404.
RequestHandler health_only_handler(std::function<bool()> healthy);

// Serves an Api (or any RequestHandler) over HTTP/1.1 until stop().
class HttpServer {
 public:
  // REQUIRES: `api` outlives the server.
  HttpServer(ApiConfig config, Api& api);
  HttpServer(ApiConfig config, RequestHandler handler, HeaderCheck check = {});
  ~HttpServer();
  // Binds the listening socket. Returns the bound "host:port".
  Result<std::string> bind();
  // Serves on config.threads threads; returns after stop().
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// API keys: random, shown once, stored as SHA-256 hex.
std::string generate_api_key();
std::string hash_api_key(std::string_view key);

}  // namespace skillsync::api
