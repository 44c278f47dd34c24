#include "source/s3/s3_internal.hpp"

#include <gtest/gtest.h>

namespace skillsync::source::s3::internal {
namespace {

using std::chrono::milliseconds;

TEST(ErrorXml, ParsesCodeAndMessage) {
  auto e = parse_error_xml(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>"
      "<Message>The specified key does not exist.</Message><Key>a &amp; b</Key>"
      "<RequestId>1</RequestId></Error>");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, "NoSuchKey");
  EXPECT_EQ(e->message, "The specified key does not exist.");
}

TEST(ErrorXml, DecodesEntities) {
  auto e = parse_error_xml(
      "<Error><Code>X</Code><Message>a &lt;b&gt; &amp; &quot;c&quot; &apos;"
      "&#233;&#xE9; &bogus; &</Message></Error>");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->message, "a <b> & \"c\" '\xC3\xA9\xC3\xA9 &bogus; &");
}

TEST(ErrorXml, NoCodeIsNotAnS3Error) {
  EXPECT_FALSE(parse_error_xml("").has_value());
  EXPECT_FALSE(parse_error_xml("<html>502 Bad Gateway</html>").has_value());
  EXPECT_FALSE(parse_error_xml("<Error><Code></Code></Error>").has_value());
  EXPECT_FALSE(parse_error_xml("<Error><Code>Unterminated").has_value());
}

TEST(HttpError, UsesBodyCodeAndFormatsMessage) {
  Error e = http_error("GET", "s3://bucket/key", 404,
                       "<Error><Code>NoSuchKey</Code><Message>The specified key does not "
                       "exist.</Message></Error>",
                       {});
  EXPECT_EQ(e.code, "NoSuchKey");
  EXPECT_EQ(e.message, "S3 GET s3://bucket/key: 404 NoSuchKey: The specified key does not exist.");
}

TEST(HttpError, HeadWithoutBodyMapsStatus) {
  EXPECT_EQ(http_error("HEAD", "s3://b/k", 404, "", {}).code, "NoSuchKey");
  EXPECT_EQ(http_error("HEAD", "s3://b/k", 403, "", {}).code, "AccessDenied");
  EXPECT_EQ(http_error("HEAD", "s3://b/k", 301, "", {}).code, "PermanentRedirect");
  EXPECT_EQ(http_error("HEAD", "s3://b/k", 418, "", {}).code, "http_418");
  EXPECT_EQ(http_error("HEAD", "s3://b/k", 404, "", {}).message, "S3 HEAD s3://b/k: 404 NoSuchKey");
  // A server that names the error in a header is believed.
  EXPECT_EQ(http_error("HEAD", "s3://b/k", 404, "", {{"x-amz-error-code", "NoSuchBucket"}}).code,
            "NoSuchBucket");
}

TEST(Transience, ServerErrorsAndSlowDownAreRetriedClientErrorsAreNot) {
  for (int s : {500, 502, 503, 504}) EXPECT_TRUE(is_transient_status(s, "")) << s;
  EXPECT_TRUE(is_transient_status(503, "SlowDown"));
  EXPECT_TRUE(is_transient_status(400, "RequestTimeout"));
  for (int s : {400, 401, 403, 404, 409, 412, 416, 501}) {
    EXPECT_FALSE(is_transient_status(s, "Whatever")) << s;
  }
  EXPECT_TRUE(is_transient_error({"connection_failed", ""}));
  EXPECT_TRUE(is_transient_error({"timeout", ""}));
  EXPECT_FALSE(is_transient_error({"tls_error", ""}));
  EXPECT_FALSE(is_transient_error({"NoSuchKey", ""}));
}

TEST(Backoff, FullJitterExponentialCapped) {
  const milliseconds base(200), cap(10000);
  EXPECT_EQ(backoff_delay(1, base, cap, 0.0), milliseconds(0));
  EXPECT_EQ(backoff_delay(1, base, cap, 0.5), milliseconds(100));
  EXPECT_EQ(backoff_delay(2, base, cap, 0.5), milliseconds(200));
  EXPECT_EQ(backoff_delay(3, base, cap, 0.5), milliseconds(400));
  EXPECT_EQ(backoff_delay(3, base, cap, 0.999), milliseconds(799));
  EXPECT_EQ(backoff_delay(7, base, cap, 0.5), milliseconds(5000));     // 200 * 64 capped at 10000
  EXPECT_EQ(backoff_delay(1000, base, cap, 0.5), milliseconds(5000));  // no overflow
}

TEST(ContentRange, Parses) {
  auto r = parse_content_range("bytes 10-99/100");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->first, 10u);
  EXPECT_EQ(r->last, 99u);
  EXPECT_EQ(r->total, 100u);
  EXPECT_FALSE(parse_content_range("bytes 10-99/*").has_value());
  EXPECT_FALSE(parse_content_range("bytes 99-10/100").has_value());
  EXPECT_FALSE(parse_content_range("bytes 10-100/100").has_value());
  EXPECT_FALSE(parse_content_range("items 1-2/3").has_value());
}

TEST(Target, EndpointIsPathStyle) {
  ClientConfig c;
  c.endpoint = "http://127.0.0.1:9000/";
  auto t = make_target(c, "bucket", "dir/a b+c.csv");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->host, "127.0.0.1:9000");
  EXPECT_EQ(t->path, "/bucket/dir/a b+c.csv");
  EXPECT_EQ(t->url, "http://127.0.0.1:9000/bucket/dir/a%20b%2Bc.csv");
  auto b = make_target(c, "bucket", "");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->url, "http://127.0.0.1:9000/bucket");
}

TEST(Target, AwsIsVirtualHostedUnlessTheBucketHasDots) {
  ClientConfig c;
  c.region = "eu-west-1";
  auto t = make_target(c, "bucket", "k\xC3\xA9");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->url, "https://bucket.s3.eu-west-1.amazonaws.com/k%C3%A9");
  EXPECT_EQ(t->host, "bucket.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(t->path, "/k\xC3\xA9");
  auto d = make_target(c, "my.bucket", "k");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->url, "https://s3.eu-west-1.amazonaws.com/my.bucket/k");
}

TEST(Target, RejectsBadEndpoints) {
  ClientConfig c;
  for (const char* bad :
       {"127.0.0.1:9000", "ftp://host", "http://", "http://user@host", "http://host/?q"}) {
    c.endpoint = bad;
    auto t = make_target(c, "bucket", "k");
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.error().code, "invalid_endpoint");
  }
}

}  // namespace
}  // namespace skillsync::source::s3::internal
