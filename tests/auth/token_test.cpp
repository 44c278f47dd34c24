// auth/token: signing and verifying access tokens: round trip, tampering,
// expiry at the exact second, wrong algorithms ("none", RS256), wrong keys.
#include "auth/token.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/crypto.hpp"

namespace skillsync::auth {
namespace {
namespace json = boost::json;

constexpr int64_t kNow = 1'700'000'000;

TokenClaims claims() {
  return TokenClaims{"acme", "read,write", "cl_0123456789abcdef", kNow, kNow + 3600, "jti-1"};
}

TokenSigner signer(std::string_view master = std::string(32, 'k')) {
  return TokenSigner(signing_key_from_master(master));
}

std::vector<std::string> parts(const std::string& token) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t dot = token.find('.'); dot != std::string::npos; dot = token.find('.', start)) {
    out.push_back(token.substr(start, dot - start));
    start = dot + 1;
  }
  out.push_back(token.substr(start));
  return out;
}

TEST(Token, ASignedTokenVerifiesWithEveryClaim) {
  const std::string token = signer().sign(claims());
  EXPECT_TRUE(looks_like_token(token));
  auto got = signer().verify(token, kNow + 10);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->tenant, "acme");
  EXPECT_EQ(got->scopes, "read,write");
  EXPECT_EQ(got->client_id, "cl_0123456789abcdef");
  EXPECT_EQ(got->iat, kNow);
  EXPECT_EQ(got->exp, kNow + 3600);
  EXPECT_EQ(got->jti, "jti-1");
}

TEST(Token, TheHeaderIsHs256JwtAndThePayloadUsesOAuthScopeForm) {
  const auto p = parts(signer().sign(claims()));
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(crypto::base64url_decode(p[0]).value(), R"({"alg":"HS256","typ":"JWT"})");
  json::object payload = json::parse(crypto::base64url_decode(p[1]).value()).as_object();
  EXPECT_EQ(payload.at("scope").as_string(), "read write");
  EXPECT_EQ(payload.at("tenant").as_string(), "acme");
  // The signature is HMAC-SHA256 over header.payload with the derived key.
  const std::string key = signing_key_from_master(std::string(32, 'k')).reveal();
  const auto mac = crypto::hmac_sha256(key, p[0] + "." + p[1]);
  EXPECT_EQ(p[2], crypto::base64url(std::string(mac.begin(), mac.end())));
}

TEST(Token, TheSigningKeyIsDerivedAndDiffersFromTheMasterKey) {
  const std::string master(32, 'k');
  EXPECT_EQ(signing_key_from_master(master).size(), 32u);
  EXPECT_NE(signing_key_from_master(master).reveal(), master);
  EXPECT_EQ(signing_key_from_master(master), signing_key_from_master(master));
  EXPECT_NE(signing_key_from_master(master), signing_key_from_master(std::string(32, 'j')));
}

TEST(Token, ExpiresAtExpAndNotBefore) {
  const std::string token = signer().sign(claims());
  EXPECT_TRUE(signer().verify(token, kNow + 3599).ok());
  auto expired = signer().verify(token, kNow + 3600);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code, "expired_token");
  auto early = signer().verify(token, kNow - 1);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, "invalid_token");
}

TEST(Token, ATamperedPayloadOrSignatureIsRefused) {
  const std::string token = signer().sign(claims());
  const auto p = parts(token);
  TokenClaims other = claims();
  other.tenant = "evil";
  other.scopes = "read,write";
  const auto forged = parts(signer("another master key, 32 bytes lng").sign(other));
  // Another tenant's payload under the original signature.
  auto swapped = signer().verify(p[0] + "." + forged[1] + "." + p[2], kNow);
  ASSERT_FALSE(swapped.ok());
  EXPECT_EQ(swapped.error().code, "invalid_token");
  // A token signed with another key.
  EXPECT_FALSE(signer().verify(forged[0] + "." + forged[1] + "." + forged[2], kNow).ok());
  // One flipped signature character.
  std::string flipped = token;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(signer().verify(flipped, kNow).ok());
  EXPECT_FALSE(signer().verify(token + "x", kNow).ok());
  EXPECT_FALSE(signer().verify(p[0] + "." + p[1], kNow).ok());
}

TEST(Token, OtherAlgorithmsAreRefused) {
  const auto p = parts(signer().sign(claims()));
  for (std::string_view header : {R"({"alg":"none","typ":"JWT"})", R"({"alg":"RS256"})",
                                  R"({"alg":"hs256"})", R"({"typ":"JWT"})"}) {
    const std::string h = crypto::base64url(header);
    // Even correctly HMAC-signed with the real key: the algorithm decides.
    const std::string key = signing_key_from_master(std::string(32, 'k')).reveal();
    const auto mac = crypto::hmac_sha256(key, h + "." + p[1]);
    const std::string sig = crypto::base64url(std::string(mac.begin(), mac.end()));
    for (const std::string& token : {h + "." + p[1] + "." + sig, h + "." + p[1] + "."}) {
      auto got = signer().verify(token, kNow);
      ASSERT_FALSE(got.ok()) << header;
      EXPECT_EQ(got.error().code, "invalid_token");
    }
  }
}

TEST(Token, APayloadLackingAClaimIsRefusedEvenWhenSigned) {
  const std::string h = crypto::base64url(R"({"alg":"HS256","typ":"JWT"})");
  const std::string body = crypto::base64url(R"({"tenant":"acme","scope":"read","iat":1})");
  const std::string key = signing_key_from_master(std::string(32, 'k')).reveal();
  const auto mac = crypto::hmac_sha256(key, h + "." + body);
  auto got = signer().verify(
      h + "." + body + "." + crypto::base64url(std::string(mac.begin(), mac.end())), kNow);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, "invalid_token");
}

TEST(Token, ApiKeysDoNotLookLikeTokens) {
  EXPECT_FALSE(looks_like_token("sk_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"));
  EXPECT_FALSE(looks_like_token("eyJhbGc"));
  EXPECT_FALSE(looks_like_token("eyJa.b"));
  EXPECT_FALSE(looks_like_token("eyJa.b.c.d"));
  EXPECT_FALSE(looks_like_token("eyJa..c"));
  EXPECT_FALSE(looks_like_token("eyJa.b c.d"));
  EXPECT_TRUE(looks_like_token("eyJa.b.c"));
}

}  // namespace
}  // namespace skillsync::auth
