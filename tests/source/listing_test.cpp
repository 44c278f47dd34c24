// ListObjectsV2: parsing answers and following continuation tokens (over a
// scripted transport; tests/source/s3_listing_presign_test.cpp runs the real
// server).
#include <gtest/gtest.h>

#include "scripted_transport.hpp"
#include "source/s3/s3.hpp"
#include "source/s3/s3_internal.hpp"

namespace skillsync::source::s3 {
namespace {

using internal::parse_list_xml;
using testing::Canned;
using testing::Script;
using testing::ScriptedTransport;

std::string contents(const std::string& key, uint64_t size,
                     const std::string& etag = "&quot;e&quot;") {
  return "<Contents><Key>" + key + "</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified>" +
         "<ETag>" + etag + "</ETag><Size>" + std::to_string(size) +
         "</Size><StorageClass>STANDARD</StorageClass></Contents>";
}

std::string page(const std::string& objects, const std::string& next_token = "",
                 const std::string& extra = "") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult "
         "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name><Prefix>p/</Prefix>" +
         extra + "<KeyCount>1</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>" +
         (next_token.empty() ? "false" : "true") + "</IsTruncated>" +
         (next_token.empty()
              ? ""
              : "<NextContinuationToken>" + next_token + "</NextContinuationToken>") +
         objects + "</ListBucketResult>";
}

TEST(ListXml, ParsesObjectsAndEntities) {
  auto p =
      parse_list_xml(page(contents("p/a &amp; b.csv", 10) + contents("p/c.csv", 0), "tok&amp;1"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_EQ(p->objects.size(), 2u);
  EXPECT_EQ(p->objects[0], (ListedObject{"p/a & b.csv", 10, "\"e\"", "2024-01-01T00:00:00.000Z"}));
  EXPECT_EQ(p->objects[0].last_modified, "2024-01-01T00:00:00.000Z");
  EXPECT_EQ(p->objects[1].key, "p/c.csv");
  EXPECT_EQ(p->objects[1].size, 0u);
  EXPECT_TRUE(p->truncated);
  EXPECT_EQ(p->next_token, "tok&1");
}

TEST(ListXml, UrlEncodedKeysAreDecodedOnlyWhenTheAnswerSaysSo) {
  const std::string objects = contents("p/a+b%2Bc%25%E6%97%A5.csv", 1);
  auto encoded = parse_list_xml(page(objects, "", "<EncodingType>url</EncodingType>"));
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(encoded->objects.at(0).key, "p/a b+c%\xE6\x97\xA5.csv");
  // A server that ignores encoding-type sends keys as they are.
  auto plain = parse_list_xml(page(objects));
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->objects.at(0).key, "p/a+b%2Bc%25%E6%97%A5.csv");
}

TEST(ListXml, EmptyAndBroken) {
  auto empty = parse_list_xml(page(""));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->objects.empty());
  EXPECT_FALSE(empty->truncated);

  std::string bad_size = page(contents("k", 1));
  bad_size.replace(bad_size.find("<Size>1"), 7, "<Size>x");
  std::string truncated_without_token = page("");
  truncated_without_token.replace(truncated_without_token.find("false"), 5, "true");
  for (const std::string& bad : {std::string("<html>oops</html>"), bad_size,
                                 page("<Contents><Key>k</Key>"), truncated_without_token}) {
    auto p = parse_list_xml(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.error().code, "bad_response");
  }
}

TEST(ListXml, UrlDecodePlus) {
  EXPECT_EQ(internal::url_decode_plus("a+b%20c%2f%zz%4"), "a b c/%zz%4");
}

class ListObjectsTest : public ::testing::Test {
 protected:
  S3Client client() {
    ClientConfig config;
    config.endpoint = "http://fake";
    config.max_attempts = 3;
    config.backoff_base = std::chrono::milliseconds(1);
    config.backoff_cap = std::chrono::milliseconds(1);
    return S3Client(config, {"AKIDTEST", SecretString("secret-key-for-tests"), {}},
                    std::make_unique<ScriptedTransport>(script_));
  }
  std::shared_ptr<Script> script_ = std::make_shared<Script>();
};

TEST_F(ListObjectsTest, FollowsContinuationTokensAndSortsByKey) {
  script_->push({200, {}, page(contents("p/b.csv", 2) + contents("p/a.csv", 1), "t/1+=")});
  script_->push({503, {}, testing::s3_error_xml("SlowDown", "slow")});  // retried
  script_->push({200, {}, page(contents("p/dir/", 0) + contents("p/\xC3\xA9.csv", 3))});
  auto c = client();
  ListOptions options;
  options.page_size = 2;
  auto list = c.list_objects("b", "p/", options);
  ASSERT_TRUE(list.ok()) << list.error().message;
  const std::vector<ListedObject> expected = {
      {"p/a.csv", 1, "\"e\"", ""}, {"p/b.csv", 2, "\"e\"", ""}, {"p/\xC3\xA9.csv", 3, "\"e\"", ""}};
  EXPECT_EQ(*list, expected);  // folder marker skipped, byte order (0xC3 after 'b')

  ASSERT_EQ(script_->count(), 3u);
  EXPECT_EQ(script_->request(0).url,
            "http://fake/b?encoding-type=url&list-type=2&max-keys=2&prefix=p%2F");
  EXPECT_EQ(script_->request(2).url,
            "http://fake/b?continuation-token=t%2F1%2B%3D&encoding-type=url&list-type=2&"
            "max-keys=2&prefix=p%2F");
  // The query is signed: the canonical request saw the same parameters.
  EXPECT_NE(script_->request(0).headers.at("authorization").find("Credential=AKIDTEST/"),
            std::string::npos);
}

TEST_F(ListObjectsTest, FolderMarkersOnRequest) {
  script_->push({200, {}, page(contents("p/dir/", 0) + contents("p/x", 0))});
  auto c = client();
  ListOptions options;
  options.skip_folder_markers = false;
  auto list = c.list_objects("b", "p/", options);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ(list->at(0).key, "p/dir/");
}

TEST_F(ListObjectsTest, TooManyObjects) {
  script_->push({200, {}, page(contents("p/a", 1) + contents("p/b", 1), "t")});
  script_->push({200, {}, page(contents("p/c", 1))});
  auto c = client();
  ListOptions options;
  options.max_objects = 2;
  auto list = c.list_objects("b", "p/", options);
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.error().code, "too_many_objects");
  EXPECT_EQ(list.error().message, "S3 list s3://b/p/: more than 2 objects");
}

TEST_F(ListObjectsTest, ErrorsCarryS3sCode) {
  script_->push(
      {404, {}, testing::s3_error_xml("NoSuchBucket", "The specified bucket does not exist")});
  auto c = client();
  auto list = c.list_objects("b", "p/");
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.error().code, "NoSuchBucket");
  EXPECT_EQ(list.error().message,
            "S3 GET s3://b: 404 NoSuchBucket: The specified bucket does not exist");
}

TEST_F(ListObjectsTest, ARepeatedTokenIsAnErrorNotALoop) {
  script_->push({200, {}, page(contents("p/a", 1), "same")});
  script_->fallback = {200, {}, page(contents("p/b", 1), "same")};
  auto c = client();
  auto list = c.list_objects("b", "p/");
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.error().code, "bad_response");
  EXPECT_EQ(script_->count(), 2u);
}

}  // namespace
}  // namespace skillsync::source::s3
