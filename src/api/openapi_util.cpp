// The shared JSON Schema builders of the OpenAPI document (openapi_util.hpp).
#include "api/openapi_util.hpp"

#include <string>

#include "schema/schema.hpp"

namespace skillsync::api::internal {
namespace json = boost::json;

json::value schema_ref(std::string_view name) {
  return json::object{{"$ref", "#/components/schemas/" + std::string(name)}};
}

json::object type(std::string_view t) { return {{"type", t}}; }

json::object nullable(std::string_view t) { return {{"type", json::array{t, "null"}}}; }

json::object date_time() { return {{"type", "string"}, {"format", "date-time"}}; }

json::object nullable_date_time() {
  return {{"type", json::array{"string", "null"}}, {"format", "date-time"}};
}

json::array entity_types() {
  json::array a;
  for (const schema::EntityDef& e : schema::all_entities()) a.emplace_back(e.event_type);
  return a;
}

json::object page_of(std::string_view item) {
  return {{"type", "object"},
          {"required", {"items", "next_cursor"}},
          {"properties",
           {{"items", {{"type", "array"}, {"items", schema_ref(item)}}},
            {"next_cursor", schema_ref("NextCursor")}}}};
}

}  // namespace skillsync::api::internal
