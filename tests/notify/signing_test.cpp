// notify/signing: Ed25519 against RFC 8032's test vectors, key sealing and
// the signature header.
#include "notify/signing.hpp"

#include <gtest/gtest.h>

#include "common/crypto.hpp"

namespace skillsync::notify {
namespace {

std::string unhex(std::string_view h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

struct Vector {
  const char* secret;
  const char* public_key;
  const char* message;
  const char* signature;
};

// RFC 8032 section 7.1, TEST 1, TEST 2 and TEST 3.
constexpr Vector kVectors[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b"
     "46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11"
     "d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc"
     "6594a7c15e9716ed28dc027beceea1ec40a"},
};

TEST(Ed25519, MatchesRfc8032Vectors) {
  for (const auto& v : kVectors) {
    SecretString seed(unhex(v.secret));
    auto pub = public_key_of(seed);
    ASSERT_TRUE(pub.ok());
    EXPECT_EQ(crypto::hex(*pub), v.public_key);
    auto sig = ed25519_sign(seed, unhex(v.message));
    ASSERT_TRUE(sig.ok());
    EXPECT_EQ(crypto::hex(*sig), v.signature);
    EXPECT_TRUE(ed25519_verify(*pub, unhex(v.message), *sig));
    EXPECT_FALSE(ed25519_verify(*pub, unhex(v.message) + "x", *sig));
  }
}

TEST(Ed25519, ASealedKeyOpensOnlyForItsEndpointAndWithAKnownMasterKey) {
  SealingKeys keys{SecretString(std::string(32, 'k')), {}};
  KeyPair kp = generate_key_pair();
  EXPECT_EQ(kp.private_seed.size(), 32u);
  const std::string sealed = seal_private_key(keys, "wh_1", kp.private_seed);
  EXPECT_EQ(sealed.find(kp.private_seed.reveal()), std::string::npos);
  auto opened = open_private_key(keys, "wh_1", sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->reveal(), kp.private_seed.reveal());
  EXPECT_EQ(open_private_key(keys, "wh_2", sealed).error().code, "key_unreadable");
  SealingKeys rotated{SecretString(std::string(32, 'n')), {SecretString(std::string(32, 'k'))}};
  EXPECT_TRUE(open_private_key(rotated, "wh_1", sealed).ok());
  SealingKeys other{SecretString(std::string(32, 'n')), {}};
  EXPECT_FALSE(open_private_key(other, "wh_1", sealed).ok());
}

TEST(Ed25519, TheHeaderHoldsOneVerifyingSignaturePerKey) {
  KeyPair a = generate_key_pair();
  KeyPair b = generate_key_pair();
  const std::string msg = signed_message("1700000000", "acme", "evt_1", R"({"x":1})");
  EXPECT_EQ(msg, R"(1700000000:acme:evt_1:{"x":1})");
  auto header = signature_header({a.private_seed, b.private_seed}, msg);
  ASSERT_TRUE(header.ok());
  const size_t comma = header->find(',');
  ASSERT_NE(comma, std::string::npos);
  EXPECT_TRUE(ed25519_verify(a.public_key, msg, unhex(header->substr(0, comma))));
  EXPECT_TRUE(ed25519_verify(b.public_key, msg, unhex(header->substr(comma + 1))));
  EXPECT_FALSE(ed25519_verify(a.public_key, msg, unhex(header->substr(comma + 1))));
}

}  // namespace
}  // namespace skillsync::notify
