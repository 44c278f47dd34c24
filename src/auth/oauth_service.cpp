// auth/oauth_service: issuing and checking access tokens (see the header).
#include "auth/oauth_service.hpp"

#include "auth/secret_hash.hpp"
#include "common/crypto.hpp"

namespace skillsync::auth {
namespace {

Error invalid_client() {
  // One answer for an unknown client, a revoked one and a wrong secret, so
  // the response says nothing about which client ids exist.
  return Error{Errc::kInvalidClient, "client authentication failed"};
}

bool has(std::string_view scopes, std::string_view want) {
  while (!scopes.empty()) {
    const size_t comma = scopes.find(',');
    if (scopes.substr(0, comma) == want) return true;
    if (comma == std::string_view::npos) break;
    scopes.remove_prefix(comma + 1);
  }
  return false;
}

// A dummy hash with the real iteration count: an unknown client id costs
// the same time as a wrong secret.
const std::string& dummy_hash() {
  static const std::string h = hash_client_secret("no such client");
  return h;
}

}  // namespace

Result<std::string> normalize_requested_scopes(std::string_view requested) {
  bool read = false;
  bool write = false;
  size_t i = 0;
  while (i < requested.size()) {
    const size_t end = requested.find_first_of(" ,", i);
    const std::string_view item = requested.substr(i, end - i);
    if (item == "read") {
      read = true;
    } else if (item == "write") {
      write = true;
    } else if (!item.empty()) {
      return Error{"invalid_scope",
                   "unknown scope '" + std::string(item) + "': scopes are read and write"};
    }
    if (end == std::string_view::npos) break;
    i = end + 1;
  }
  if (!read && !write) return Error{"invalid_scope", "no scope requested"};
  return std::string(read && write ? "read,write" : read ? "read" : "write");
}

OAuthService::OAuthService(store::Store& store, SecretString signing_key, const Clock& clock,
                           OAuthConfig config)
    : store_(store), signer_(std::move(signing_key)), clock_(clock), config_(config) {}

Result<store::OAuthClient> OAuthService::authenticate_client(const TokenRequest& request) {
  SKILLSYNC_ASSIGN_OR_RETURN(auto found, store_.get_oauth_client(request.client_id));
  const bool known = found.has_value();
  const bool secret_ok = verify_client_secret(request.client_secret.reveal(),
                                              known ? found->secret_hash : dummy_hash());
  if (!known || !secret_ok || found->revoked_at) return invalid_client();
  return std::move(*found);
}

Result<IssuedToken> OAuthService::issue(const TokenRequest& request) {
  SKILLSYNC_ASSIGN_OR_RETURN(auto client, authenticate_client(request));
  if (request.grant_type.empty()) return Error{"invalid_request", "grant_type is missing"};
  if (request.grant_type != "client_credentials") {
    return Error{"unsupported_grant_type", "only grant_type client_credentials is supported"};
  }
  if (request.tenant && *request.tenant != client.tenant) {
    return Error{"invalid_request", "tenant is not the client's tenant"};
  }
  std::string scopes = client.scopes;
  if (request.scope) {
    SKILLSYNC_ASSIGN_OR_RETURN(auto wanted, normalize_requested_scopes(*request.scope));
    for (std::string_view s : {"read", "write"}) {
      if (has(wanted, s) && !has(client.scopes, s)) {
        return Error{"invalid_scope",
                     "the client is not granted the '" + std::string(s) + "' scope"};
      }
    }
    scopes = wanted;
  }
  const Micros now = clock_.now();
  TokenClaims claims;
  claims.tenant = client.tenant;
  claims.scopes = scopes;
  claims.client_id = client.id;
  claims.iat = now / 1'000'000;
  claims.exp = claims.iat + config_.token_lifetime_seconds;
  claims.jti = crypto::hex(crypto::random_bytes(12));
  // A failure only loses a "last used" time, never the token.
  (void)store_.touch_oauth_client(client.id, now);
  IssuedToken out;
  out.access_token = signer_.sign(claims);
  out.expires_in = config_.token_lifetime_seconds;
  out.scope = scopes == "read,write" ? "read write" : scopes;
  return out;
}

Result<bool> OAuthService::is_revoked(const std::string& client_id, Micros now) {
  {
    std::lock_guard lock(mu_);
    auto it = checked_.find(client_id);
    if (it != checked_.end() &&
        (it->second.revoked || now - it->second.at < config_.revocation_check_interval)) {
      return it->second.revoked;
    }
  }
  // Outside the lock: a slow store must not hold up other clients.
  SKILLSYNC_ASSIGN_OR_RETURN(auto client, store_.get_oauth_client(client_id));
  const bool revoked = !client.has_value() || client->revoked_at.has_value();
  std::lock_guard lock(mu_);
  checked_[client_id] = Checked{now, revoked};
  return revoked;
}

Result<TokenIdentity> OAuthService::authenticate(std::string_view token) {
  const Micros now = clock_.now();
  SKILLSYNC_ASSIGN_OR_RETURN(auto claims, signer_.verify(token, now / 1'000'000));
  SKILLSYNC_ASSIGN_OR_RETURN(auto revoked, is_revoked(claims.client_id, now));
  if (revoked) return Error{Errc::kRevokedClient, "the token's client was revoked"};
  return TokenIdentity{claims.client_id, claims.tenant, claims.scopes};
}

}  // namespace skillsync::auth
