// auth/oauth_service: the OAuth2 client-credentials grant and the check of
// the access tokens it issues.
//
// issue() authenticates the client (its secret against the stored PBKDF2
// hash, in constant time), checks the grant type, the tenant (when the
// request names one it must be the client's) and the requested scopes (a
// subset of the client's; none requested: all of them), and signs a token
// (auth/token.hpp) valid for config.token_lifetime_seconds. Errors carry the
// RFC 6749 section 5.2 codes: "invalid_client" (unknown, revoked or wrong
// secret: one message for all three), "invalid_request",
// "unsupported_grant_type", "invalid_scope"; a store failure keeps its own
// code ("storage_error", ...).
//
// authenticate() verifies a token's signature and lifetime without the
// store, then whether its client was revoked: through the store, at most
// once per config.revocation_check_interval per client and process (a
// cached answer in between). So a revoked client's tokens stop working at
// most that long after the revocation (30 s by default), in every process.
// A revocation, once seen, is remembered. Errors: "invalid_token",
// "expired_token", "revoked_client", or the store's code.
//
// Thread safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/token.hpp"
#include "auth/token_request.hpp"
#include "common/result.hpp"
#include "common/time.hpp"
#include "store/store.hpp"

namespace skillsync::auth {

inline constexpr int64_t kDefaultTokenLifetimeSeconds = 3 * 3600;

struct OAuthConfig {
  int64_t token_lifetime_seconds = kDefaultTokenLifetimeSeconds;
  Micros revocation_check_interval = Micros{30} * 1'000'000;
};

struct IssuedToken {
  std::string access_token;
  int64_t expires_in = 0;  // seconds
  std::string scope;       // granted scopes, space-separated ("read write")
};

// Who a valid token speaks for.
struct TokenIdentity {
  std::string client_id;
  std::string tenant;
  std::string scopes;  // "read,write"
};

class OAuthService {
 public:
  // REQUIRES: `store` and `clock` outlive the service.
  OAuthService(store::Store& store, SecretString signing_key, const Clock& clock,
               OAuthConfig config = {});

  Result<IssuedToken> issue(const TokenRequest& request);
  Result<TokenIdentity> authenticate(std::string_view token);

  const OAuthConfig& config() const { return config_; }

 private:
  Result<store::OAuthClient> authenticate_client(const TokenRequest& request);
  Result<bool> is_revoked(const std::string& client_id, Micros now);

  store::Store& store_;
  TokenSigner signer_;
  const Clock& clock_;
  OAuthConfig config_;
  struct Checked {
    Micros at = 0;
    bool revoked = false;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Checked> checked_;
};

// The stored scopes ("read,write") of a requested scope list (space and/or
// comma separated), or "invalid_scope" for an unknown or empty one.
Result<std::string> normalize_requested_scopes(std::string_view requested);

}  // namespace skillsync::auth
