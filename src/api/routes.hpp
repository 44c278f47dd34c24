// routes: the one table of the API's routes (method, path template, access)
// and what each operation documents, shared by the router (api.cpp) and the
// OpenAPI document (openapi.cpp), so neither can list a route the other lacks.
//
// Adding an endpoint: one Route entry in routes.cpp (its path template, its
// access and its documentation: parameters, body, responses), one RouteId,
// and one `case` in Api::Impl::dispatch (api.cpp). A response no other route
// returns is one more entry of kResponses in openapi.cpp (a text/plain or
// text/html body included); a new path parameter ({asset}) one more entry of
// parameters() there. The unit test api/openapi_test.cpp fails when the
// router answers a method the document lacks on a documented path.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace skillsync::api {

enum class RouteId {
  kHealth,
  kMetrics,
  kOpenApi,
  kConsoleIndex,
  kConsoleAsset,
  kPostEvent,
  kListEvents,
  kGetEvent,
  kDeleteEvent,
  kPostTask,
  kListTasks,
  kGetTask,
  kCancelTask,
  kTaskErrors,
  // Recurring sources (source_routes.cpp).
  kPostSource,
  kListSources,
  kGetSource,
  kPatchSource,
  kDeleteSource,
  kPauseSource,
  kResumeSource,
  kRunSource,
  kSourceFiles,
  // Webhooks (webhook_routes.hpp)
  kPostWebhook,
  kListWebhooks,
  kGetWebhook,
  kPatchWebhook,
  kDeleteWebhook,
  kRotateWebhookKey,
  kTestWebhook,
  kListWebhookDeliveries,
  kRedeliverWebhookEvent,
  kOAuthToken,
  kVersion,
};

// Who may call a route: anyone, or a key with the `read` / `write` scope.
enum class Access { kPublic, kRead, kWrite };

// One documented response: the status and the name of its entry in the
// document's components/responses ("Event", "NotFound").
struct RouteResponse {
  int status;
  std::string_view response;
};

struct Route {
  RouteId id;
  std::string_view method;  // "GET"
  std::string_view path;    // "/employees/{employee_external_id}/skill_events"
  Access access;
  // --- documentation (OpenAPI operation) ---
  std::string_view operation_id;
  std::string_view tag;
  std::string_view summary;
  // Names of components/parameters besides the path's own ({name} segments
  // are looked up by name too): "limit", "cursor", "IdempotencyKey".
  std::vector<std::string_view> parameters;
  std::string_view request_body;  // components/requestBodies name, or empty
  // The route's own responses; the ones every route shares (malformed
  // request, 413, 414, 431, 500, and 401/403/429 when it needs a key) are
  // added by the document.
  std::vector<RouteResponse> responses;
};

// Every route of the API, in document order.
std::span<const Route> routes();

// The route answering `method` on a path made of `segments` (decoded, no
// leading empty one). `path_known` is true when some route has that path,
// whatever its method (so a miss is a 405 rather than a 404).
struct RouteMatch {
  const Route* route = nullptr;
  bool path_known = false;
};
RouteMatch match_route(std::string_view method, std::span<const std::string> segments);

// The path template of the route whose path matches `segments`, whatever its
// method ("/integrations/file-load-tasks/{task_id}"), or "unmatched": the
// route label of the HTTP metrics, from the same table as the router.
std::string_view route_path(std::span<const std::string_view> segments);

}  // namespace skillsync::api
