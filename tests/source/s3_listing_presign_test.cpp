// Listings (ListObjectsV2 with continuation) and presigned URLs against the
// real S3 server, which checks our signatures and query signatures.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "common/crypto.hpp"
#include "source/s3/s3.hpp"
#include "support/fault_proxy.hpp"
#include "support/s3rver.hpp"

namespace skillsync::source::s3 {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testsupport::S3rverOptions;
using testsupport::S3rverProcess;

constexpr const char* kBucket = "listing";

}  // namespace

// Readable failures for vectors of ListedObject.
void PrintTo(const ListedObject& o, std::ostream* os) {
  *os << "{" << o.key << ", " << o.size << ", " << o.etag << "}";
}

namespace {

Result<std::string> read_all(ByteReader& reader) {
  std::string out;
  std::vector<char> buf(64 * 1024);
  for (;;) {
    auto n = reader.read(buf);
    if (!n.ok()) return n.error();
    if (*n == 0) return out;
    out.append(buf.data(), *n);
  }
}

ClientConfig config_for(const std::string& endpoint) {
  ClientConfig c;
  c.endpoint = endpoint;
  c.max_attempts = 3;
  c.backoff_base = milliseconds(1);
  c.backoff_cap = milliseconds(5);
  c.stall_timeout = seconds(10);
  return c;
}

class S3ListingPresignTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    S3rverOptions options;
    options.buckets = {kBucket};
    options.require_auth = true;
    server_ = new S3rverProcess(options);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static Credentials creds() {
    return {server_->access_key_id(), SecretString(server_->secret_access_key()), {}};
  }
  static ClientConfig config() { return config_for(server_->endpoint()); }
  static S3Client client() { return S3Client(config(), creds()); }

  static S3rverProcess* server_;
};

S3rverProcess* S3ListingPresignTest::server_ = nullptr;

TEST_F(S3ListingPresignTest, ListsMoreKeysThanOnePageInKeyOrder) {
  auto c = client();
  std::vector<std::string> keys;
  for (int i = 0; i < 17; ++i) keys.push_back("list/part-" + std::to_string(1000 + i * 7) + ".csv");
  // No '&' or '\'': S3rver escapes them twice in listings ("&amp;amp;"),
  // unlike S3 (the unit tests cover entity decoding).
  for (const char* awkward :
       {"list/with space.csv", "list/plus+equals=.csv", "list/\xC3\xA9t\xC3\xA9.csv",
        "list/percent%20.csv", "list/sub/deeper/file.csv", "list/tilde~(star*).csv"}) {
    keys.emplace_back(awkward);
  }
  std::vector<ListedObject> expected;
  for (size_t i = 0; i < keys.size(); ++i) {
    const std::string content(i * 3 + 1, 'x');
    ASSERT_TRUE(c.put_object({kBucket, keys[i]}, content).ok()) << keys[i];
    auto head = c.head_object({kBucket, keys[i]});
    ASSERT_TRUE(head.ok());
    expected.push_back({keys[i], content.size(), head->etag, ""});
  }
  // Near misses, and a console "folder".
  for (const char* other : {"lis.csv", "listx/a.csv", "a.csv"}) {
    ASSERT_TRUE(c.put_object({kBucket, other}, "o").ok());
  }
  ASSERT_TRUE(c.put_object({kBucket, "list/folder/"}, "").ok());
  std::sort(expected.begin(), expected.end(),
            [](const ListedObject& a, const ListedObject& b) { return a.key < b.key; });

  // Through a pass-through proxy, to count the pages.
  testsupport::FaultProxy proxy(server_->port());
  S3Client counted(config_for(proxy.endpoint()), creds());
  ListOptions small;
  small.page_size = 5;
  auto listed = counted.list_objects(kBucket, "list/", small);
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  EXPECT_EQ(*listed, expected);
  EXPECT_EQ(proxy.connections(), 5);  // 24 keys (the folder too) in pages of 5
  for (const auto& head : proxy.request_heads()) {
    EXPECT_NE(head.find("max-keys=5"), std::string::npos) << head;
  }

  auto one_page = c.list_objects(kBucket, "list/");
  ASSERT_TRUE(one_page.ok());
  EXPECT_EQ(*one_page, expected);

  ListOptions with_folders = small;
  with_folders.skip_folder_markers = false;
  auto all = c.list_objects(kBucket, "list/", with_folders);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), expected.size() + 1);

  ListOptions few = small;
  few.max_objects = 10;
  auto too_many = c.list_objects(kBucket, "list/", few);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code, "too_many_objects");
}

TEST_F(S3ListingPresignTest, EmptyPrefixAndMissingBucket) {
  auto c = client();
  auto none = c.list_objects(kBucket, "nothing/here/");
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_TRUE(none->empty());
  auto missing = c.list_objects("no-such-bucket", "x/");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "NoSuchBucket");
  S3Client bad(config(), {server_->access_key_id(), SecretString("wrong-secret-value"), {}});
  auto refused = bad.list_objects(kBucket, "list/");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "SignatureDoesNotMatch");
}

