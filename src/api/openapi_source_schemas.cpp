// components/schemas of the OpenAPI document for recurring sources: the
// create and patch bodies, the source as returned, ledger rows and pages.
#include <boost/json.hpp>

#include "api/openapi.hpp"
#include "api/openapi_util.hpp"
#include "schema/schema.hpp"

namespace skillsync::api::internal {
namespace json = boost::json;

namespace {

json::object schedule() {
  return {{"type", "object"},
          {"required", {"every"}},
          {"additionalProperties", false},
          {"properties",
           {{"every",
             {{"type", "string"},
              {"pattern", "^([0-9]+[smhd])+$"},
              {"description", "30s, 15m, 6h, 1d or sums (1h30m); 10 s to 31 days"}}}}}};
}

// The members a PATCH may change (all optional there).
json::object patchable() {
  json::object p;
  p["name"] = json::object{{"type", "string"}, {"maxLength", 200}};
  p["pattern"] = json::object{
      {"type", "string"},
      {"maxLength", 1024},
      {"description", "Glob on the key below the prefix: * ? [a-z] [!x] ** (see docs/api.md)"}};
  p["schedule"] = schedule();
  p["options"] = json::object{{"oneOf", {schema_ref("TaskOptionsInput"), type("null")}}};
  json::object creds;
  creds["aws_access_key_id"] = json::object{{"type", "string"}, {"maxLength", 128}};
  creds["aws_secret_access_key"] = json::object{{"type", "string"}, {"maxLength", 256}};
  creds["aws_session_token"] = json::object{{"type", json::array{"string", "null"}}};
  p["credentials"] = json::object{{"type", "object"},
                                  {"properties", std::move(creds)},
                                  {"required", {"aws_access_key_id", "aws_secret_access_key"}},
                                  {"additionalProperties", false}};
  p["start_after"] = json::object{{"type", json::array{"string", "null"}}, {"maxLength", 1024}};
  p["modified_after"] = nullable_date_time();
  p["batch"] = json::object{
      {"type", "string"},
      {"enum", {"per_file", "per_check"}},
      {"description",
       "per_file (default): one File Load Task per new object; per_check: one task for all "
       "new objects of a check, loading exactly those versions as one atomic publish"}};
  p["max_consecutive_failures"] =
      json::object{{"type", "integer"}, {"minimum", 1}, {"maximum", 100}};
  return p;
}

json::object source_input() {
  json::object p = patchable();
  p["entity_type"] = json::object{{"type", "string"}, {"enum", entity_types()}};
  p["method"] = json::object{{"type", "string"}, {"enum", {"s3_iam_user"}}};
  p["uri"] = json::object{
      {"type", "string"}, {"maxLength", 2048}, {"description", "s3://bucket/prefix/ (ends in /)"}};
  p["region"] = json::object{{"type", json::array{"string", "null"}}, {"maxLength", 32}};
  return {{"type", "object"},
          {"properties", std::move(p)},
          {"required", {"name", "entity_type", "uri", "pattern", "schedule", "credentials"}},
          {"additionalProperties", false}};
}

json::object source() {
  json::object p;
  p["source_id"] = type("string");
  p["name"] = type("string");
  p["entity_type"] = type("string");
  p["method"] = type("string");
  p["uri"] = type("string");
  p["region"] = nullable("string");
  p["pattern"] = type("string");
  p["schedule"] = schedule();
  p["options"] = schema_ref("TaskOptions");
  p["start_after"] = nullable("string");
  p["modified_after"] = nullable_date_time();
  p["batch"] = json::object{{"type", "string"}, {"enum", {"per_file", "per_check"}}};
  p["max_consecutive_failures"] = type("integer");
  p["status"] = json::object{{"type", "string"}, {"enum", {"active", "paused", "error"}}};
  p["last_error"] = nullable("string");
  p["last_check_at"] = nullable_date_time();
  p["next_check_at"] = nullable_date_time();
  p["created_at"] = date_time();
  p["updated_at"] = date_time();
  json::array required;
  for (const auto& kv : p) required.emplace_back(kv.key());
  return {{"type", "object"}, {"properties", std::move(p)}, {"required", std::move(required)}};
}

json::object source_file() {
  json::object p;
  p["key"] = type("string");
  p["etag"] = type("string");
  p["size"] = json::object{{"type", "integer"}, {"minimum", 0}};
  p["last_modified"] = nullable_date_time();
  p["first_seen"] = date_time();
  p["task_id"] = json::object{
      {"type", json::array{"string", "null"}},
      {"description",
       "The task that loads this version (null when skipped); with batch per_check, every "
       "object of one check carries the same task"}};
  p["skip_reason"] = json::object{
      {"type", json::array{"string", "null"}},
      {"enum", {"start_after", "pattern", "modified_after", "zero_bytes", "too_large", nullptr}}};
  p["task"] = json::object{{"type", json::array{"object", "null"}},
                           {"description",
                            "The task's state now (null when skipped or purged); its counts "
                            "are the whole task's"},
                           {"properties",
                            {{"status", type("string")},
                             {"rows_loaded", type("integer")},
                             {"rows_rejected", type("integer")}}},
                           {"required", {"status", "rows_loaded", "rows_rejected"}}};
  json::array required;
  for (const auto& kv : p) required.emplace_back(kv.key());
  return {{"type", "object"}, {"properties", std::move(p)}, {"required", std::move(required)}};
}

}  // namespace

void add_source_schemas(json::object& out) {
  out["SourceInput"] = source_input();
  out["SourcePatch"] = json::object{
      {"type", "object"}, {"properties", patchable()}, {"additionalProperties", false}};
  out["Source"] = source();
  out["SourceFile"] = source_file();
  out["SourcePage"] = page_of("Source");
  out["SourceFilePage"] = page_of("SourceFile");
}

}  // namespace skillsync::api::internal
