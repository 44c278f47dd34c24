// components/schemas of the OpenAPI document for File Load Tasks: the
// request body, the task as returned, its options, row errors and pages.
// The task's entity_type is an enum of the registry's entity types.
#include <boost/json.hpp>

#include "api/openapi.hpp"
#include "api/openapi_util.hpp"
#include "schema/schema.hpp"

namespace skillsync::api::internal {
namespace json = boost::json;

namespace {

json::object max_string(size_t max, bool null_ok) {
  json::object s = null_ok ? nullable("string") : type("string");
  s["maxLength"] = max;
  return s;
}

// The options that are on or off.
constexpr const char* kFlagOptions[] = {"dry_run", "ignore_unknown_columns", "validate_access"};

json::array required_of(const json::object& props) {
  json::array a;
  for (const auto& kv : props) a.emplace_back(kv.key());
  return a;
}

const json::array kStatuses = {"pending", "running",  "completed", "completed_with_errors",
                               "failed",  "cancelled"};

// Options as a request sends them: every member optional, null = default.
json::object options_input() {
  json::object p;
  p["on_error"] = json::object{{"type", json::array{"string", "null"}},
                               {"enum", {"continue", "abort", nullptr}}};
  json::object max_rejected = nullable("integer");
  max_rejected["minimum"] = 0;
  p["max_rejected_rows"] = std::move(max_rejected);
  for (const char* flag : kFlagOptions) p[flag] = nullable("boolean");
  p["delimiter"] = json::object{{"type", json::array{"string", "null"}},
                                {"description", "One of `,` `;` tab `|`"}};
  p["quote"] = nullable("string");
  p["encoding"] = json::object{
      {"type", json::array{"string", "null"}},
      {"description", "utf-8 (default), utf-16, latin1 or windows-1252 (case-insensitive)"}};
  return {{"type", "object"}, {"properties", std::move(p)}, {"additionalProperties", false}};
}

// Options as a task shows them: normalised, every member spelled out.
json::object options_output() {
  json::object p;
  p["on_error"] = json::object{{"type", "string"}, {"enum", {"continue", "abort"}}};
  json::object max_rejected = nullable("integer");
  max_rejected["minimum"] = 0;
  p["max_rejected_rows"] = std::move(max_rejected);
  for (const char* flag : kFlagOptions) p[flag] = type("boolean");
  p["delimiter"] = json::object{{"type", "string"}, {"enum", {",", ";", "\t", "|"}}};
  p["quote"] = json::object{{"type", "string"}, {"minLength", 1}, {"maxLength", 1}};
  p["encoding"] =
      json::object{{"type", "string"}, {"enum", {"utf-8", "utf-16", "latin1", "windows-1252"}}};
  json::array required = required_of(p);
  return {{"type", "object"}, {"properties", std::move(p)}, {"required", std::move(required)}};
}

json::object task_input() {
  json::object p;
  p["entity_type"] = json::object{{"type", "string"}, {"enum", entity_types()}};
  p["method"] = json::object{{"type", "string"}, {"enum", {"s3_iam_user", "s3_presigned_url"}}};
  p["uri"] = max_string(8192, false);
  p["uri"].as_object()["description"] =
      "s3://bucket/key (a key ending in / is a prefix), or a presigned GET URL";
  json::object creds_props;
  creds_props["aws_access_key_id"] = max_string(128, true);
  creds_props["aws_secret_access_key"] = max_string(256, true);
  creds_props["aws_session_token"] = max_string(4096, true);
  p["credentials"] = json::object{{"type", json::array{"object", "null"}},
                                  {"description", "Required for s3_iam_user, absent otherwise"},
                                  {"properties", std::move(creds_props)},
                                  {"additionalProperties", false}};
  p["region"] = max_string(32, true);
  p["options"] = json::object{{"oneOf", {schema_ref("TaskOptionsInput"), type("null")}}};
  return {{"type", "object"},
          {"properties", std::move(p)},
          {"required", {"entity_type", "method", "uri"}},
          {"additionalProperties", false}};
}

json::object row_error(bool with_raw) {
  json::object p;
  p["line"] = json::object{{"type", "integer"}, {"minimum", 1}};
  p["byte_offset"] = json::object{{"type", "integer"}, {"minimum", 0}};
  p["column"] = nullable("string");
  p["code"] = type("string");
  p["message"] = type("string");
  if (with_raw) p["raw"] = type("string");
  json::array required = required_of(p);
  p["file"] = json::object{{"type", "string"}, {"description", "Object key (prefix loads only)"}};
  return {{"type", "object"}, {"properties", std::move(p)}, {"required", std::move(required)}};
}

json::object task_summary() {
  json::object p;
  p["task_id"] = type("string");
  p["entity_type"] = type("string");
  p["method"] = json::object{{"type", "string"}, {"enum", {"s3_iam_user", "s3_presigned_url"}}};
  p["uri"] = type("string");
  p["region"] = nullable("string");
  p["status"] = json::object{{"type", "string"}, {"enum", kStatuses}};
  p["created_at"] = date_time();
  p["started_at"] = nullable_date_time();
  p["finished_at"] = nullable_date_time();
  p["cancel_requested_at"] = nullable_date_time();
  p["attempts"] = json::object{{"type", "integer"}, {"minimum", 0}};
  json::object progress;
  for (const char* name : {"bytes_total", "bytes_read", "rows_read", "rows_loaded", "rows_rejected",
                           "rows_superseded"}) {
    progress[name] = json::object{{"type", "integer"}, {"minimum", 0}};
  }
  json::array progress_required = required_of(progress);
  p["progress"] = json::object{{"type", "object"},
                               {"properties", std::move(progress)},
                               {"required", std::move(progress_required)}};
  p["options"] = schema_ref("TaskOptions");
  p["error"] = json::object{{"type", json::array{"object", "null"}},
                            {"description", "Why a failed task failed"},
                            {"properties", {{"code", type("string")}, {"message", type("string")}}},
                            {"required", {"code", "message"}}};
  json::array required = required_of(p);
  p["source_id"] = json::object{{"type", "string"},
                                {"description", "The source that created the task (if any)"}};
  // Optional: present only when the creating request had a valid traceparent.
  p["trace_id"] = json::object{
      {"type", "string"},
      {"pattern", "^[0-9a-f]{32}$"},
      {"description", "The W3C trace id of the request that created the task (when it had one)"}};
  return {{"type", "object"}, {"properties", std::move(p)}, {"required", std::move(required)}};
}

}  // namespace

void add_source_schemas(json::object& out);  // openapi_source_schemas.cpp

void add_task_schemas(json::object& out) {
  out["FileLoadTaskInput"] = task_input();
  out["TaskOptionsInput"] = options_input();
  out["TaskOptions"] = options_output();
  out["RowError"] = row_error(false);
  out["ReportRowError"] = row_error(true);
  out["FileLoadTaskSummary"] = task_summary();
  out["FileLoadTask"] = json::object{{"allOf",
                                      {schema_ref("FileLoadTaskSummary"),
                                       {{"type", "object"},
                                        {"required", {"row_errors"}},
                                        {"properties",
                                         {{"row_errors",
                                           {{"type", "array"},
                                            {"description", "The first 100 rejected rows"},
                                            {"items", schema_ref("RowError")}}}}}}}}};
  out["FileLoadTaskPage"] = page_of("FileLoadTaskSummary");
  out["RowErrorPage"] = page_of("ReportRowError");
  add_source_schemas(out);
}

}  // namespace skillsync::api::internal
