// The small JSON Schema builders the OpenAPI schema files share
// (openapi_schemas.cpp, openapi_task_schemas.cpp, openapi_source_schemas.cpp,
// openapi_webhook_schemas.cpp). Internal to src/api.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string_view>

namespace skillsync::api::internal {

// {"$ref": "#/components/schemas/<name>"}
boost::json::value schema_ref(std::string_view name);
// {"type": t}
boost::json::object type(std::string_view t);
// {"type": [t, "null"]}
boost::json::object nullable(std::string_view t);
// An RFC 3339 time, and the same or null.
boost::json::object date_time();
boost::json::object nullable_date_time();
// The event types of every entity of the registry, in its order.
boost::json::array entity_types();
// A list endpoint's answer: {"items": [<item>...], "next_cursor": NextCursor}.
boost::json::object page_of(std::string_view item);

}  // namespace skillsync::api::internal
