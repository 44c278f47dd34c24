// Addressing and regions: which host a request goes to, and the one retry in
// the right region after a wrong-region answer (over a scripted transport).
#include <gtest/gtest.h>

#include "scripted_transport.hpp"
#include "source/s3/s3.hpp"
#include "source/s3/s3_internal.hpp"

namespace skillsync::source::s3 {
namespace {

using internal::region_hint;
using testing::Canned;
using testing::s3_error_xml;
using testing::Script;
using testing::ScriptedTransport;

using Headers = std::map<std::string, std::string>;

TEST(RegionHint, HeaderOfA301Or307Or400) {
  EXPECT_EQ(region_hint(301, {{"x-amz-bucket-region", "eu-west-1"}}, ""), "eu-west-1");
  EXPECT_EQ(region_hint(307, {{"x-amz-bucket-region", "ap-south-1"}}, ""), "ap-south-1");
  EXPECT_EQ(region_hint(400, {{"x-amz-bucket-region", "us-gov-west-1"}}, ""), "us-gov-west-1");
  // Other statuses are not about the region, whatever the headers say.
  EXPECT_EQ(region_hint(403, {{"x-amz-bucket-region", "eu-west-1"}}, ""), std::nullopt);
  EXPECT_EQ(region_hint(200, {{"x-amz-bucket-region", "eu-west-1"}}, ""), std::nullopt);
}

TEST(RegionHint, AuthorizationHeaderMalformedBody) {
  EXPECT_EQ(region_hint(400, {},
                        s3_error_xml("AuthorizationHeaderMalformed",
                                     "The authorization header is malformed; the region "
                                     "'us-east-1' is wrong; expecting 'eu-central-1'",
                                     "<Region>eu-central-1</Region>")),
            "eu-central-1");
  // Without <Region>, the message is all there is.
  EXPECT_EQ(region_hint(400, {},
                        s3_error_xml("AuthorizationHeaderMalformed",
                                     "The authorization header is malformed; the region "
                                     "'us-east-1' is wrong; expecting 'ap-southeast-2'")),
            "ap-southeast-2");
  EXPECT_EQ(region_hint(400, {}, s3_error_xml("InvalidArgument", "expecting 'eu-west-1'")),
            std::nullopt);
}

TEST(RegionHint, PermanentRedirectEndpoint) {
  const auto with_endpoint = [](const std::string& endpoint) {
    return region_hint(301, {},
                       s3_error_xml("PermanentRedirect",
                                    "The bucket you are attempting to access must be addressed "
                                    "using the specified endpoint.",
                                    "<Endpoint>" + endpoint + "</Endpoint><Bucket>b</Bucket>"));
  };
  EXPECT_EQ(with_endpoint("b.s3.eu-west-3.amazonaws.com"), "eu-west-3");
  EXPECT_EQ(with_endpoint("b.s3-eu-west-2.amazonaws.com"), "eu-west-2");
  EXPECT_EQ(with_endpoint("s3.ca-central-1.amazonaws.com"), "ca-central-1");
  EXPECT_EQ(with_endpoint("b.s3.amazonaws.com"), "us-east-1");
  EXPECT_EQ(with_endpoint("b.example.com"), std::nullopt);
}

TEST(RegionHint, RefusesWhatCannotBeARegion) {
  // The region becomes part of a host name: nothing else may get in.
  for (const char* bad : {"", "eu-west-1.evil.com", "EU-WEST-1", "eu west", "../x", "-eu", "eu-",
                          "eu-west-1:8080", "abcdefghijklmnopqrstuvwxyz-0123456789"}) {
    EXPECT_EQ(region_hint(301, {{"x-amz-bucket-region", bad}}, ""), std::nullopt) << bad;
  }
}

TEST(Addressing, UsEast1UsesTheOriginalHost) {
  ClientConfig c;  // us-east-1
  auto t = internal::make_target(c, "bucket", "k.csv");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->url, "https://bucket.s3.amazonaws.com/k.csv");
  auto dotted = internal::make_target(c, "my.bucket", "k.csv");
  ASSERT_TRUE(dotted.ok());
  EXPECT_EQ(dotted->url, "https://s3.amazonaws.com/my.bucket/k.csv");
  auto other = internal::make_target(c, "ap-northeast-1", "bucket", "a b.csv");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->url, "https://bucket.s3.ap-northeast-1.amazonaws.com/a%20b.csv");
  EXPECT_EQ(other->host, "bucket.s3.ap-northeast-1.amazonaws.com");
  // With an endpoint the region does not change the address.
  c.endpoint = "http://127.0.0.1:9000";
  auto ep = internal::make_target(c, "ap-northeast-1", "bucket", "k");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->url, "http://127.0.0.1:9000/bucket/k");
}

class RegionRedirectTest : public ::testing::Test {
 protected:
  S3Client client(const std::string& region = "us-east-1", const std::string& endpoint = "") {
    ClientConfig config;
    config.region = region;
    config.endpoint = endpoint;
    config.max_attempts = 3;
    config.backoff_base = std::chrono::milliseconds(1);
    config.backoff_cap = std::chrono::milliseconds(1);
    return S3Client(config, {"AKIDTEST", SecretString("secret-key-for-tests"), {}},
                    std::make_unique<ScriptedTransport>(script_));
  }
  static Canned object_answer(const std::string& content) {
    return {200, {{"content-length", std::to_string(content.size())}, {"etag", "\"e\""}}, content};
  }
  std::string auth(size_t i) { return script_->request(i).headers.at("authorization"); }

  std::shared_ptr<Script> script_ = std::make_shared<Script>();
};

