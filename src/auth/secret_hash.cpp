// auth/secret_hash: PBKDF2-HMAC-SHA256 client secret hashes (see the header).
#include "auth/secret_hash.hpp"

#include <openssl/evp.h>

#include <charconv>
#include <vector>

#include "common/crypto.hpp"

namespace skillsync::auth {
namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr int kMaxIterations = 10'000'000;

std::string pbkdf2(std::string_view secret, std::string_view salt, int iterations) {
  std::string out(32, '\0');
  const int ok =
      PKCS5_PBKDF2_HMAC(secret.data(), static_cast<int>(secret.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(),
                        static_cast<int>(out.size()), reinterpret_cast<unsigned char*>(out.data()));
  if (ok != 1) out.clear();
  return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (;;) {
    const size_t at = s.find(sep);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

}  // namespace

std::string hash_client_secret(std::string_view secret, int iterations) {
  const std::string salt = crypto::random_bytes(16);
  return std::string(kScheme) + "$" + std::to_string(iterations) + "$" + crypto::base64url(salt) +
         "$" + crypto::base64url(pbkdf2(secret, salt, iterations));
}

bool verify_client_secret(std::string_view secret, std::string_view stored) {
  const auto parts = split(stored, '$');
  if (parts.size() != 4 || parts[0] != kScheme) return false;
  int iterations = 0;
  auto [end, ec] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), iterations);
  if (ec != std::errc() || end != parts[1].data() + parts[1].size() || iterations < 1 ||
      iterations > kMaxIterations) {
    return false;
  }
  auto salt = crypto::base64url_decode(parts[2]);
  auto want = crypto::base64url_decode(parts[3]);
  if (!salt.ok() || !want.ok() || want->size() != 32) return false;
  const std::string got = pbkdf2(secret, *salt, iterations);
  return !got.empty() && crypto::constant_time_equal(got, *want);
}

std::string generate_client_id() { return "cl_" + crypto::hex(crypto::random_bytes(8)); }

std::string generate_client_secret() { return "cs_" + crypto::base64url(crypto::random_bytes(32)); }

}  // namespace skillsync::auth
