// Presigned URLs: signing (AWS's documented example), validating a URL a
// user gives, streaming it with the same retry / resume machinery, and
// keeping its query string out of every message.
#include <gtest/gtest.h>

#include "scripted_transport.hpp"
#include "source/s3/s3.hpp"
#include "source/s3/s3_internal.hpp"

namespace skillsync::source::s3 {
namespace {

using testing::Canned;
using testing::s3_error_xml;
using testing::Script;
using testing::ScriptedTransport;

Micros utc(int64_t y, unsigned m, unsigned d, int h, int mi, int s) {
  return (days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + s) * 1000000LL;
}

Credentials doc_creds() {
  return {"AKIAIOSFODNN7EXAMPLE", SecretString("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), {}};
}

// AWS, "Authenticating Requests: Using Query Parameters (AWS Signature
// Version 4)", example presigned URL.
TEST(PresignGet, MatchesAwsDocumentedExample) {
  ClientConfig config;  // us-east-1, AWS
  auto url = presign_get(config, {"examplebucket", "test.txt"}, doc_creds(),
                         std::chrono::seconds(86400), utc(2013, 5, 24, 0, 0, 0));
  ASSERT_TRUE(url.ok()) << url.error().message;
  EXPECT_EQ(*url,
            "https://examplebucket.s3.amazonaws.com/test.txt"
            "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(PresignGet, SessionTokenIsSignedIntoTheQuery) {
  ClientConfig config;
  Credentials creds = doc_creds();
  const auto t = utc(2013, 5, 24, 0, 0, 0);
  auto without =
      presign_get(config, {"examplebucket", "test.txt"}, creds, std::chrono::seconds(60), t);
  creds.session_token = SecretString("tok/en+=");
  auto with =
      presign_get(config, {"examplebucket", "test.txt"}, creds, std::chrono::seconds(60), t);
  ASSERT_TRUE(without.ok());
  ASSERT_TRUE(with.ok());
  EXPECT_NE(with->find("&X-Amz-Security-Token=tok%2Fen%2B%3D&"), std::string::npos) << *with;
  EXPECT_NE(with->substr(with->find("X-Amz-Signature=")),
            without->substr(without->find("X-Amz-Signature=")));
}

TEST(PresignGet, EndpointRegionAndLimits) {
  ClientConfig config;
  config.endpoint = "http://127.0.0.1:9000";
  config.region = "eu-west-1";
  const auto t = utc(2024, 1, 2, 3, 4, 5);
  auto url =
      presign_get(config, {"bucket", "a b/c+d.csv"}, doc_creds(), std::chrono::seconds(604800), t);
  ASSERT_TRUE(url.ok());
  EXPECT_TRUE(url->starts_with("http://127.0.0.1:9000/bucket/a%20b/c%2Bd.csv?X-Amz-Algorithm="))
      << *url;
  EXPECT_NE(url->find("%2F20240102%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date=20240102T030405Z"
                      "&X-Amz-Expires=604800&"),
            std::string::npos);
  for (int64_t bad : {0, -1, 604801}) {
    auto r = presign_get(config, {"bucket", "k"}, doc_creds(), std::chrono::seconds(bad), t);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "invalid_argument");
  }
  config.endpoint = "ftp://x";
  EXPECT_EQ(
      presign_get(config, {"bucket", "k"}, doc_creds(), std::chrono::seconds(1), t).error().code,
      "invalid_endpoint");
}

TEST(AwsS3Host, DocumentedFormsOnly) {
  for (const char* good :
       {"s3.amazonaws.com", "bucket.s3.amazonaws.com", "bucket.s3.eu-west-1.amazonaws.com",
        "s3.eu-west-1.amazonaws.com", "bucket.s3-eu-west-1.amazonaws.com",
        "my.dotted.bucket.s3.us-east-2.amazonaws.com",
        "bucket.s3.dualstack.ap-south-1.amazonaws.com",
        "bucket.s3-fips.us-gov-west-1.amazonaws.com",
        "ap-123456789012.s3-accesspoint.eu-west-1.amazonaws.com",
        "bucket.s3.cn-north-1.amazonaws.com.cn", "bucket.s3-external-1.amazonaws.com"}) {
    EXPECT_TRUE(internal::is_aws_s3_host(good)) << good;
  }
  for (const char* bad :
       {"amazonaws.com", "s3.amazonaws.com.evil.com", "evil.com", "bucket.s3.evil.com",
        // Hosts whose names customers choose: load balancers, API gateways, EC2.
        "s3-123456.us-east-1.elb.amazonaws.com", "s3.execute-api.us-east-1.amazonaws.com",
        "ec2-1-2-3-4.compute-1.amazonaws.com", "bucket.s3-website-us-east-1.amazonaws.com",
        "bucket.s3-website.eu-west-1.amazonaws.com", "bucket.s3.eu_west.amazonaws.com",
        "bucket..s3.amazonaws.com", "bucket.s3.EU-WEST-1.amazonaws.com"}) {
    EXPECT_FALSE(internal::is_aws_s3_host(bad)) << bad;
  }
}

TEST(RedactUrl, DropsQueryFragmentAndUserinfo) {
  EXPECT_EQ(redact_url("https://b.s3.amazonaws.com/k.csv?X-Amz-Signature=abc#f"),
            "https://b.s3.amazonaws.com/k.csv");
  EXPECT_EQ(redact_url("https://user:pw@host:8443/p?q"), "https://host:8443/p");
  EXPECT_EQ(redact_url("https://host?q=1"), "https://host");
  EXPECT_EQ(redact_url("not a url?secret"), "not a url");
}

constexpr const char* kQuery =
    "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20240101%2Fus-east-1%2Fs3%2F"
    "aws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host"
    "&X-Amz-Security-Token=SESSION-TOKEN-SECRET&X-Amz-Signature=0123456789abcdef0123456789abcdef";

TEST(ParsePresignedUrl, AcceptsAwsHostsAndTheConfiguredEndpoint) {
  ClientConfig aws;
  for (const std::string url :
       {"https://bucket.s3.eu-west-1.amazonaws.com/dir/file.csv",
        "https://bucket.s3.amazonaws.com:443/f", "HTTPS://Bucket.S3.amazonaws.com/f",
        "https://s3.us-west-2.amazonaws.com/bucket/f.csv"}) {
    auto p = parse_presigned_url(url + kQuery, aws);
    ASSERT_TRUE(p.ok()) << url << ": " << p.error().message;
    EXPECT_EQ(p->url.reveal(), url + kQuery);
    EXPECT_EQ(p->redacted.find('?'), std::string::npos);
  }
  auto p = parse_presigned_url(
      std::string("https://bucket.s3.eu-west-1.amazonaws.com/a%20b.csv") + kQuery, aws);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->redacted, "https://bucket.s3.eu-west-1.amazonaws.com/a%20b.csv");

  ClientConfig local;
  local.endpoint = "http://127.0.0.1:9000";
  auto ep = parse_presigned_url(std::string("http://127.0.0.1:9000/bucket/k.csv") + kQuery, local);
  ASSERT_TRUE(ep.ok()) << ep.error().message;
  EXPECT_EQ(ep->redacted, "http://127.0.0.1:9000/bucket/k.csv");
  // AWS stays allowed (https only) when an endpoint is configured.
  EXPECT_TRUE(
      parse_presigned_url(std::string("https://b.s3.amazonaws.com/k") + kQuery, local).ok());
  ClientConfig named;
  named.endpoint = "https://minio.internal";
  EXPECT_TRUE(
      parse_presigned_url(std::string("https://minio.internal:443/b/k") + kQuery, named).ok());
}

TEST(ParsePresignedUrl, RefusesWithAReasonAndWithoutTheQuery) {
  ClientConfig config;
  config.endpoint = "http://127.0.0.1:9000";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty"},
      {"bucket.s3.amazonaws.com/k", "not an absolute URL"},
      {"ftp://bucket.s3.amazonaws.com/k", "scheme must be https"},
      {"http://bucket.s3.amazonaws.com/k", "plain http is allowed only to the configured"},
      {"https://user:pw@bucket.s3.amazonaws.com/k", "user name or password"},
      {"https://bucket.s3.amazonaws.com/k#frag", "fragment"},
      {"https://169.254.169.254/latest/meta-data", "IP address"},
      {"https://[::1]:9000/b/k", "IP address"},
      {"https://127.0.0.1:9001/b/k", "IP address"},
      {"http://127.0.0.1:9001/b/k", "plain http"},
      {"https://evil.example.com/b/k", "neither an Amazon S3 host nor the configured"},
      // Found by fuzz_s3_uri: Boost.URL ends a port at its first non-digit
      // and wraps ports over 65535; neither may pass for the endpoint.
      {"http://127.0.0.1:9000:9000/bucket/key.csv", "path does not start with '/'"},
      {"http://127.0.0.1:74536/bucket/key.csv", "port is not a number from 1 to 65535"},
      {"https://localhost:9000/b/k", "neither an Amazon S3 host"},
      {"https://bucket.s3.amazonaws.com:8443/k", "port 443"},
      {"https://bucket.s3.amazonaws.com/", "does not name an object"},
      {"https://bucket.s3.amazonaws.com/k with space", "printable ASCII"},
  };
  for (const auto& [base, why] : cases) {
    const std::string url = base.empty() ? "" : base + kQuery;
    auto p = parse_presigned_url(url, config);
    ASSERT_FALSE(p.ok()) << url;
    EXPECT_EQ(p.error().code, "invalid_presigned_url");
    EXPECT_NE(p.error().message.find(why), std::string::npos) << p.error().message;
    EXPECT_EQ(p.error().message.find("X-Amz"), std::string::npos) << p.error().message;
    EXPECT_EQ(p.error().message.find("SESSION-TOKEN-SECRET"), std::string::npos);
    EXPECT_EQ(p.error().message.find("pw@"), std::string::npos);
  }
  auto unsigned_url = parse_presigned_url("https://b.s3.amazonaws.com/k?versionId=1", config);
  ASSERT_FALSE(unsigned_url.ok());
  EXPECT_NE(unsigned_url.error().message.find("no signature"), std::string::npos);
  EXPECT_FALSE(parse_presigned_url(std::string(9000, 'a'), config).ok());
}

class PresignedStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = parse_presigned_url(url_, ClientConfig{});
    ASSERT_TRUE(p.ok()) << p.error().message;
    url = *p;
  }
  S3Client client() {
    ClientConfig config;
    config.max_attempts = 3;
    config.backoff_base = std::chrono::milliseconds(1);
    config.backoff_cap = std::chrono::milliseconds(1);
    return S3Client(config, Credentials{}, std::make_unique<ScriptedTransport>(script_));
  }
  const std::string url_ =
      std::string("https://bucket.s3.eu-west-1.amazonaws.com/dir/k.csv") + kQuery;
  PresignedUrl url;
  std::shared_ptr<Script> script_ = std::make_shared<Script>();
};

