// The OpenAPI document's OAuth2 parts: the oauth2 security scheme (client
// credentials, tokenUrl /oauth/token), POST /oauth/token's request body (JSON
// and form), responses and schemas, and GET /version's response.
#include <boost/json.hpp>

#include "api/openapi.hpp"

namespace skillsync::api::internal {
namespace json = boost::json;
namespace {

json::value ref(std::string_view kind, std::string_view name) {
  return json::object{{"$ref", "#/components/" + std::string(kind) + "/" + std::string(name)}};
}

json::object str(std::string_view description) {
  return {{"type", "string"}, {"description", description}};
}

json::object no_store_headers() {
  return {
      {"Cache-Control", {{"description", "Always `no-store`"}, {"schema", {{"type", "string"}}}}},
      {"Pragma", {{"description", "Always `no-cache`"}, {"schema", {{"type", "string"}}}}}};
}

void add_schemas(json::object& schemas) {
  const json::object scopes_value{
      {"description",
       "Requested scopes (`read`, `write`), space- or comma-separated; "
       "default: all of the client's"},
      {"oneOf", {{{"type", "string"}}, {{"type", "array"}, {"items", {{"type", "string"}}}}}}};
  schemas["TokenRequestJson"] =
      json::object{{"type", "object"},
                   {"description",
                    "TechWolf's published client-credentials body. The schema requires "
                    "nothing: missing credentials are a 401 invalid_client, a missing "
                    "grant_type a 400 invalid_request (RFC 6749 section 5.2)"},
                   {"properties",
                    {{"grant_type", {{"type", "string"}, {"enum", {"client_credentials"}}}},
                     {"client_id", str("From `skillsync clients create`")},
                     {"client_secret", str("From `skillsync clients create`")},
                     {"audience", str("Accepted and not checked: this API is the only audience")},
                     {"tenant", str("When given, must be the client's tenant")},
                     {"scopes", scopes_value},
                     {"scope", scopes_value}}}};
  schemas["TokenRequestForm"] = json::object{
      {"type", "object"},
      {"description",
       "RFC 6749 section 4.4.2; client_id and client_secret here or as HTTP Basic (section "
       "2.3.1), not both"},
      {"properties",
       {{"grant_type", {{"type", "string"}, {"enum", {"client_credentials"}}}},
        {"client_id", {{"type", "string"}}},
        {"client_secret", {{"type", "string"}}},
        {"scope", str("Space-separated: read, write")},
        {"audience", {{"type", "string"}}},
        {"tenant", {{"type", "string"}}}}}};
  schemas["TokenResponse"] = json::object{
      {"type", "object"},
      {"required", {"access_token", "token_type", "expires_in", "scope"}},
      {"properties",
       {{"access_token", str("Send as `Authorization: Bearer <access_token>`")},
        {"token_type", {{"type", "string"}, {"enum", {"Bearer"}}}},
        {"expires_in", {{"type", "integer"}, {"description", "Seconds the token is valid"}}},
        {"scope", str("Granted scopes, space-separated")}}}};
  schemas["OAuthError"] =
      json::object{{"type", "object"},
                   {"description", "RFC 6749 section 5.2"},
                   {"required", {"error", "error_description"}},
                   {"properties",
                    {{"error",
                      {{"type", "string"},
                       {"enum",
                        {"invalid_request", "invalid_client", "invalid_grant",
                         "unauthorized_client", "unsupported_grant_type", "invalid_scope"}}}},
                     {"error_description", {{"type", "string"}}}}}};
  schemas["Version"] = json::object{
      {"type", "object"},
      {"required", {"version", "tenant", "scopes", "auth"}},
      {"properties",
       {{"version", str("The server's version")},
        {"tenant", str("The caller's tenant")},
        {"scopes",
         {{"type", "array"}, {"items", {{"type", "string"}, {"enum", {"read", "write"}}}}}},
        {"auth", {{"type", "string"}, {"enum", {"api_key", "oauth"}}}}}}};
}

void add_responses(json::object& responses) {
  responses["Token"] = json::object{
      {"description", "An access token"},
      {"headers", no_store_headers()},
      {"content", {{"application/json", {{"schema", ref("schemas", "TokenResponse")}}}}}};
  responses["TokenError"] = json::object{
      {"description",
       "invalid_request, unsupported_grant_type or invalid_scope (RFC 6749 section 5.2)"},
      {"headers", no_store_headers()},
      {"content", {{"application/json", {{"schema", ref("schemas", "OAuthError")}}}}}};
  json::object client_headers = no_store_headers();
  client_headers["WWW-Authenticate"] = json::object{{"description", "`Basic realm=\"skillsync\"`"},
                                                    {"schema", {{"type", "string"}}}};
  responses["TokenClientError"] =
      json::object{{"description", "invalid_client: unknown or revoked client, or wrong secret"},
                   {"headers", std::move(client_headers)},
                   {"content", {{"application/json", {{"schema", ref("schemas", "OAuthError")}}}}}};
  responses["Version"] = json::object{
      {"description", "The version, and the caller's tenant, scopes and kind of credentials"},
      {"content", {{"application/json", {{"schema", ref("schemas", "Version")}}}}}};
}

}  // namespace

void add_oauth_components(json::object& components) {
  components["securitySchemes"].as_object()["oauth2"] = json::object{
      {"type", "oauth2"},
      {"description", "An access token from POST /oauth/token: `Authorization: Bearer eyJ...`"},
      {"flows",
       {{"clientCredentials",
         {{"tokenUrl", "/oauth/token"},
          {"scopes", {{"read", "GET requests"}, {"write", "Every other method"}}}}}}}};
  components["requestBodies"].as_object()["TokenRequest"] = json::object{
      {"required", true},
      {"description", "Client credentials grant: JSON or form-encoded"},
      {"content",
       {{"application/json", {{"schema", ref("schemas", "TokenRequestJson")}}},
        {"application/x-www-form-urlencoded", {{"schema", ref("schemas", "TokenRequestForm")}}}}}};
  add_responses(components["responses"].as_object());
  add_schemas(components["schemas"].as_object());
}

}  // namespace skillsync::api::internal
