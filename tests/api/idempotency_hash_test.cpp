// The Idempotency-Key fingerprint: canonical (order and spacing do not
// matter) and free of secrets (a retry with rotated credentials is the same
// request; nothing derived from a secret is stored).
#include "api/idempotency_hash.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace skillsync::api {
namespace {
namespace json = boost::json;

std::string hash(std::string_view body) { return idempotency_hash(json::parse(body)); }

TEST(IdempotencyHashTest, MemberOrderAndSpacingDoNotMatter) {
  EXPECT_EQ(hash(R"({"a":1,"b":{"y":"2","x":[1,{"q":1,"p":2}]}})"),
            hash(R"({ "b" : { "x" : [ 1 , { "p":2, "q":1 } ], "y":"2" }, "a" : 1 })"));
  EXPECT_NE(hash(R"({"a":1})"), hash(R"({"a":2})"));
  EXPECT_NE(hash(R"({"a":[1,2]})"), hash(R"({"a":[2,1]})"));
}

TEST(IdempotencyHashTest, SecretsAreLeftOut) {
  const std::string a =
      R"({"entity_type":"learning","method":"s3_iam_user","uri":"s3://b/f.csv",
          "credentials":{"aws_access_key_id":"AKIA1","aws_secret_access_key":"SECRET-A",
                         "aws_session_token":"TOKEN-A"}})";
  std::string b = a;
  b.replace(b.find("SECRET-A"), 8, "SECRET-B");
  b.replace(b.find("TOKEN-A"), 7, "TOKEN-B");
  EXPECT_EQ(hash(a), hash(b));
  const std::string form = idempotency_canonical_form(json::parse(a));
  EXPECT_EQ(form.find("SECRET"), std::string::npos) << form;
  EXPECT_EQ(form.find("TOKEN"), std::string::npos) << form;
  EXPECT_EQ(form.find("aws_secret_access_key"), std::string::npos) << form;
  EXPECT_NE(form.find("AKIA1"), std::string::npos) << "the key id is no secret";
  std::string other_key = a;
  other_key.replace(other_key.find("AKIA1"), 5, "AKIA2");
  EXPECT_NE(hash(a), hash(other_key));
}

TEST(IdempotencyHashTest, PresignedUrlSignatureIsLeftOut) {
  const std::string a =
      R"({"entity_type":"learning","method":"s3_presigned_url",
          "uri":"https://s3.example/b/f.csv?X-Amz-Signature=abc&X-Amz-Credential=k"})";
  std::string b = a;
  b.replace(b.find("abc"), 3, "def");
  EXPECT_EQ(hash(a), hash(b));
  EXPECT_EQ(idempotency_canonical_form(json::parse(a)).find("Signature"), std::string::npos);
  std::string other_object = a;
  other_object.replace(other_object.find("f.csv"), 5, "g.csv");
  EXPECT_NE(hash(a), hash(other_object));
  // Only a presigned task's uri is a secret: an s3:// uri stays whole.
  EXPECT_NE(hash(R"({"method":"s3_iam_user","uri":"s3://b/f.csv?x"})"),
            hash(R"({"method":"s3_iam_user","uri":"s3://b/f.csv?y"})"));
}

}  // namespace
}  // namespace skillsync::api