TEST_F(PresignedStreamTest, SendsTheUrlAsIsAndResumesWithRangeAndIfMatch) {
  // The first answer ends after 4 of its 10 bytes.
  script_->push({200, {{"content-length", "10"}, {"etag", "\"v1\""}}, "0123"});
  script_->push({206, {{"content-range", "bytes 4-9/10"}, {"etag", "\"v1\""}}, "456789"});
  auto c = client();
  auto s = c.get_presigned(url);
  ASSERT_TRUE(s.ok()) << s.error().message;
  std::string data;
  char buf[8];
  for (;;) {
    auto n = (*s)->read(buf);
    ASSERT_TRUE(n.ok()) << n.error().message;
    if (*n == 0) break;
    data.append(buf, *n);
  }
  EXPECT_EQ(data, "0123456789");
  ASSERT_EQ(script_->count(), 2u);
  const auto first = script_->request(0);
  EXPECT_EQ(first.url, url_);
  EXPECT_EQ(first.method, "GET");
  EXPECT_EQ(first.headers.count("authorization"), 0u);  // nothing signed by us
  EXPECT_EQ(first.headers.count("host"), 0u);           // curl derives it from the URL
  const auto second = script_->request(1);
  EXPECT_EQ(second.url, url_);
  EXPECT_EQ(second.headers.at("range"), "bytes=4-");
  EXPECT_EQ(second.headers.at("if-match"), "\"v1\"");
}

