// auth/secret_hash: how an OAuth client's secret is stored.
//
// hash_client_secret() makes "pbkdf2-sha256$<iterations>$<salt>$<hash>"
// (salt: 16 random bytes per client, hash: 32 bytes, both base64url):
// PBKDF2-HMAC-SHA256 from OpenSSL. verify_client_secret() recomputes it with
// the stored salt and iteration count and compares in constant time, so a
// stored hash made with another iteration count still verifies.
#pragma once

#include <string>
#include <string_view>

namespace skillsync::auth {

// The iteration count of new hashes. Secrets are 256 random bits, so the
// count is defence in depth, not what makes guessing hopeless.
inline constexpr int kSecretHashIterations = 20000;

std::string hash_client_secret(std::string_view secret, int iterations = kSecretHashIterations);

// False for a wrong secret and for a stored value that is not a hash of this
// form (never an error: the caller answers invalid_client either way).
bool verify_client_secret(std::string_view secret, std::string_view stored);

// A new client id ("cl_" + 16 hex digits) and secret ("cs_" + 43 base64url
// characters: 256 random bits).
std::string generate_client_id();
std::string generate_client_secret();

}  // namespace skillsync::auth
