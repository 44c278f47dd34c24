// Pinning an object's version across a resumed load (If-Match on the first
// GET) and partial listings (ListOptions::max_pages), over a scripted
// transport.
#include <gtest/gtest.h>

#include <array>

#include "scripted_transport.hpp"
#include "source/s3/s3.hpp"

namespace skillsync::source::s3 {
namespace {

using testing::Script;
using testing::ScriptedTransport;

class PinTest : public ::testing::Test {
 protected:
  S3Client client() {
    ClientConfig config;
    config.endpoint = "http://fake";
    config.max_attempts = 2;
    config.backoff_base = std::chrono::milliseconds(1);
    config.backoff_cap = std::chrono::milliseconds(1);
    return S3Client(config, {"AKIDTEST", SecretString("secret-key-for-tests"), {}},
                    std::make_unique<ScriptedTransport>(script_));
  }
  static std::string read_all(ObjectStream& s) {
    std::string out;
    std::array<char, 64> buf;
    for (;;) {
      auto n = s.read(buf);
      EXPECT_TRUE(n.ok());
      if (!n.ok() || *n == 0) return out;
      out.append(buf.data(), *n);
    }
  }
  std::shared_ptr<Script> script_ = std::make_shared<Script>();
};

TEST_F(PinTest, IfMatchIsSentAndTheSameVersionReads) {
  script_->push({206, {{"etag", "\"v1\""}, {"content-range", "bytes 4-9/10"}}, "456789"});
  auto c = client();
  auto stream = c.get_object({"b", "k.csv"}, 4, "\"v1\"");
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  EXPECT_EQ(read_all(**stream), "456789");
  ASSERT_EQ(script_->count(), 1u);
  EXPECT_EQ(script_->request(0).headers.at("if-match"), "\"v1\"");
  EXPECT_EQ(script_->request(0).headers.at("range"), "bytes=4-");
}

TEST_F(PinTest, WithoutIfMatchNoHeaderIsSent) {
  script_->push({200, {{"etag", "\"v1\""}, {"content-length", "3"}}, "abc"});
  auto c = client();
  auto stream = c.get_object({"b", "k.csv"});
  ASSERT_TRUE(stream.ok());
  EXPECT_EQ(script_->request(0).headers.count("if-match"), 0u);
}

TEST_F(PinTest, PreconditionFailedIsObjectChangedAndNotRetried) {
  script_->push({412, {}, testing::s3_error_xml("PreconditionFailed", "At least one...")});
  auto c = client();
  auto stream = c.get_object({"b", "k.csv"}, 4, "\"v1\"");
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.error().code, "object_changed");
  EXPECT_NE(stream.error().message.find("s3://b/k.csv"), std::string::npos);
  EXPECT_EQ(script_->count(), 1u);
}

// A server that ignores If-Match still names the version it sends.
TEST_F(PinTest, AnotherETagInTheAnswerIsObjectChanged) {
  script_->push({200, {{"etag", "\"v2\""}, {"content-length", "3"}}, "abc"});
  auto c = client();
  auto stream = c.get_object({"b", "k.csv"}, 0, "\"v1\"");
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.error().code, "object_changed");
}

TEST_F(PinTest, PresignedUrlsArePinnedToo) {
  ClientConfig config;
  config.endpoint = "http://fake";
  auto url = parse_presigned_url("http://fake/b/k.csv?X-Amz-Signature=abcdef0123456789", config);
  ASSERT_TRUE(url.ok()) << url.error().message;
  script_->push({206, {{"etag", "\"v2\""}, {"content-range", "bytes 1-2/3"}}, "bc"});
  auto c = client();
  auto stream = c.get_presigned(*url, 1, "\"v1\"");
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.error().code, "object_changed");
  EXPECT_EQ(stream.error().message.find("abcdef0123456789"), std::string::npos);
  EXPECT_EQ(script_->request(0).headers.at("if-match"), "\"v1\"");
}

// The first GET and a resume are held to the same rules, in the same words.
TEST_F(PinTest, AResumeIsCheckedAsTheFirstGetIs) {
  auto c = client();
  // The open: another version than the pinned one.
  script_->push({200, {{"etag", "\"v2\""}, {"content-length", "10"}}, "0123456789"});
  auto opened = c.get_object({"b", "k.csv"}, 0, "\"v1\"");
  ASSERT_FALSE(opened.ok());
  // A resume: the body is cut after 4 bytes, and the reopen finds "v2".
  script_->push({200, {{"etag", "\"v1\""}, {"content-length", "10"}}, "0123"});
  script_->push({206, {{"etag", "\"v2\""}, {"content-range", "bytes 4-9/10"}}, "456789"});
  auto stream = c.get_object({"b", "k.csv"});
  ASSERT_TRUE(stream.ok());
  std::array<char, 64> buf;
  ASSERT_EQ(*(*stream)->read(buf), 4u);
  auto resumed = (*stream)->read(buf);
  ASSERT_FALSE(resumed.ok());
  for (const Error& e : {opened.error(), resumed.error()}) {
    EXPECT_EQ(e.code, "object_changed");
    EXPECT_TRUE(
        e.message.starts_with("S3 GET s3://b/k.csv: the object changed while it was being "
                              "read (its ETag is not the one pinned; at byte "))
        << e.message;
  }
}

TEST_F(PinTest, AResumeAnsweredWithTheWholeObjectIsABadResponse) {
  script_->push({200, {{"etag", "\"v1\""}, {"content-length", "10"}}, "0123"});
  script_->push({200, {{"etag", "\"v1\""}, {"content-length", "10"}}, "0123456789"});
  auto c = client();
  auto stream = c.get_object({"b", "k.csv"});
  ASSERT_TRUE(stream.ok());
  std::array<char, 64> buf;
  ASSERT_EQ(*(*stream)->read(buf), 4u);
  auto resumed = (*stream)->read(buf);
  ASSERT_FALSE(resumed.ok());
  EXPECT_EQ(resumed.error().code, "bad_response");
  EXPECT_NE(resumed.error().message.find("does not start at byte 4 (the server ignored the Range"),
            std::string::npos)
      << resumed.error().message;
  EXPECT_EQ(script_->request(1).headers.at("range"), "bytes=4-");
  EXPECT_EQ(script_->request(1).headers.at("if-match"), "\"v1\"");
}

std::string page(const std::string& key, bool truncated) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult><Name>b</Name>"
         "<IsTruncated>" +
         std::string(truncated ? "true" : "false") + "</IsTruncated>" +
         (truncated ? "<NextContinuationToken>t</NextContinuationToken>" : "") + "<Contents><Key>" +
         key + "</Key><ETag>&quot;e&quot;</ETag><Size>1</Size></Contents>" + "</ListBucketResult>";
}

TEST_F(PinTest, MaxPagesStopsTheListing) {
  script_->push({200, {}, page("p/a", true)});
  script_->push({200, {}, page("p/b", false)});
  auto c = client();
  ListOptions one;
  one.page_size = 1;
  one.max_pages = 1;
  auto list = c.list_objects("b", "p/", one);
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->at(0).key, "p/a");
  EXPECT_EQ(script_->count(), 1u);
  EXPECT_NE(script_->request(0).url.find("max-keys=1"), std::string::npos);

  auto all = c.list_objects("b", "p/");  // the default follows every page
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);  // the script's second page
  EXPECT_EQ(script_->count(), 2u);
}

}  // namespace
}  // namespace skillsync::source::s3
