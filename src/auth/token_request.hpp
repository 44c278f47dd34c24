// auth/token_request: reads a client-credentials token request (POST
// /oauth/token) from its body and Authorization header, without judging it.
//
// Two bodies are understood, by Content-Type:
//   application/json: TechWolf's published flow, {"client_id",
//     "client_secret", "grant_type", "audience", "tenant", "scopes"}
//     (`scopes` a string or an array of strings; `scope` also accepted).
//     Every field present must be a string (scopes: or an array of them).
//   application/x-www-form-urlencoded: RFC 6749 section 4.4.2 (grant_type,
//     scope, and client_id/client_secret per section 2.3.1); a parameter may
//     appear once only (section 3.2).
// The client may instead authenticate with HTTP Basic (section 2.3.1: the
// form-urlencoded id and secret, base64); using both the header and body
// credentials is refused (section 2.3).
//
// Errors carry RFC 6749 section 5.2 codes: "invalid_request" (malformed
// body, wrong media type, repeated parameter, both credential methods) and
// "invalid_client" (no client credentials at all).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "common/secret.hpp"

namespace skillsync::auth {

struct TokenRequest {
  std::string grant_type;  // "" when absent
  std::string client_id;
  SecretString client_secret;
  bool basic_auth = false;  // the credentials came from the Authorization header
  std::optional<std::string> audience;
  std::optional<std::string> tenant;
  // Requested scopes as given (separated by spaces and/or commas); nullopt
  // when absent: then the client's own scopes.
  std::optional<std::string> scope;
};

Result<TokenRequest> parse_token_request(std::string_view content_type, std::string_view body,
                                         std::string_view authorization);

// application/x-www-form-urlencoded decoding of one name or value: `+` is a
// space, %XX a byte; "invalid_request" on a bad escape.
Result<std::string> form_decode(std::string_view text);

}  // namespace skillsync::auth
