// auth/token_request: the JSON body (TechWolf's flow), the form body
// (RFC 6749 section 4.4.2) and HTTP Basic client authentication (2.3.1).
#include "auth/token_request.hpp"

#include <gtest/gtest.h>

#include "common/crypto.hpp"

namespace skillsync::auth {
namespace {

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kForm = "application/x-www-form-urlencoded";

std::string basic(std::string_view user_pass) {
  // Standard base64 from base64url (the header uses + and / and padding).
  std::string b = crypto::base64url(user_pass);
  for (char& c : b) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (b.size() % 4 != 0) b += '=';
  return "Basic " + b;
}

TEST(TokenRequest, ReadsThePublishedJsonBody) {
  auto r = parse_token_request(
      kJson,
      R"({"client_id":"cl_1","client_secret":"cs_x","grant_type":"client_credentials",
          "audience":"https://api.example","tenant":"acme","scopes":["read","write"],
          "extra":{"ignored":true}})",
      "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->client_id, "cl_1");
  EXPECT_EQ(r->client_secret.reveal(), "cs_x");
  EXPECT_EQ(r->grant_type, "client_credentials");
  EXPECT_EQ(r->audience, "https://api.example");
  EXPECT_EQ(r->tenant, "acme");
  EXPECT_EQ(r->scope, "read write");
  EXPECT_FALSE(r->basic_auth);
  auto s = parse_token_request("application/json; charset=utf-8",
                               R"({"client_id":"a","client_secret":"b","scopes":"read"})", "");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->scope, "read");
  EXPECT_FALSE(s->tenant.has_value());
  EXPECT_EQ(s->grant_type, "");
}

TEST(TokenRequest, ReadsTheFormBodyWithItsEscapes) {
  auto r = parse_token_request(
      kForm, "grant_type=client_credentials&client_id=cl_1&client_secret=a%2Bb+c%26&scope=read",
      "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->grant_type, "client_credentials");
  EXPECT_EQ(r->client_id, "cl_1");
  EXPECT_EQ(r->client_secret.reveal(), "a+b c&");
  EXPECT_EQ(r->scope, "read");
  EXPECT_FALSE(r->audience.has_value());
}

TEST(TokenRequest, ReadsHttpBasicCredentials) {
  auto r = parse_token_request(kForm, "grant_type=client_credentials",
                               basic("cl_1:secret%3Awith%3Acolons"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->basic_auth);
  EXPECT_EQ(r->client_id, "cl_1");
  EXPECT_EQ(r->client_secret.reveal(), "secret:with:colons");
  // The same client_id in the body too is allowed; a secret is not.
  EXPECT_TRUE(parse_token_request(kForm, "grant_type=x&client_id=cl_1", basic("cl_1:s")).ok());
  auto both = parse_token_request(kForm, "client_secret=s", basic("cl_1:s"));
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.error().code, "invalid_request");
  EXPECT_EQ(parse_token_request(kForm, "", "Basic !!!").error().code, "invalid_request");
  EXPECT_EQ(parse_token_request(kForm, "", basic("no-colon")).error().code, "invalid_request");
}

TEST(TokenRequest, RefusesMalformedBodies) {
  struct Case {
    std::string_view content_type, body;
  };
  for (const Case& c : {Case{kForm, "client_id=a&client_id=b&client_secret=s"},
                        Case{kForm, "client_id=a&client_secret=%zz"},
                        Case{kForm, "client_id=a&client_secret=%4"}, Case{kJson, "not json"},
                        Case{kJson, "[1]"}, Case{kJson, R"({"client_id":1,"client_secret":"s"})"},
                        Case{kJson, R"({"client_id":"a","client_secret":"s","scopes":[1]})"},
                        Case{kJson, R"({"client_id":"a","client_secret":"s","scope":"r",
                                        "scopes":"w"})"},
                        Case{"text/plain", "client_id=a&client_secret=s"},
                        Case{"", "client_id=a&client_secret=s"}}) {
    auto r = parse_token_request(c.content_type, c.body, "");
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.error().code, "invalid_request") << c.body;
  }
}

TEST(TokenRequest, MissingCredentialsAreInvalidClient) {
  for (std::string_view body : {"grant_type=client_credentials", "client_id=a", "client_secret=s",
                                "client_id=&client_secret=s"}) {
    auto r = parse_token_request(kForm, body, "");
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, "invalid_client") << body;
  }
  // A Bearer header is not client authentication.
  EXPECT_EQ(parse_token_request(kForm, "grant_type=x", "Bearer abc").error().code,
            "invalid_client");
}

TEST(TokenRequest, FormDecodeHandlesPlusAndPercent) {
  EXPECT_EQ(form_decode("a+b%20c%2b%2B").value(), "a b c++");
  EXPECT_EQ(form_decode("").value(), "");
  EXPECT_FALSE(form_decode("%").ok());
  EXPECT_FALSE(form_decode("%g0").ok());
}

}  // namespace
}  // namespace skillsync::auth
