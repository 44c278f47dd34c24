#include <gtest/gtest.h>

#include "source/s3/s3.hpp"

namespace skillsync::source::s3 {
namespace {

TEST(ParseS3Uri, SplitsBucketAndKey) {
  auto u = parse_s3_uri("s3://my-bucket/path/to/file.csv");
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->bucket, "my-bucket");
  EXPECT_EQ(u->key, "path/to/file.csv");
}

TEST(ParseS3Uri, KeyIsTakenLiterally) {
  auto u = parse_s3_uri("s3://bucket.with.dots/a b+c=d(e)*%20/\xC3\xA9t\xC3\xA9.csv");
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->bucket, "bucket.with.dots");
  EXPECT_EQ(u->key, "a b+c=d(e)*%20/\xC3\xA9t\xC3\xA9.csv");
  auto slash = parse_s3_uri("s3://abc//leading");
  ASSERT_TRUE(slash.ok());
  EXPECT_EQ(slash->key, "/leading");
}

TEST(ParseS3Uri, RejectsMalformedUris) {
  for (const char* bad :
       {"", "s3://", "s3://bucket", "s3://bucket/", "S3://bucket/key", "https://bucket/key",
        "s3:/bucket/key", "s3://ab/key", "s3://UpperCase/key", "s3://under_score/key",
        "s3://-start/key", "s3://end-/key", "s3://two..dots/key", "s3://bad\xC3/key"}) {
    auto u = parse_s3_uri(bad);
    ASSERT_FALSE(u.ok()) << bad;
    EXPECT_EQ(u.error().code, "invalid_uri") << bad;
  }
  EXPECT_FALSE(parse_s3_uri("s3://" + std::string(64, 'a') + "/k").ok());
  EXPECT_TRUE(parse_s3_uri("s3://" + std::string(63, 'a') + "/k").ok());
}

TEST(ParseS3Uri, RejectsInvalidUtf8AndOverlongKeys) {
  EXPECT_FALSE(parse_s3_uri("s3://bucket/\xC3").ok());          // truncated sequence
  EXPECT_FALSE(parse_s3_uri("s3://bucket/\xC0\xAF").ok());      // overlong '/'
  EXPECT_FALSE(parse_s3_uri("s3://bucket/\xED\xA0\x80").ok());  // surrogate
  EXPECT_FALSE(parse_s3_uri(std::string("s3://bucket/a\0b", 15)).ok());
  EXPECT_TRUE(parse_s3_uri("s3://bucket/" + std::string(1024, 'k')).ok());
  EXPECT_FALSE(parse_s3_uri("s3://bucket/" + std::string(1025, 'k')).ok());
  EXPECT_TRUE(parse_s3_uri("s3://bucket/\xF0\x9F\x98\x80").ok());  // emoji
}

TEST(UriEncode, KeepsUnreservedEncodesTheRest) {
  EXPECT_EQ(uri_encode("AZaz09-._~", true), "AZaz09-._~");
  EXPECT_EQ(uri_encode("a b+c=d(e)*f!'$&,;:@", true),
            "a%20b%2Bc%3Dd%28e%29%2Af%21%27%24%26%2C%3B%3A%40");
  EXPECT_EQ(uri_encode("a/b", true), "a%2Fb");
  EXPECT_EQ(uri_encode("a/b", false), "a/b");
  EXPECT_EQ(uri_encode("%", false), "%25");
  EXPECT_EQ(uri_encode("\xE1\x88\xB4", false), "%E1%88%B4");  // upper-case hex, per byte
  EXPECT_EQ(uri_encode(std::string("\0\x7f\xff", 3), false), "%00%7F%FF");
  EXPECT_EQ(uri_encode("", false), "");
}

}  // namespace
}  // namespace skillsync::source::s3
