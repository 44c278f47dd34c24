#include "common/crypto.hpp"

#include <gtest/gtest.h>

#include "common/secret.hpp"

namespace skillsync::crypto {
namespace {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(HmacSha256, Rfc4231Case2) {
  EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Base64Url, RoundTripsAllLengths) {
  std::string data;
  for (int i = 0; i < 40; ++i) {
    auto decoded = base64url_decode(base64url(data));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, data);
    data.push_back(static_cast<char>(i * 37));
  }
  EXPECT_EQ(base64url("\xfb\xff"), "-_8");
  EXPECT_FALSE(base64url_decode("a*bc").ok());
  EXPECT_FALSE(base64url_decode("a").ok());
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
}

TEST(AesGcm, SealOpenRoundTrip) {
  std::string key = random_bytes(32);
  std::string sealed = aes256gcm_seal(key, "top secret", "task-1");
  EXPECT_EQ(sealed.find("top secret"), std::string::npos);
  auto opened = aes256gcm_open(key, sealed, "task-1");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, "top secret");
}

TEST(AesGcm, RejectsTamperingWrongKeyAndWrongContext) {
  std::string key = random_bytes(32);
  std::string sealed = aes256gcm_seal(key, "top secret", "task-1");
  EXPECT_FALSE(aes256gcm_open(key, sealed, "task-2").ok());
  EXPECT_FALSE(aes256gcm_open(random_bytes(32), sealed, "task-1").ok());
  std::string tampered = sealed;
  tampered[14] ^= 1;
  EXPECT_FALSE(aes256gcm_open(key, tampered, "task-1").ok());
  EXPECT_FALSE(aes256gcm_open(key, "short", "task-1").ok());
}

TEST(SecretString, WipesOnMoveAndKeepsValue) {
  SecretString a("hunter2");
  SecretString b(std::move(a));
  EXPECT_EQ(b.reveal(), "hunter2");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): checks the wipe
}

}  // namespace
}  // namespace skillsync::crypto
