// api/oauth_routes: the HTTP side of OAuth2 (auth/oauth_service.hpp).
//
//   POST /oauth/token (no prior authentication): the client-credentials
//     grant, with a JSON body (TechWolf's published flow) or a form body
//     (RFC 6749 section 4.4, credentials in the body or HTTP Basic). 200
//     {"access_token", "expires_in", "scope", "token_type": "Bearer"}; errors
//     RFC 6749 section 5.2 {"error", "error_description"}: 400, or 401 with
//     WWW-Authenticate for invalid_client. Every answer has
//     Cache-Control: no-store.
//   GET /version (read scope): {"version", "tenant", "scopes", "auth"} of the
//     caller, so a client can check its credentials.
// identify_token() is the token half of the API's authentication step.
#pragma once

#include <optional>
#include <string_view>

#include "api/api_internal.hpp"
#include "auth/oauth_service.hpp"

namespace skillsync::api::internal {

// `oauth` may be null (OAuth not enabled): every client is then refused.
HttpResponse token_endpoint(auth::OAuthService* oauth, const HttpRequest& http);

HttpResponse version_response(const Request& r);

// Verifies `token` and fills r.tenant, r.scopes, r.auth_method ("oauth")
// and r.key_id (the client id); otherwise returns the 401 (or 500) to
// send.
std::optional<HttpResponse> identify_token(auth::OAuthService& oauth, std::string_view token,
                                           Request& r);

// The header-time check (Api::check_headers): the 401 (or 500) to answer
// before reading the body when `token` is not valid; nullopt otherwise.
std::optional<HttpResponse> check_token(auth::OAuthService& oauth, std::string_view token);

}  // namespace skillsync::api::internal