TEST_F(S3ListingPresignTest, PresignedGetStreamsTheObject) {
  auto c = client();
  std::string content(3 << 20, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 131 % 251);
  for (const std::string key : {"presigned/plain.csv", "presigned/with space+plus \xC3\xA9.csv"}) {
    SCOPED_TRACE(key);
    ASSERT_TRUE(c.put_object({kBucket, key}, content).ok());
    auto url =
        presign_get(config(), {kBucket, key}, creds(), seconds(300), SystemClock::instance().now());
    ASSERT_TRUE(url.ok());
    auto presigned = parse_presigned_url(*url, config());
    ASSERT_TRUE(presigned.ok()) << presigned.error().message;

    S3Client anonymous(config(), Credentials{});
    auto head = anonymous.head_presigned(*presigned);
    ASSERT_TRUE(head.ok()) << head.error().message;
    EXPECT_EQ(head->size, content.size());
    auto real_head = c.head_object({kBucket, key});
    ASSERT_TRUE(real_head.ok());
    EXPECT_EQ(head->etag, real_head->etag);

    auto stream = anonymous.get_presigned(*presigned);
    ASSERT_TRUE(stream.ok()) << stream.error().message;
    auto data = read_all(**stream);
    ASSERT_TRUE(data.ok()) << data.error().message;
    EXPECT_TRUE(*data == content);
    auto tail = anonymous.get_presigned(*presigned, content.size() - 10);
    ASSERT_TRUE(tail.ok()) << tail.error().message;
    auto rest = read_all(**tail);
    ASSERT_TRUE(rest.ok());
    EXPECT_EQ(*rest, content.substr(content.size() - 10));
  }
}

TEST_F(S3ListingPresignTest, EmptyObjectThroughAPresignedUrl) {
  auto c = client();
  ASSERT_TRUE(c.put_object({kBucket, "presigned/empty.csv"}, "").ok());
  auto url = presign_get(config(), {kBucket, "presigned/empty.csv"}, creds(), seconds(60),
                         SystemClock::instance().now());
  ASSERT_TRUE(url.ok());
  auto presigned = parse_presigned_url(*url, config());
  ASSERT_TRUE(presigned.ok());
  S3Client anonymous(config(), Credentials{});
  auto head = anonymous.head_presigned(*presigned);
  ASSERT_TRUE(head.ok()) << head.error().message;
  EXPECT_EQ(head->size, 0u);
  auto stream = anonymous.get_presigned(*presigned);
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  auto data = read_all(**stream);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(*data, "");
}

TEST_F(S3ListingPresignTest, BadPresignedUrlsFailWithS3sCodeAndNoQuery) {
  auto c = client();
  const S3Uri uri{kBucket, "presigned/secret.csv"};
  ASSERT_TRUE(c.put_object(uri, "a,b\n").ok());
  S3Client anonymous(config(), Credentials{});
  const auto now = SystemClock::instance().now();

  std::vector<Error> errors;
  // Expired an hour ago.
  auto expired = presign_get(config(), uri, creds(), seconds(60), now - 3600LL * 1000000);
  auto wrong_secret = presign_get(
      config(), uri, {server_->access_key_id(), SecretString("not-the-secret-at-all"), {}},
      seconds(60), now);
  auto missing =
      presign_get(config(), {kBucket, "presigned/missing.csv"}, creds(), seconds(60), now);
  ASSERT_TRUE(expired.ok() && wrong_secret.ok() && missing.ok());

  auto p_expired = parse_presigned_url(*expired, config());
  auto p_wrong = parse_presigned_url(*wrong_secret, config());
  auto p_missing = parse_presigned_url(*missing, config());
  ASSERT_TRUE(p_expired.ok() && p_wrong.ok() && p_missing.ok());

  auto e1 = anonymous.get_presigned(*p_expired);
  ASSERT_FALSE(e1.ok());
  EXPECT_EQ(e1.error().code, "AccessDenied");
  EXPECT_EQ(e1.error().message,
            "S3 GET " + p_expired->redacted + ": 403 AccessDenied: Request has expired");
  errors.push_back(e1.error());

  auto e2 = anonymous.get_presigned(*p_wrong);
  ASSERT_FALSE(e2.ok());
  EXPECT_EQ(e2.error().code, "SignatureDoesNotMatch");
  errors.push_back(e2.error());

  auto e3 = anonymous.head_presigned(*p_missing);
  ASSERT_FALSE(e3.ok());
  EXPECT_EQ(e3.error().code, "NoSuchKey");
  errors.push_back(e3.error());

  for (const Error& e : errors) {
    EXPECT_EQ(e.message.find('?'), std::string::npos) << e.message;
    EXPECT_EQ(e.message.find("X-Amz-"), std::string::npos) << e.message;
    EXPECT_EQ(e.message.find(server_->secret_access_key()), std::string::npos) << e.message;
  }
}

TEST(S3PresignSessionToken, TokenTravelsInTheSignedQuery) {
  S3rverOptions options;
  options.buckets = {kBucket};
  options.require_auth = true;
  options.session_token = "presign-token-" + crypto::hex(crypto::random_bytes(8));
  S3rverProcess server(options);
  const ClientConfig config = config_for(server.endpoint());
  Credentials with_token{server.access_key_id(), SecretString(server.secret_access_key()),
                         SecretString(server.session_token())};
  const S3Uri uri{kBucket, "t.csv"};
  ASSERT_TRUE(S3Client(config, with_token).put_object(uri, "hello").ok());

  const auto now = SystemClock::instance().now();
  auto url = presign_get(config, uri, with_token, seconds(60), now);
  ASSERT_TRUE(url.ok());
  auto presigned = parse_presigned_url(*url, config);
  ASSERT_TRUE(presigned.ok());
  S3Client anonymous(config, Credentials{});
  auto stream = anonymous.get_presigned(*presigned);
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  auto data = read_all(**stream);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(*data, "hello");

  Credentials without{server.access_key_id(), SecretString(server.secret_access_key()), {}};
  auto no_token = parse_presigned_url(*presign_get(config, uri, without, seconds(60), now), config);
  ASSERT_TRUE(no_token.ok());
  auto refused = anonymous.get_presigned(*no_token);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "InvalidToken");
  EXPECT_EQ(refused.error().message.find(server.session_token()), std::string::npos);
}

}  // namespace
}  // namespace skillsync::source::s3
