// SigV4 against AWS's published vectors: the aws-c-auth signing test suite
// (tests/aws-signing-test-suite/v4 in awslabs/aws-c-auth, header-signed
// variants) and the worked examples of AWS's S3 SigV4 documentation.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/crypto.hpp"
#include "common/time.hpp"
#include "source/s3/s3.hpp"

namespace skillsync::source::s3 {
namespace {

Micros utc(int64_t y, unsigned m, unsigned d, int64_t hh, int64_t mm, int64_t ss) {
  return (days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss) * 1000000;
}

const std::string kEmptySha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string field(const std::string& auth, const std::string& name) {
  const size_t at = auth.find(name + "=");
  if (at == std::string::npos) return "";
  const size_t from = at + name.size() + 1;
  const size_t end = auth.find(',', from);
  return auth.substr(from, end == std::string::npos ? std::string::npos : end - from);
}

// --- aws-c-auth suite: service "service", double encoding, normalisation --

struct SuiteVector {
  std::string name;
  std::string method;
  std::string path;  // the request line's path (the wire path)
  std::multimap<std::string, std::string> query;
  std::map<std::string, std::string> headers;
  std::string session_token;
  std::string signed_headers;
  std::string signature;
};

const std::string kUnreserved =
    "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

std::vector<SuiteVector> suite_vectors() {
  const std::string base = "host;x-amz-date";
  return {
      {"get-vanilla",
       "GET",
       "/",
       {},
       {},
       "",
       base,
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-vanilla-query-order-key-case",
       "GET",
       "/",
       {{"Param2", "value2"}, {"Param1", "value1"}},
       {},
       "",
       base,
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-vanilla-query-unreserved",
       "GET",
       "/",
       {{kUnreserved, kUnreserved}},
       {},
       "",
       base,
       "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
      {"get-vanilla-empty-query-key",
       "GET",
       "/",
       {{"Param1", "value1"}},
       {},
       "",
       base,
       "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
      {"get-vanilla-utf8-query",
       "GET",
       "/",
       {{"\xE1\x88\xB4", "bar"}},
       {},
       "",
       base,
       "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
      {"get-vanilla-query-order-encoded",
       "GET",
       "/",
       {{"Param-3", "Value3"}, {"Param", "Value2"}, {"\xE1\x88\xB4", "Value1"}},
       {},
       "",
       base,
       "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac"},
      {"get-unreserved",
       "GET",
       "/" + kUnreserved,
       {},
       {},
       "",
       base,
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      {"get-utf8",
       "GET",
       "/\xE1\x88\xB4",
       {},
       {},
       "",
       base,
       "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
      {"get-space-normalized",
       "GET",
       "/example space/",
       {},
       {},
       "",
       base,
       "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
      {"get-slashes-normalized",
       "GET",
       "//example//",
       {},
       {},
       "",
       base,
       "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"},
      {"get-relative-relative-normalized",
       "GET",
       "/example1/example2/../..",
       {},
       {},
       "",
       base,
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-header-value-trim",
       "GET",
       "/",
       {},
       {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}},
       "",
       "host;my-header1;my-header2;x-amz-date",
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      // Repeated headers (and, in this suite, folded continuation lines)
      // reach the signer already joined with ',' in order.
      {"get-header-key-duplicate",
       "GET",
       "/",
       {},
       {{"my-header1", "value2,value2,value1"}},
       "",
       "host;my-header1;x-amz-date",
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
      {"get-header-value-multiline",
       "GET",
       "/",
       {},
       {{"my-header1", "value1,value2,value3"}},
       "",
       "host;my-header1;x-amz-date",
       "ba17b383a53190154eb5fa66a1b836cc297cc0a3d70a5d00705980573d8ff790"},
      {"post-vanilla",
       "POST",
       "/",
       {},
       {},
       "",
       base,
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"get-vanilla-with-session-token",
       "GET",
       "/",
       {},
       {},
       "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
       "host;x-amz-date;x-amz-security-token",
       "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8"},
      {"post-sts-header-before",
       "POST",
       "/",
       {},
       {},
       "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxf"
       "pSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPk"
       "yQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBA"
       "z+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==",
       "host;x-amz-date;x-amz-security-token",
       "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"},
  };
}

class AwsSigningSuite : public ::testing::TestWithParam<SuiteVector> {};

TEST_P(AwsSigningSuite, MatchesPublishedSignature) {
  const SuiteVector& v = GetParam();
  HttpRequest req;
  req.method = v.method;
  req.host = "example.amazonaws.com";
  req.path = v.path;
  req.query = v.query;
  req.headers = v.headers;
  req.payload_sha256 = kEmptySha;
  Credentials creds{"AKIDEXAMPLE", SecretString("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                    SecretString(v.session_token)};
  SigningParams params;
  params.region = "us-east-1";
  params.service = "service";
  params.time = utc(2015, 8, 30, 12, 36, 0);
  params.s3_path_encoding = false;

  const auto headers = sign_request(req, creds, params);
  ASSERT_EQ(headers.count("authorization"), 1u);
  const std::string& auth = headers.at("authorization");
  EXPECT_TRUE(auth.starts_with(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "))
      << auth;
  EXPECT_EQ(field(auth, "SignedHeaders"), v.signed_headers);
  EXPECT_EQ(field(auth, "Signature"), v.signature);
  EXPECT_EQ(headers.at("x-amz-date"), "20150830T123600Z");
  EXPECT_EQ(headers.at("host"), "example.amazonaws.com");
  // Only S3 requires the payload hash header; the suite signs without it.
  EXPECT_EQ(headers.count("x-amz-content-sha256"), 0u);
  EXPECT_EQ(headers.count("x-amz-security-token"), v.session_token.empty() ? 0u : 1u);
}

INSTANTIATE_TEST_SUITE_P(V4, AwsSigningSuite, ::testing::ValuesIn(suite_vectors()),
                         [](const auto& info) {
                           std::string name = info.param.name;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

TEST(AwsSigningSuite, NonS3PathsAreEncodedOnTopOfTheWireEncoding) {
  HttpRequest req{"GET", "example.amazonaws.com", "/a%20b/./c", {}, {}, kEmptySha};
  SigningParams params{"us-east-1", "service", utc(2015, 8, 30, 12, 36, 0), false};
  const std::string canonical = canonical_request(req, {{"host", req.host}}, params);
  EXPECT_TRUE(canonical.starts_with("GET\n/a%2520b/c\n\n")) << canonical;
}

// --- S3 documentation examples (examplebucket, 2013-05-24) ----------------

Credentials s3_doc_creds() {
  return {"AKIAIOSFODNN7EXAMPLE", SecretString("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), {}};
}

SigningParams s3_doc_params() {
  SigningParams p;
  p.region = "us-east-1";
  p.time = utc(2013, 5, 24, 0, 0, 0);
  return p;
}

TEST(S3DocExamples, GetObjectWithRange) {
  HttpRequest req;
  req.method = "GET";
  req.host = "examplebucket.s3.amazonaws.com";
  req.path = "/test.txt";
  req.headers = {{"range", "bytes=0-9"}};
  req.payload_sha256 = kEmptySha;
  const auto params = s3_doc_params();

  const auto headers = sign_request(req, s3_doc_creds(), params);
  const std::string expected_canonical =
      "GET\n/test.txt\n\n"
      "host:examplebucket.s3.amazonaws.com\n"
      "range:bytes=0-9\n"
      "x-amz-content-sha256:" +
      kEmptySha +
      "\n"
      "x-amz-date:20130524T000000Z\n\n"
      "host;range;x-amz-content-sha256;x-amz-date\n" +
      kEmptySha;
  const std::string canonical = canonical_request(req, headers, params);
  // `headers` now also holds "authorization", which must not be signed:
  // compare against the request signed without it.
  auto unsigned_headers = headers;
  unsigned_headers.erase("authorization");
  EXPECT_EQ(canonical_request(req, unsigned_headers, params), expected_canonical);
  EXPECT_EQ(string_to_sign(expected_canonical, params),
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(headers.at("authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(headers.at("x-amz-content-sha256"), kEmptySha);
  EXPECT_EQ(headers.at("range"), "bytes=0-9");
}

TEST(S3DocExamples, PutObjectEncodesDollarOnce) {
  HttpRequest req;
  req.method = "PUT";
  req.host = "examplebucket.s3.amazonaws.com";
  req.path = "/test$file.text";
  req.headers = {{"date", "Fri, 24 May 2013 00:00:00 GMT"},
                 {"x-amz-storage-class", "REDUCED_REDUNDANCY"}};
  req.payload_sha256 = crypto::sha256_hex("Welcome to Amazon S3.");
  ASSERT_EQ(req.payload_sha256, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  auto headers = sign_request(req, s3_doc_creds(), s3_doc_params());
  const std::string auth = headers.at("authorization");
  EXPECT_EQ(field(auth, "SignedHeaders"),
            "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class");
  EXPECT_EQ(field(auth, "Signature"),
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
  headers.erase("authorization");
  const std::string canonical = canonical_request(req, headers, s3_doc_params());
  EXPECT_TRUE(canonical.starts_with("PUT\n/test%24file.text\n\n")) << canonical;
  EXPECT_EQ(crypto::sha256_hex(canonical),
            "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
}

TEST(S3DocExamples, GetBucketLifecycleQueryWithoutValue) {
  HttpRequest req{"GET", "examplebucket.s3.amazonaws.com", "/", {{"lifecycle", ""}}, {}, kEmptySha};
  const auto headers = sign_request(req, s3_doc_creds(), s3_doc_params());
  EXPECT_EQ(field(headers.at("authorization"), "Signature"),
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(S3DocExamples, ListObjectsSortsQuery) {
  HttpRequest req{"GET", "examplebucket.s3.amazonaws.com",
                  "/",   {{"prefix", "J"}, {"max-keys", "2"}},
                  {},    kEmptySha};
  const auto headers = sign_request(req, s3_doc_creds(), s3_doc_params());
  EXPECT_EQ(field(headers.at("authorization"), "Signature"),
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

// --- properties of our own ---------------------------------------------

TEST(SignRequest, SubSecondTimeIsTruncatedNotRounded) {
  HttpRequest req{"GET", "examplebucket.s3.amazonaws.com", "/test.txt",
                  {},    {{"range", "bytes=0-9"}},         kEmptySha};
  auto params = s3_doc_params();
  params.time += 999999;
  const auto headers = sign_request(req, s3_doc_creds(), params);
  EXPECT_EQ(headers.at("x-amz-date"), "20130524T000000Z");
  EXPECT_EQ(field(headers.at("authorization"), "Signature"),
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SignRequest, SessionTokenIsSentAndSignedForS3) {
  HttpRequest req{"GET", "b.s3.amazonaws.com", "/k", {}, {}, kEmptySha};
  Credentials creds = s3_doc_creds();
  creds.session_token = SecretString("token-value");
  const auto headers = sign_request(req, creds, s3_doc_params());
  EXPECT_EQ(headers.at("x-amz-security-token"), "token-value");
  EXPECT_EQ(field(headers.at("authorization"), "SignedHeaders"),
            "host;x-amz-content-sha256;x-amz-date;x-amz-security-token");
}

TEST(SignRequest, AuthorizationNeverContainsTheSecretOrToken) {
  HttpRequest req{"GET", "b.s3.amazonaws.com", "/k", {}, {}, kEmptySha};
  Credentials creds = s3_doc_creds();
  creds.session_token = SecretString("token-value");
  const auto headers = sign_request(req, creds, s3_doc_params());
  const std::string& auth = headers.at("authorization");
  EXPECT_EQ(auth.find(creds.secret_access_key.reveal()), std::string::npos);
  EXPECT_EQ(auth.find("token-value"), std::string::npos);
}

TEST(SignRequest, DifferentSecretGivesDifferentSignature) {
  HttpRequest req{"GET", "b.s3.amazonaws.com", "/k", {}, {}, kEmptySha};
  Credentials other = s3_doc_creds();
  other.secret_access_key = SecretString("another-secret");
  EXPECT_NE(sign_request(req, s3_doc_creds(), s3_doc_params()).at("authorization"),
            sign_request(req, other, s3_doc_params()).at("authorization"));
}

TEST(CanonicalRequest, S3KeysAreEncodedOnceAndNotNormalised) {
  HttpRequest req{"GET", "h", "/bucket/a b+c=d(e)*f/../\xC3\xA9.csv", {}, {}, "UNSIGNED-PAYLOAD"};
  const std::string canonical = canonical_request(req, {{"host", "h"}}, s3_doc_params());
  EXPECT_EQ(
      canonical,
      "GET\n/bucket/a%20b%2Bc%3Dd%28e%29%2Af/../%C3%A9.csv\n\nhost:h\n\nhost\nUNSIGNED-PAYLOAD");
}

TEST(CanonicalRequest, QuerySortedByEncodedKeyThenValue) {
  HttpRequest req{"GET", "h",
                  "/",   {{"b", "2"}, {"a", "z"}, {"a", "y"}, {"A", "x"}, {"c d", "e/f"}},
                  {},    "UNSIGNED-PAYLOAD"};
  const std::string canonical = canonical_request(req, {{"host", "h"}}, s3_doc_params());
  EXPECT_TRUE(canonical.starts_with("GET\n/\nA=x&a=y&a=z&b=2&c%20d=e%2Ff\n")) << canonical;
}

}  // namespace
}  // namespace skillsync::source::s3
