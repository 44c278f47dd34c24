// auth/secret_hash: salted PBKDF2 hashes of client secrets.
#include "auth/secret_hash.hpp"

#include <gtest/gtest.h>

#include "common/crypto.hpp"

namespace skillsync::auth {
namespace {

TEST(SecretHash, VerifiesTheRightSecretOnly) {
  const std::string h = hash_client_secret("cs_right", 1000);
  EXPECT_TRUE(verify_client_secret("cs_right", h));
  EXPECT_FALSE(verify_client_secret("cs_wrong", h));
  EXPECT_FALSE(verify_client_secret("", h));
  EXPECT_FALSE(verify_client_secret("cs_righ", h));
}

TEST(SecretHash, EachHashHasItsOwnSaltAndNamesItsParameters) {
  const std::string a = hash_client_secret("same secret", 1000);
  const std::string b = hash_client_secret("same secret", 1000);
  EXPECT_NE(a, b) << "a per-client salt";
  EXPECT_TRUE(a.starts_with("pbkdf2-sha256$1000$"));
  EXPECT_EQ(a.find("same secret"), std::string::npos);
  EXPECT_TRUE(hash_client_secret("x").starts_with("pbkdf2-sha256$" +
                                                  std::to_string(kSecretHashIterations) + "$"));
}

TEST(SecretHash, MatchesPbkdf2HmacSha256OfThePublishedVector) {
  // RFC 7914 section 11: PBKDF2-HMAC-SHA256("passwd", "salt", 1, 64); the
  // first 32 bytes.
  const std::string salt = crypto::base64url("salt");
  const std::string want = crypto::base64url(
      std::string("\x55\xac\x04\x6e\x56\xe3\x08\x9f\xec\x16\x91\xc2\x25\x44\xb6\x05"
                  "\xf9\x41\x85\x21\x6d\xde\x04\x65\xe6\x8b\x9d\x57\xc2\x0d\xac\xbc",
                  32));
  EXPECT_TRUE(verify_client_secret("passwd", "pbkdf2-sha256$1$" + salt + "$" + want));
  EXPECT_FALSE(verify_client_secret("passwe", "pbkdf2-sha256$1$" + salt + "$" + want));
}

TEST(SecretHash, MalformedStoredValuesNeverVerify) {
  const std::string good = hash_client_secret("s", 1000);
  for (const std::string& bad :
       {std::string(""), std::string("s"), std::string("pbkdf2-sha256$1000$"),
        "bcrypt" + good.substr(good.find('$')), std::string("pbkdf2-sha256$0$AAAA$AAAA"),
        std::string("pbkdf2-sha256$x$AAAA$AAAA"), std::string("pbkdf2-sha256$99999999$AAAA$AAAA"),
        good + "$extra", good.substr(0, good.size() - 2)}) {
    EXPECT_FALSE(verify_client_secret("s", bad)) << bad;
  }
}

TEST(SecretHash, GeneratedIdsAndSecretsHaveTheirForm) {
  const std::string id = generate_client_id();
  const std::string secret = generate_client_secret();
  EXPECT_TRUE(id.starts_with("cl_"));
  EXPECT_EQ(id.size(), 19u);
  EXPECT_TRUE(secret.starts_with("cs_"));
  EXPECT_EQ(secret.size(), 46u);
  EXPECT_NE(generate_client_secret(), secret);
}

}  // namespace
}  // namespace skillsync::auth
