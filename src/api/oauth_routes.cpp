// api/oauth_routes: POST /oauth/token, GET /version and the token check of
// the authentication step (see the header).
#include "api/oauth_routes.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#ifndef SKILLSYNC_VERSION
#define SKILLSYNC_VERSION "unknown"
#endif

namespace skillsync::api::internal {
namespace json = boost::json;
namespace {

void no_store(HttpResponse& resp) {
  resp.headers.emplace_back("Cache-Control", "no-store");
  resp.headers.emplace_back("Pragma", "no-cache");
}

bool is_oauth_error(std::string_view code) {
  for (std::string_view known :
       {"invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
        "unsupported_grant_type", "invalid_scope"}) {
    if (code == known) return true;
  }
  return false;
}

// RFC 6749 section 5.2.
HttpResponse oauth_error(const Error& e) {
  if (!is_oauth_error(e.code)) {
    HttpResponse resp = store_failure(e);
    no_store(resp);
    return resp;
  }
  const int status = e.is(Errc::kInvalidClient) ? 401 : 400;
  HttpResponse resp =
      json_response(status, json::object{{"error", e.code}, {"error_description", e.message}});
  if (status == 401) resp.headers.emplace_back("WWW-Authenticate", "Basic realm=\"skillsync\"");
  no_store(resp);
  return resp;
}

json::array scope_list(std::string_view scopes) {
  json::array out;
  while (!scopes.empty()) {
    const size_t comma = scopes.find(',');
    out.emplace_back(scopes.substr(0, comma));
    if (comma == std::string_view::npos) break;
    scopes.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace

HttpResponse token_endpoint(auth::OAuthService* oauth, const HttpRequest& http) {
  auto request = auth::parse_token_request(http.content_type, http.body, http.authorization);
  if (!request.ok()) return oauth_error(request.error());
  if (oauth == nullptr) return oauth_error(Error(Errc::kInvalidClient, "OAuth2 is not enabled"));
  auto issued = oauth->issue(*request);
  if (!issued.ok()) {
    if (issued.error().is(Errc::kInvalidClient)) {
      // The id is the caller's text: logged only when it has an id's form.
      const std::string& id = request->client_id;
      const bool plain =
          id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
          });
      spdlog::warn("token request refused: invalid_client for client id {}",
                   plain ? id : std::string("(malformed)"));
    }
    return oauth_error(issued.error());
  }
  HttpResponse resp = json_response(200, json::object{{"access_token", issued->access_token},
                                                      {"token_type", "Bearer"},
                                                      {"expires_in", issued->expires_in},
                                                      {"scope", issued->scope}});
  no_store(resp);
  return resp;
}

HttpResponse version_response(const Request& r) {
  return json_response(200, json::object{{"version", SKILLSYNC_VERSION},
                                         {"tenant", r.tenant},
                                         {"scopes", scope_list(r.scopes)},
                                         {"auth", r.auth_method}});
}

namespace {

// The 401 for a refused token, or the 500 for a store failure.
HttpResponse token_refusal(const Error& e) {
  if (!e.is(Errc::kInvalidToken) && !e.is(Errc::kExpiredToken) && !e.is(Errc::kRevokedClient)) {
    return store_failure(e);
  }
  HttpResponse resp = error(401, "unauthenticated", e.message);
  resp.headers.emplace_back(
      "WWW-Authenticate",
      "Bearer error=\"invalid_token\", error_description=\"" + e.message + "\"");
  return resp;
}

}  // namespace

std::optional<HttpResponse> identify_token(auth::OAuthService& oauth, std::string_view token,
                                           Request& r) {
  auto identity = oauth.authenticate(token);
  if (!identity.ok()) return token_refusal(identity.error());
  r.tenant = std::move(identity->tenant);
  r.scopes = std::move(identity->scopes);
  r.auth_method = "oauth";
  r.key_id = std::move(identity->client_id);
  return std::nullopt;
}

std::optional<HttpResponse> check_token(auth::OAuthService& oauth, std::string_view token) {
  auto identity = oauth.authenticate(token);
  if (!identity.ok()) return token_refusal(identity.error());
  return std::nullopt;
}

}  // namespace skillsync::api::internal
