// Hashing, MACs, randomness and authenticated encryption, over OpenSSL.
//
// All functions are thread safe. Byte strings are std::string for
// convenience; they may contain NUL bytes.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace skillsync::crypto {

using Digest = std::array<unsigned char, 32>;

Digest sha256(std::string_view data);
std::string sha256_hex(std::string_view data);
Digest hmac_sha256(std::string_view key, std::string_view data);

std::string hex(std::string_view bytes);
std::string hex(const Digest& d);

// Cryptographically secure random bytes. Aborts if the OS RNG fails, since
// nothing secure can be done without it.
std::string random_bytes(size_t n);

std::string base64url(std::string_view bytes);  // no padding
Result<std::string> base64url_decode(std::string_view text);

// Constant-time equality of two byte strings of the same length; false when
// lengths differ (the length is not secret).
bool constant_time_equal(std::string_view a, std::string_view b);

// AES-256-GCM. seal() returns nonce(12) || ciphertext || tag(16).
// `aad` binds the ciphertext to its context (for example a task id) so a
// sealed blob cannot be moved to another row.
// REQUIRES: key.size() == 32
std::string aes256gcm_seal(std::string_view key, std::string_view plaintext, std::string_view aad);
Result<std::string> aes256gcm_open(std::string_view key, std::string_view sealed,
                                   std::string_view aad);

}  // namespace skillsync::crypto
