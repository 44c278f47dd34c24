// Ed25519 over OpenSSL's EVP interface (signing.hpp).
#include "notify/signing.hpp"

#include <openssl/evp.h>

#include <memory>

#include "common/crypto.hpp"

namespace skillsync::notify {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Result<Pkey> private_key(const SecretString& seed) {
  if (seed.size() != 32) return Error{"invalid_key", "an Ed25519 seed has 32 bytes"};
  Pkey key(EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(seed.reveal().data()), 32));
  if (!key) return Error{"invalid_key", "OpenSSL refused the Ed25519 seed"};
  return key;
}

std::string aad(std::string_view endpoint_id) { return "webhook_key:" + std::string(endpoint_id); }

}  // namespace

KeyPair generate_key_pair() {
  KeyPair kp{SecretString(crypto::random_bytes(32)), ""};
  kp.public_key = public_key_of(kp.private_seed).value();
  return kp;
}

Result<std::string> public_key_of(const SecretString& seed) {
  SKILLSYNC_ASSIGN_OR_RETURN(auto key, private_key(seed));
  std::string out(32, '\0');
  size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(out.data()), &len) !=
          1 ||
      len != 32) {
    return Error{"invalid_key", "cannot derive the Ed25519 public key"};
  }
  return out;
}

Result<std::string> ed25519_sign(const SecretString& seed, std::string_view message) {
  SKILLSYNC_ASSIGN_OR_RETURN(auto key, private_key(seed));
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  std::string sig(64, '\0');
  size_t len = sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      len != 64) {
    return Error{"sign_failed", "Ed25519 signing failed"};
  }
  return sig;
}

bool ed25519_verify(std::string_view public_key, std::string_view message,
                    std::string_view signature) {
  if (public_key.size() != 32 || signature.size() != 64) return false;
  Pkey key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(public_key.data()), 32));
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!key || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

std::string seal_private_key(const SealingKeys& keys, std::string_view endpoint_id,
                             const SecretString& seed) {
  return crypto::aes256gcm_seal(keys.current.reveal(), seed.reveal(), aad(endpoint_id));
}

Result<SecretString> open_private_key(const SealingKeys& keys, std::string_view endpoint_id,
                                      std::string_view sealed) {
  auto plain = crypto::aes256gcm_open(keys.current.reveal(), sealed, aad(endpoint_id));
  for (size_t i = 0; !plain.ok() && i < keys.previous.size(); ++i) {
    plain = crypto::aes256gcm_open(keys.previous[i].reveal(), sealed, aad(endpoint_id));
  }
  if (!plain.ok()) {
    return Error{"key_unreadable",
                 "the endpoint's signing key cannot be opened with this master key"};
  }
  return SecretString(std::move(plain).value());
}

std::string signed_message(std::string_view timestamp, std::string_view tenant,
                           std::string_view event_id, std::string_view body) {
  std::string m;
  m.reserve(timestamp.size() + tenant.size() + event_id.size() + body.size() + 3);
  m.append(timestamp).append(":").append(tenant).append(":").append(event_id).append(":");
  m.append(body);
  return m;
}

Result<std::string> signature_header(const std::vector<SecretString>& seeds,
                                     std::string_view message) {
  std::string out;
  for (const auto& seed : seeds) {
    SKILLSYNC_ASSIGN_OR_RETURN(auto sig, ed25519_sign(seed, message));
    if (!out.empty()) out += ',';
    out += crypto::hex(sig);
  }
  return out;
}

}  // namespace skillsync::notify