TEST_F(RegionRedirectTest, PermanentRedirectIsFollowedOnceAndRemembered) {
  script_->push({301,
                 {{"x-amz-bucket-region", "eu-west-1"}},
                 s3_error_xml("PermanentRedirect", "use the right endpoint")});
  script_->push(object_answer("hello"));
  script_->push({200, {{"content-length", "5"}, {"etag", "\"e\""}}, ""});
  auto c = client();
  auto s = c.get_object({"bucket", "k.csv"});
  ASSERT_TRUE(s.ok()) << s.error().message;
  char buf[16];
  auto n = (*s)->read(buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buf, *n), "hello");

  ASSERT_EQ(script_->count(), 2u);
  EXPECT_EQ(script_->request(0).url, "https://bucket.s3.amazonaws.com/k.csv");
  EXPECT_NE(auth(0).find("/us-east-1/s3/aws4_request"), std::string::npos);
  EXPECT_EQ(script_->request(1).url, "https://bucket.s3.eu-west-1.amazonaws.com/k.csv");
  EXPECT_EQ(script_->request(1).headers.at("host"), "bucket.s3.eu-west-1.amazonaws.com");
  EXPECT_NE(auth(1).find("/eu-west-1/s3/aws4_request"), std::string::npos) << auth(1);
  EXPECT_EQ(c.bucket_region("bucket"), "eu-west-1");
  EXPECT_EQ(c.bucket_region("another-bucket"), "us-east-1");

  // The next request goes to the right region at once.
  ASSERT_TRUE(c.head_object({"bucket", "k.csv"}).ok());
  ASSERT_EQ(script_->count(), 3u);
  EXPECT_EQ(script_->request(2).url, "https://bucket.s3.eu-west-1.amazonaws.com/k.csv");
  EXPECT_EQ(script_->request(2).method, "HEAD");
}

TEST_F(RegionRedirectTest, HeadLearnsTheRegionFromTheHeaderAlone) {
  script_->push({301, {{"x-amz-bucket-region", "sa-east-1"}}, ""});
  script_->push({200, {{"content-length", "42"}, {"etag", "\"e\""}}, ""});
  auto c = client();
  auto info = c.head_object({"bucket", "k.csv"});
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->size, 42u);
  EXPECT_EQ(script_->request(1).url, "https://bucket.s3.sa-east-1.amazonaws.com/k.csv");
  EXPECT_EQ(c.bucket_region("bucket"), "sa-east-1");
}

TEST_F(RegionRedirectTest, AuthorizationHeaderMalformedNamesTheRegion) {
  script_->push({400,
                 {},
                 s3_error_xml("AuthorizationHeaderMalformed",
                              "The authorization header is malformed; the region 'us-east-1' is "
                              "wrong; expecting 'eu-north-1'",
                              "<Region>eu-north-1</Region>")});
  script_->push(object_answer("x"));
  auto c = client();
  auto s = c.get_object({"my.dotted.bucket", "a/b.csv"});
  ASSERT_TRUE(s.ok()) << s.error().message;
  // Dotted names stay path style in the new region too.
  EXPECT_EQ(script_->request(1).url,
            "https://s3.eu-north-1.amazonaws.com/my.dotted.bucket/a/b.csv");
  EXPECT_EQ(c.bucket_region("my.dotted.bucket"), "eu-north-1");
}

TEST_F(RegionRedirectTest, OnlyOneRetryInAnotherRegion) {
  script_->push({301, {{"x-amz-bucket-region", "eu-west-1"}}, ""});
  script_->push(
      {301, {{"x-amz-bucket-region", "eu-central-1"}}, s3_error_xml("PermanentRedirect", "again")});
  auto c = client();
  auto s = c.get_object({"bucket", "k.csv"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "PermanentRedirect");
  EXPECT_EQ(s.error().message, "S3 GET s3://bucket/k.csv: 301 PermanentRedirect: again");
  EXPECT_EQ(script_->count(), 2u);
}

TEST_F(RegionRedirectTest, AHintForTheSameRegionIsAnErrorNotALoop) {
  const std::string body = s3_error_xml("AuthorizationHeaderMalformed", "expecting 'eu-west-1'",
                                        "<Region>eu-west-1</Region>");
  script_->push({400, {}, body});
  auto c = client("eu-west-1");
  auto s = c.get_object({"bucket", "k.csv"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "AuthorizationHeaderMalformed");
  EXPECT_EQ(script_->count(), 1u);
}

TEST_F(RegionRedirectTest, OtherErrorsAreNotRedirects) {
  script_->push({403, {{"x-amz-bucket-region", "eu-west-1"}}, s3_error_xml("AccessDenied", "no")});
  auto c = client();
  auto s = c.get_object({"bucket", "k.csv"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "AccessDenied");
  EXPECT_EQ(script_->count(), 1u);
  EXPECT_EQ(c.bucket_region("bucket"), "us-east-1");
}

TEST_F(RegionRedirectTest, WithAnEndpointOnlyTheSigningRegionChanges) {
  script_->push({400, {{"x-amz-bucket-region", "eu-west-1"}}, ""});
  script_->push(object_answer("y"));
  auto c = client("us-east-1", "http://fake:9000");
  auto s = c.get_object({"bucket", "k"});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(script_->request(0).url, "http://fake:9000/bucket/k");
  EXPECT_EQ(script_->request(1).url, "http://fake:9000/bucket/k");
  EXPECT_NE(auth(1).find("/eu-west-1/s3/aws4_request"), std::string::npos);
}

}  // namespace
}  // namespace skillsync::source::s3
