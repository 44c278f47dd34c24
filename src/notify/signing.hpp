// notify/signing: Ed25519 keys of webhook endpoints (OpenSSL
// EVP_PKEY_ED25519), their sealing at rest, and the X-Signature-V1 header.
//
// A private key is its 32-byte RFC 8032 seed. At rest it is sealed with the
// master key (AES-256-GCM, like task credentials), bound to the endpoint id
// ("webhook_key:" + id) so a sealed key cannot be moved to another endpoint.
// Signed message: "<timestamp>:<tenant>:<event_id>:<body>"; the header holds
// one lower-case hex signature per active key, comma-separated, the current
// key's first.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "common/secret.hpp"

namespace skillsync::notify {

struct KeyPair {
  SecretString private_seed;  // 32 bytes
  std::string public_key;     // 32 bytes, raw
};

// A fresh random key pair.
KeyPair generate_key_pair();
// The public key of a 32-byte seed ("invalid_key" otherwise).
Result<std::string> public_key_of(const SecretString& seed);
// Ed25519 signature (64 raw bytes) of `message` with `seed`.
Result<std::string> ed25519_sign(const SecretString& seed, std::string_view message);
// True when `signature` (64 raw bytes) verifies `message` for `public_key`.
bool ed25519_verify(std::string_view public_key, std::string_view message,
                    std::string_view signature);

// The master key and the keys it replaced (newest first), as raw bytes.
struct SealingKeys {
  SecretString current;
  std::vector<SecretString> previous;
};
std::string seal_private_key(const SealingKeys& keys, std::string_view endpoint_id,
                             const SecretString& seed);
// "key_unreadable" when no key opens it.
Result<SecretString> open_private_key(const SealingKeys& keys, std::string_view endpoint_id,
                                      std::string_view sealed);

// "<timestamp>:<tenant>:<event_id>:<body>"
std::string signed_message(std::string_view timestamp, std::string_view tenant,
                           std::string_view event_id, std::string_view body);
// Comma-separated hex signatures of `message`, one per seed, in order.
Result<std::string> signature_header(const std::vector<SecretString>& seeds,
                                     std::string_view message);

}  // namespace skillsync::notify
