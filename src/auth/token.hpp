// auth/token: signed, short-lived access tokens (JWT form, HS256).
//
// A token is `base64url(header).base64url(payload).base64url(signature)`,
// header {"alg":"HS256","typ":"JWT"}, payload the TokenClaims as JSON
// (`tenant`, `scope` as a space-separated list, `client_id`, `iat`, `exp`,
// `jti`; times in seconds since the epoch), signature HMAC-SHA256 over
// `header.payload` with the signing key. The signing key is derived from the
// deployment's master key (signing_key_from_master), so every process that
// shares the master key verifies tokens without the database.
//
// verify() accepts a token only when it has exactly three parts, its header
// names alg HS256 (no "none", no other algorithm), its signature matches
// (constant-time), its payload has every claim with the right type, and
// iat <= now < exp (with no leeway: the issuer and verifier share a clock
// source within a deployment, give or take NTP).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "common/secret.hpp"

namespace skillsync::auth {

struct TokenClaims {
  std::string tenant;
  std::string scopes;  // stored form: "read", "write" or "read,write"
  std::string client_id;
  int64_t iat = 0;  // seconds since the epoch
  int64_t exp = 0;
  std::string jti;  // unique per token
};

// HMAC-SHA256(master key, "skillsync oauth token signing key v1"): a key of
// its own, so a token never reveals anything about the master key, and a
// master key rotation invalidates every token (clients fetch new ones).
SecretString signing_key_from_master(std::string_view master_key);

// Whether `bearer` has a token's form (three base64url parts separated by
// dots, the first starting with "eyJ"); API keys ("sk_...") never do.
bool looks_like_token(std::string_view bearer);

class TokenSigner {
 public:
  explicit TokenSigner(SecretString key) : key_(std::move(key)) {}
  std::string sign(const TokenClaims& claims) const;
  // The claims of a valid token at `now_seconds`. Fails with
  // "invalid_token" (message says why: form, algorithm, signature, claims)
  // or "expired_token".
  Result<TokenClaims> verify(std::string_view token, int64_t now_seconds) const;

 private:
  SecretString key_;
};

}  // namespace skillsync::auth