TEST_F(PresignedStreamTest, ErrorsShowTheUrlWithoutItsQuery) {
  // A server that echoes the signature and token back in its message.
  script_->push({403,
                 {},
                 s3_error_xml("SignatureDoesNotMatch",
                              "bad 0123456789abcdef0123456789abcdef for SESSION-TOKEN-SECRET")});
  script_->push({403, {}, s3_error_xml("AccessDenied", "Request has expired")});
  script_->fallback = {0, {}, "", Error{"connection_failed", "Connection refused"}};
  auto c = client();
  std::vector<Error> errors;
  errors.push_back(c.get_presigned(url).error());
  errors.push_back(c.head_presigned(url).error());
  errors.push_back(c.get_presigned(url).error());
  EXPECT_EQ(errors[1].message,
            "S3 GET https://bucket.s3.eu-west-1.amazonaws.com/dir/k.csv: 403 AccessDenied: Request "
            "has expired");
  EXPECT_EQ(errors[2].code, "connection_failed");
  for (const Error& e : errors) {
    EXPECT_NE(e.message.find("https://bucket.s3.eu-west-1.amazonaws.com/dir/k.csv"),
              std::string::npos)
        << e.message;
    EXPECT_EQ(e.message.find('?'), std::string::npos) << e.message;
    EXPECT_EQ(e.message.find("0123456789abcdef0123456789abcdef"), std::string::npos) << e.message;
    EXPECT_EQ(e.message.find("SESSION-TOKEN-SECRET"), std::string::npos) << e.message;
  }
}

TEST_F(PresignedStreamTest, HeadIsAOneByteGet) {
  script_->push({206, {{"content-range", "bytes 0-0/1234"}, {"etag", "\"v1\""}}, "x"});
  script_->push({416, {}, s3_error_xml("InvalidRange", "The requested range is not satisfiable")});
  auto c = client();
  auto info = c.head_presigned(url);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->size, 1234u);
  EXPECT_EQ(info->etag, "\"v1\"");
  EXPECT_EQ(script_->request(0).method, "GET");
  EXPECT_EQ(script_->request(0).headers.at("range"), "bytes=0-0");
  auto empty = c.head_presigned(url);  // S3 answers 416 for an empty object
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->size, 0u);
}

}  // namespace
}  // namespace skillsync::source::s3
