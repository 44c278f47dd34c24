// The OpenAPI 3.1 document: info, security, paths from the route table,
// and the shared components (parameters, request bodies, responses).
// Schemas are in openapi_schemas.cpp and openapi_task_schemas.cpp.
#include "api/openapi.hpp"

#include <boost/json.hpp>
#include <map>

#include "api/routes.hpp"

namespace skillsync::api {
namespace json = boost::json;

namespace {

json::value schema_ref(std::string_view name) {
  return json::object{{"$ref", "#/components/schemas/" + std::string(name)}};
}

json::object json_content(std::string_view schema) {
  return {{"application/json", {{"schema", schema_ref(schema)}}}};
}

json::object header(std::string_view description, json::object schema) {
  return {{"description", description}, {"schema", std::move(schema)}};
}

// One entry of components/responses: its description and JSON schema
// (empty: no body), or a text body of another media type (e.g. a route
// serving Prometheus metrics would add {"Metrics", "Prometheus text
// format", "", "text/plain"}). Responses with headers or several media
// types are completed in responses().
struct ResponseDoc {
  std::string_view name;
  std::string_view description;
  std::string_view schema;
  std::string_view media = "application/json";
};

constexpr ResponseDoc kResponses[] = {
    {"Health", "The server is up", "Health"},
    {"Unavailable", "Not healthy (a worker's health listener)", "Health"},
    {"Event", "The skill event", "SkillEvent"},
    {"EventPage", "A page of skill events", "SkillEventPage"},
    {"NoContent", "Done; no body", ""},
    {"Task", "The task", "FileLoadTask"},
    {"TaskCreated", "Task created, status pending", "FileLoadTask"},
    {"TaskReplayed", "Same Idempotency-Key and body within 24 hours: the task as it is now",
     "FileLoadTask"},
    {"TaskCancelled", "Cancelled, or cancel requested (running task)", "FileLoadTask"},
    {"TaskPage", "A page of tasks, newest first", "FileLoadTaskPage"},
    {"BadRequest", "Malformed request or JSON body (malformed_json, malformed_request)", "Error"},
    {"Unauthenticated", "Missing or unknown API key (unauthenticated)", "Error"},
    {"Forbidden", "The API key lacks the scope (forbidden)", "Error"},
    {"NotFound", "No such resource, or another tenant's (not_found)", "Error"},
    {"Conflict", "idempotency_conflict or invalid_state", "Error"},
    {"PayloadTooLarge", "Body over --max-body-bytes (body_too_large)", "Error"},
    {"UriTooLong", "Request target too long (uri_too_long)", "Error"},
    {"UnsupportedMediaType", "Body not application/json (unsupported_media_type)", "Error"},
    {"InvalidFields", "Invalid fields, query parameters or headers, each named in details",
     "Error"},
    {"RateLimited", "Too many requests for this API key (rate_limited)", "Error"},
    {"HeadersTooLarge", "Request headers over 16 KiB (headers_too_large)", "Error"},
    {"Internal", "A bug or a storage failure (internal); details are logged only", "Error"},
    {"ConsolePage", "The console's HTML page", "", "text/html"},
    {"Source", "The source (never its credentials)", "Source"},
    {"SourceCreated", "Source created, status active, first check due at once", "Source"},
    {"SourceCheckDue", "A check is due at once; the ledger shows its result", "Source"},
    {"SourcePage", "A page of sources, newest first", "SourcePage"},
    {"SourceFilePage", "A page of the ledger, in the order objects were seen", "SourceFilePage"},
    {"Webhook", "The webhook endpoint", "Webhook"},
    {"WebhookCreated", "Registered; a healthcheck.v1 event is on its way", "Webhook"},
    {"WebhookPage", "A page of webhook endpoints, oldest first", "WebhookPage"},
    {"WebhookEventQueued", "The event is queued for delivery", "WebhookEventQueued"},
    {"WebhookDeliveryPage", "A page of delivery attempts, newest first", "WebhookDeliveryPage"},
    {"WebhooksUnavailable", "This process has no webhook configuration (unavailable)", "Error"},
    {"Metrics", "Prometheus text exposition format 0.0.4", "", "text/plain"},
};

json::object responses() {
  json::object out;
  for (const ResponseDoc& r : kResponses) {
    json::object resp{{"description", r.description}};
    if (r.media != "application/json") {
      resp["content"] = json::object{{r.media, {{"schema", {{"type", "string"}}}}}};
    } else if (!r.schema.empty()) {
      resp["content"] = json_content(r.schema);
    }
    out[r.name] = std::move(resp);
  }
  out["Unauthenticated"].as_object()["headers"] =
      json::object{{"WWW-Authenticate", header("Always `Bearer`", {{"type", "string"}})}};
  out["RateLimited"].as_object()["headers"] = json::object{
      {"Retry-After", header("Seconds to wait", {{"type", "integer"}, {"minimum", 1}})}};
  json::object asset_types;
  for (const char* type :
       {"text/html", "text/javascript", "text/css", "image/svg+xml", "image/png", "image/x-icon"}) {
    asset_types[type] = json::object{{"schema", {{"type", "string"}}}};
  }
  out["ConsoleAsset"] =
      json::object{{"description", "The file, with its type and the console's security headers"},
                   {"content", std::move(asset_types)}};
  for (const char* name : {"ConsolePage", "ConsoleAsset"}) {
    out[name].as_object()["headers"] =
        json::object{{"Content-Security-Policy",
                      header("Same-origin scripts, styles and connections only; no framing",
                             {{"type", "string"}})}};
  }
  out["OpenApi"] =
      json::object{{
                       "description",
                       "This document",
                   },
                   {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
  out["ErrorReport"] = json::object{
      {"description",
       "JSON: a page of rejected rows. With `Accept: text/csv`: every rejected row as CSV "
       "(the file's columns, then error_line, error_column, error_code, error_message)"},
      {"headers",
       {{"X-Truncated", header("`true` when the CSV stops at 100,000 rows or 64 MiB",
                               {{"type", "string"}, {"enum", {"true"}}})},
        {"Content-Disposition", header("CSV only: attachment", {{"type", "string"}})}}},
      {"content",
       {{"application/json", {{"schema", schema_ref("RowErrorPage")}}},
        {"text/csv", {{"schema", {{"type", "string"}}}}}}}};
  for (auto& [name, resp] : out) {
    auto& r = resp.as_object();
    if (!r.contains("headers")) r["headers"] = json::object{};
    r["headers"].as_object()["X-Request-Id"] =
        header("The request's id in the logs (the client's, or generated)", {{"type", "string"}});
  }
  return out;
}

json::object param(std::string_view name, std::string_view in, bool required,
                   std::string_view description, json::object schema) {
  return {{"name", name},
          {"in", in},
          {"required", required},
          {"description", description},
          {"schema", std::move(schema)}};
}

json::object parameters() {
  json::object p;
  const json::object id{{"type", "string"}, {"maxLength", 100}};
  p["employee_external_id"] =
      param("employee_external_id", "path", true, "1-100 characters of A-Z a-z 0-9 _ -", id);
  p["external_id"] = param("external_id", "path", true, "The event's external id", id);
  p["task_id"] = param("task_id", "path", true, "Opaque task id", {{"type", "string"}});
  p["source_id"] = param("source_id", "path", true, "Opaque source id", {{"type", "string"}});
  p["asset"] = param("asset", "path", true, "A console file name (app.js)", {{"type", "string"}});
  p["limit"] = param("limit", "query", false, "Page size",
                     {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}, {"default", 100}});
  p["cursor"] =
      param("cursor", "query", false, "A `next_cursor` this API returned", {{"type", "string"}});
  p["language"] = param("language", "query", true, "The event's language",
                        {{"type", "string"}, {"enum", {"auto", "nl", "fr", "en", "de"}}});
  p["status"] = param(
      "status", "query", false, "Only tasks in this status",
      {{"type", "string"},
       {"enum",
        {"pending", "running", "completed", "completed_with_errors", "failed", "cancelled"}}});
  p["entity_type"] =
      param("entity_type", "query", false, "Only tasks of this entity type", {{"type", "string"}});
  p["IdempotencyKey"] = param(
      "Idempotency-Key", "header", false,
      "Retries with the same key and body within 24 hours create nothing and get the same task",
      {{"type", "string"}, {"minLength", 1}, {"maxLength", 200}, {"pattern", "^[ -~]+$"}});
  p["webhook_id"] =
      param("webhook_id", "path", true, "A webhook endpoint id (wh_...)", {{"type", "string"}});
  p["event_id"] =
      param("event_id", "path", true, "A webhook event id (evt_...)", {{"type", "string"}});
  p["RequestId"] = param("X-Request-Id", "header", false,
                         "The request's id in the logs (1-128 of A-Z a-z 0-9 . _ -); one is "
                         "generated when absent or invalid, and returned",
                         {{"type", "string"}});
  p["Traceparent"] = param("traceparent", "header", false,
                           "W3C Trace Context; its trace id is logged with the request and kept "
                           "with the task it creates (`trace_id`); ignored when invalid",
                           {{"type", "string"}});
  return p;
}

json::object request_bodies() {
  return {{"SkillEvent",
           {{"required", true},
            {"description", "The event; its content fields depend on event_type"},
            {"content", json_content("SkillEventInput")}}},
          {"FileLoadTask",
           {{"required", true},
            {"description", "What to load, from where, with which credentials"},
            {"content", json_content("FileLoadTaskInput")}}},
          {"Source",
           {{"required", true},
            {"description", "A prefix, a pattern, a schedule and credentials"},
            {"content", json_content("SourceInput")}}},
          {"SourcePatch",
           {{"required", true},
            {"description", "The fields to change; the others are kept"},
            {"content", json_content("SourcePatch")}}},
          {"WebhookInput",
           {{"required", true},
            {"description", "The endpoint's URL and the event types it receives"},
            {"content", json_content("WebhookInput")}}},
          {"WebhookPatch",
           {{"required", true},
            {"description", "The fields to change"},
            {"content", json_content("WebhookPatch")}}}};
}

json::object response_ref(std::string_view name) {
  return {{"$ref", "#/components/responses/" + std::string(name)}};
}

json::object operation(const Route& r) {
  json::object op{{"operationId", r.operation_id}, {"summary", r.summary}, {"tags", {r.tag}}};
  json::array params;
  std::string_view path = r.path;
  for (size_t open = path.find('{'); open != std::string_view::npos;
       open = path.find('{', open + 1)) {
    const size_t close = path.find('}', open);
    params.push_back(
        json::object{{"$ref", "#/components/parameters/" +
                                  std::string(path.substr(open + 1, close - open - 1))}});
  }
  for (std::string_view p : r.parameters) {
    params.push_back(json::object{{"$ref", "#/components/parameters/" + std::string(p)}});
  }
  for (const char* p : {"RequestId", "Traceparent"}) {
    params.push_back(json::object{{"$ref", "#/components/parameters/" + std::string(p)}});
  }
  op["parameters"] = std::move(params);
  if (!r.request_body.empty()) {
    op["requestBody"] =
        json::object{{"$ref", "#/components/requestBodies/" + std::string(r.request_body)}};
  }
  // Ordered by status; a route's own entry wins over a shared one.
  std::map<int, std::string_view> by_status;
  for (const RouteResponse& rr : r.responses) by_status.emplace(rr.status, rr.response);
  for (const RouteResponse& rr : {RouteResponse{400, "BadRequest"},
                                  {413, "PayloadTooLarge"},
                                  {414, "UriTooLong"},
                                  {431, "HeadersTooLarge"},
                                  {500, "Internal"}}) {
    by_status.emplace(rr.status, rr.response);
  }
  if (r.access == Access::kPublic) {
    op["security"] = json::array{};
  } else {
    for (const RouteResponse& rr :
         {RouteResponse{401, "Unauthenticated"}, {403, "Forbidden"}, {429, "RateLimited"}}) {
      by_status.emplace(rr.status, rr.response);
    }
    op["description"] = r.access == Access::kRead
                            ? "Needs an API key or access token with the `read` scope."
                            : "Needs an API key or access token with the `write` scope.";
  }
  json::object resps;
  for (const auto& [status, name] : by_status) resps[std::to_string(status)] = response_ref(name);
  op["responses"] = std::move(resps);
  return op;
}

json::object paths() {
  json::object out;
  for (const Route& r : routes()) {
    std::string method(r.method);
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    json::value& item = out[r.path];
    if (!item.is_object()) item = json::object{};
    item.as_object()[method] = operation(r);
  }
  return out;
}

}  // namespace

std::string openapi_document() {
  json::object doc;
  doc["openapi"] = "3.1.0";
  doc["info"] = json::object{
      {"title", "skillsync API"},
      {"version", "0.1.0"},
      {"summary", "Skill events of employees, and File Load Tasks that fill them from S3"},
      {"description",
       "Bodies are JSON; times are RFC 3339 UTC. Every error is the `Error` object. A method "
       "a path does not list answers 405 (`method_not_allowed`), a path not listed 404 "
       "(`not_found`, after authentication). "
       "Prose reference: docs/api.md; entity types: docs/entities.md."},
      {"license", {{"name", "Proprietary"}, {"identifier", "LicenseRef-Proprietary"}}}};
  doc["servers"] = json::array{json::object{{"url", "/"}}};
  doc["security"] = json::array{json::object{{"bearerAuth", json::array{}}},
                                json::object{{"oauth2", json::array{}}}};
  doc["tags"] = json::array{
      json::object{{"name", "Health"}, {"description", "Liveness and this document"}},
      json::object{{"name", "Console"}, {"description", "The web console's static files"}},
      json::object{{"name", "Skill events"}, {"description", "The Skill Event API"}},
      json::object{{"name", "File Load Tasks"}, {"description", "Bulk loads from S3"}},
      json::object{{"name", "Sources"},
                   {"description", "Recurring S3 sources: every new export loads once"}},
      json::object{{"name", "Webhooks"},
                   {"description", "Signed CloudEvents sent when tasks end (docs/api.md)"}},
      json::object{{"name", "Authentication"},
                   {"description", "OAuth2 access tokens and a credentials check"}}};
  doc["paths"] = paths();
  doc["components"] =
      json::object{{"securitySchemes",
                    {{"bearerAuth",
                      {{"type", "http"},
                       {"scheme", "bearer"},
                       {"description", "An API key: `Authorization: Bearer sk_...`"}}}}},
                   {"parameters", parameters()},
                   {"requestBodies", request_bodies()},
                   {"responses", responses()},
                   {"schemas", internal::openapi_schemas()}};
  internal::add_oauth_components(doc["components"].as_object());
  return json::serialize(doc);
}

}  // namespace skillsync::api
