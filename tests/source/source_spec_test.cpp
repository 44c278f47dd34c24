// SourceSpec: a task's uri, region and secret parsed once into what the
// opener reads; and the ObjectOpener defaults a fake relies on.
#include <gtest/gtest.h>

#include "source/object_source.hpp"

namespace skillsync::source {
namespace {

s3::Credentials creds() { return {"AKIDTEST", SecretString("s3cr3t"), {}}; }

TEST(SourceSpecTest, AnObjectUriIsBucketAndKey) {
  auto spec = s3_source("s3://bucket/exports/a b.csv", "eu-west-1", creds());
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->kind, SourceSpec::Kind::kObject);
  EXPECT_FALSE(spec->is_prefix());
  EXPECT_EQ(spec->location.bucket, "bucket");
  EXPECT_EQ(spec->location.key, "exports/a b.csv");
  EXPECT_EQ(spec->region, "eu-west-1");
  EXPECT_EQ(spec->credentials.secret_access_key.reveal(), "s3cr3t");
  EXPECT_EQ(spec->name, "s3://bucket/exports/a b.csv");
}

TEST(SourceSpecTest, AUriEndingInASlashIsAPrefix) {
  auto spec = s3_source("s3://bucket/exports/", "", creds());
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->kind, SourceSpec::Kind::kPrefix);
  EXPECT_TRUE(spec->is_prefix());
  EXPECT_EQ(spec->location.key, "exports/");
  EXPECT_EQ(spec->region, "");
}

TEST(SourceSpecTest, ABadUriIsRefusedAsParseS3UriRefusesIt) {
  auto spec = s3_source("https://bucket/key", "", creds());
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.error().code, "invalid_uri");
}

TEST(SourceSpecTest, APresignedUrlIsKeptSecretAndNamedWithoutItsQuery) {
  const std::string url = "https://b.s3.amazonaws.com/k.csv?X-Amz-Signature=abcdef";
  SourceSpec spec = presigned_source(SecretString(url));
  EXPECT_EQ(spec.kind, SourceSpec::Kind::kPresigned);
  EXPECT_EQ(spec.presigned_url.reveal(), url);
  EXPECT_EQ(spec.name, "https://b.s3.amazonaws.com/k.csv");
}

TEST(SourceSpecTest, AnOpenerImplementsOnlyWhatItsCallerUses) {
  struct OnlyOpen final : ObjectOpener {
    Result<Opened> open(const SourceSpec&, uint64_t, const CancellationToken&) override {
      return Opened{};
    }
  } opener;
  const SourceSpec spec =
      presigned_source(SecretString("https://b.s3.amazonaws.com/k?Signature=x"));
  CancellationToken never;
  EXPECT_TRUE(opener.open(spec, 0, never).ok());
  EXPECT_EQ(opener.list(spec).error().code, "unsupported_source");
  EXPECT_EQ(opener.open_key(spec, "k", 0, {}, never).error().code, "unsupported_source");
  EXPECT_EQ(opener.open_presigned(spec, 0, {}, never).error().code, "unsupported_source");
}

}  // namespace
}  // namespace skillsync::source
