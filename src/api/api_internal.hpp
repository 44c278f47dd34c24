// Shared by the handlers of the Api (api.cpp, task_routes.cpp,
// source_routes.cpp, webhook_routes.cpp, ...); not public. The helpers are
// defined in api_internal.cpp.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <boost/url/url_view.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.hpp"
#include "api/download_slots.hpp"
#include "api/routes.hpp"
#include "schema/schema.hpp"

namespace skillsync::api::internal {

// A request after authentication.
struct Request {
  const HttpRequest& http;
  std::vector<std::string> segments;  // decoded path segments
  boost::urls::url_view url;
  std::string tenant;
  // The API key's id, or the access token's client_id, that authenticated
  // the request (rate limits and report slots are per caller).
  std::string key_id = {};
  std::string scopes = {};       // the caller's: "read", "write" or "read,write"
  std::string auth_method = {};  // "api_key" or "oauth"

  std::optional<std::string> query(std::string_view name) const;
};

HttpResponse json_response(int status, const boost::json::value& v);
HttpResponse error(int status, std::string_view code, std::string_view message,
                   const std::vector<schema::FieldError>& details = {});
HttpResponse error(int status, Errc code, std::string_view message,
                   const std::vector<schema::FieldError>& details = {});
// Logs the error and answers 500 without its details.
HttpResponse store_failure(const Error& e);
HttpResponse method_not_allowed();
// Parses a JSON request body, or returns the error response to send.
std::optional<HttpResponse> parse_body(const Request& r, boost::json::value& out);
// Reads the `limit` query parameter (default 100, 1 to `max`), or returns the
// 422 to send.
std::optional<HttpResponse> parse_limit(const Request& r, size_t max, size_t* limit);
HttpResponse invalid_cursor();
// Overwrites `s` with NULs (a secret read from a request body).
void wipe(boost::json::string& s);
// Overwrites every string member of the body's "credentials" object (a
// parsed create or patch body, once it has been read).
void wipe_credentials(boost::json::value& body);
// The answer to a failed listing: invalid_cursor() for Errc::kInvalidCursor,
// store_failure() otherwise.
HttpResponse page_failure(const Error& e);
// The answer of a list endpoint: 200 {"items": items, "next_cursor": the
// cursor of the next page or null}.
HttpResponse page_response(boost::json::array items, const std::optional<std::string>& next_cursor);

// Concurrent CSV error-report downloads per API key (each streams, holding
// one page of row errors; see TaskRoutes::csv_report).
constexpr size_t kReportDownloadsPerKey = 4;

// The File Load Task endpoints: /integrations/file-load-tasks[/...]. Every
// operation goes through the TaskService (never the store), which returns
// TaskViews: no answer can hold a task's credentials.
class TaskRoutes {
 public:
  TaskRoutes(tasks::TaskService& tasks, std::function<void()> on_created)
      : tasks_(tasks), on_created_(std::move(on_created)) {}
  // REQUIRES: `id` is a File Load Task route matched by match_route().
  HttpResponse route(RouteId id, const Request& r);

 private:
  HttpResponse post_task(const Request& r);
  HttpResponse get_task(const Request& r);
  HttpResponse list_tasks(const Request& r);
  HttpResponse cancel_task(const Request& r);
  HttpResponse get_errors(const Request& r);
  // The whole report as CSV, streamed (tasks/error_report.hpp); at most
  // kReportDownloadsPerKey at once per API key, 429 beyond.
  HttpResponse csv_report(const Request& r, const tasks::TaskView& t);

  tasks::TaskService& tasks_;
  std::function<void()> on_created_;
  std::shared_ptr<DownloadSlots> report_slots_ =
      std::make_shared<DownloadSlots>(kReportDownloadsPerKey);
};

}  // namespace skillsync::api::internal

namespace skillsync::api {
struct WebhookSettings;
}

namespace skillsync::api::internal {

// The webhook endpoints: /integrations/webhooks[/...] (webhook_routes.hpp).
class WebhookRoutes {
 public:
  WebhookRoutes(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}
  // REQUIRES: called before the Api serves requests.
  void configure(std::shared_ptr<const WebhookSettings> settings) {
    settings_ = std::move(settings);
  }
  // REQUIRES: `id` is a webhook route matched by match_route(). Each
  // handler is a function of webhook_routes.cpp.
  HttpResponse route(RouteId id, const Request& r);

 private:
  store::Store& store_;
  const Clock& clock_;
  std::shared_ptr<const WebhookSettings> settings_;
};

}  // namespace skillsync::api::internal
