// openapi: the OpenAPI 3.1 document of the API, served at GET /openapi.json.
//
// Its paths come from the route table (routes.hpp), the one the router
// uses; the skill event schemas come from the entity registry (schema/), as
// docs/entities.md does, so the document cannot drift from the code. Built
// once (the Api builds it when constructed) and served as bytes.
#pragma once

#include <boost/json/object.hpp>
#include <string>

namespace skillsync::api {

// The whole document, serialized (deterministic: the same code gives the
// same bytes).
std::string openapi_document();

namespace internal {
// components/schemas: the error object, skill events per entity type (from
// the registry), File Load Tasks, row errors and pages (openapi_schemas.cpp).
boost::json::object openapi_schemas();
}  // namespace internal

}  // namespace skillsync::api
