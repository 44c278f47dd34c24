// S3Client against a real S3 server (@20minutes/s3rver via S3rverProcess)
// that checks our SigV4 signatures with its own copy of the secret.
#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <random>
#include <vector>

#include "source/s3/s3.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/s3rver.hpp"

namespace skillsync::source::s3 {
namespace {

using testsupport::S3rverOptions;
using testsupport::S3rverProcess;

constexpr const char* kBucket = "skillsync-test";

// Deterministic, incompressible-ish bytes, different for each seed.
std::string make_content(size_t size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<char>(rng() & 0xFF);
  return out;
}

Result<std::string> read_all(ByteReader& reader, size_t chunk = 64 * 1024) {
  std::string out;
  std::vector<char> buf(chunk);
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
  c.backoff_base = std::chrono::milliseconds(1);
  c.backoff_cap = std::chrono::milliseconds(5);
  c.connect_timeout = std::chrono::milliseconds(2000);
  c.stall_timeout = std::chrono::seconds(10);
  return c;
}

class S3IntegrationTest : public ::testing::Test {
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
  static S3Client client() { return S3Client(config_for(server_->endpoint()), creds()); }

  static S3rverProcess* server_;
};

S3rverProcess* S3IntegrationTest::server_ = nullptr;

TEST_F(S3IntegrationTest, PutThenHeadAndGetAtSeveralSizes) {
  auto c = client();
  for (size_t size : {size_t{0}, size_t{1}, size_t{(1 << 20) + 7}, size_t{20 << 20}}) {
    SCOPED_TRACE(size);
    const S3Uri uri{kBucket, "sizes/object-" + std::to_string(size) + ".bin"};
    const std::string content = make_content(size, size);
    ASSERT_TRUE(c.put_object(uri, content).ok());

    auto info = c.head_object(uri);
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->size, size);
    EXPECT_FALSE(info->etag.empty());

    auto stream = c.get_object(uri);
    ASSERT_TRUE(stream.ok()) << stream.error().message;
    EXPECT_EQ((*stream)->info().size, size);
    EXPECT_EQ((*stream)->info().etag, info->etag);
    auto data = read_all(**stream);
    ASSERT_TRUE(data.ok()) << data.error().message;
    EXPECT_TRUE(*data == content) << "content differs; got " << data->size() << " bytes";
    EXPECT_EQ((*stream)->offset(), size);
  }
}

TEST_F(S3IntegrationTest, SmallReadsOfALargeObject) {
  auto c = client();
  const S3Uri uri{kBucket, "small-reads.bin"};
  const std::string content = make_content(3 << 20, 42);
  ASSERT_TRUE(c.put_object(uri, content).ok());
  auto stream = c.get_object(uri);
  ASSERT_TRUE(stream.ok());
  auto data = read_all(**stream, 1000);  // far smaller than curl's chunks
  ASSERT_TRUE(data.ok()) << data.error().message;
  EXPECT_TRUE(*data == content);
}

// Resident set size of this process in bytes (Linux).
size_t rss_bytes() {
  const std::string statm = testsupport::read_file("/proc/self/statm");
  const size_t space = statm.find(' ');
  return std::stoull(statm.substr(space + 1)) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

uint64_t fnv1a(uint64_t h, const char* data, size_t n) {
  for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<unsigned char>(data[i])) * 1099511628211ULL;
  return h;
}

TEST_F(S3IntegrationTest, MemoryStaysBoundedWhateverTheObjectSize) {
  auto c = client();
  const S3Uri uri{kBucket, "memory.bin"};
  constexpr size_t kSize = 48 << 20;
  uint64_t expected = 14695981039346656037ULL;
  {
    const std::string content = make_content(kSize, 99);
    expected = fnv1a(expected, content.data(), content.size());
    ASSERT_TRUE(c.put_object(uri, content).ok());
  }
  const size_t before = rss_bytes();
  auto stream = c.get_object(uri);
  ASSERT_TRUE(stream.ok());
  uint64_t got = 14695981039346656037ULL;
  size_t peak = before;
  size_t total = 0;
  char buf[4096];
  for (size_t i = 0;; ++i) {
    auto n = (*stream)->read(buf);
    ASSERT_TRUE(n.ok()) << n.error().message;
    if (*n == 0) break;
    got = fnv1a(got, buf, *n);
    total += *n;
    if (i % 256 == 0) peak = std::max(peak, rss_bytes());
  }
  EXPECT_EQ(total, kSize);
  EXPECT_EQ(got, expected);
  // The whole object would be 48 MiB; the stream holds about 1 MiB.
  EXPECT_LT(peak - before, size_t{8} << 20) << "RSS grew by " << (peak - before) << " bytes";
}

TEST_F(S3IntegrationTest, GetFromAnOffset) {
  auto c = client();
  const S3Uri uri{kBucket, "ranged.bin"};
  const std::string content = make_content(100000, 7);
  ASSERT_TRUE(c.put_object(uri, content).ok());
  for (uint64_t offset : {uint64_t{1}, uint64_t{12345}, uint64_t{99999}}) {
    SCOPED_TRACE(offset);
    auto stream = c.get_object(uri, offset);
    ASSERT_TRUE(stream.ok()) << stream.error().message;
    EXPECT_EQ((*stream)->info().size, content.size());
    EXPECT_EQ((*stream)->offset(), offset);
    auto data = read_all(**stream);
    ASSERT_TRUE(data.ok()) << data.error().message;
    EXPECT_TRUE(*data == content.substr(offset));
  }
  auto at_end = c.get_object(uri, content.size());
  ASSERT_TRUE(at_end.ok()) << at_end.error().message;
  auto rest = read_all(**at_end);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(*rest, "");
  auto beyond = c.get_object(uri, content.size() + 1);
  ASSERT_FALSE(beyond.ok());
  EXPECT_EQ(beyond.error().code, "InvalidRange");
}

// Lists keys under `prefix` with a request signed by our signer and sent by
// the test HTTP client, so the server's own view of the key names is seen.
std::string list_keys_xml(const S3rverProcess& server, const std::string& prefix) {
  HttpRequest req;
  req.method = "GET";
  req.host = server.endpoint().substr(std::string("http://").size());
  req.path = std::string("/") + kBucket;
  req.query = {{"list-type", "2"}, {"prefix", prefix}};
  req.payload_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  SigningParams params;
  params.region = "us-east-1";
  params.time = SystemClock::instance().now();
  Credentials creds{server.access_key_id(), SecretString(server.secret_access_key()), {}};
  auto headers = sign_request(req, creds, params);
  headers.erase("host");
  const std::string url =
      server.endpoint() + req.path + "?list-type=2&prefix=" + uri_encode(prefix, true);
  auto response = testsupport::request("GET", url, headers);
  EXPECT_EQ(response.status, 200) << response.error << response.body;
  return response.body;
}

TEST_F(S3IntegrationTest, AwkwardKeysRoundTripUnderTheirOwnNames) {
  auto c = client();
  const std::vector<std::string> keys = {
      "awkward/with space.csv",
      "awkward/plus+equals=paren(star*.csv",
      "awkward/\xC3\xBCnic\xC3\xB8"
      "de/\xE6\x97\xA5\xE6\x9C\xAC.csv",
      "awkward/deep/er/path/file.csv",
      "awkward/percent%20literal.csv",
      "awkward/tilde~bang!quote'comma,semi;colon:at@dollar$.csv",
  };
  for (size_t i = 0; i < keys.size(); ++i) {
    SCOPED_TRACE(keys[i]);
    const S3Uri uri{kBucket, keys[i]};
    const std::string content = "content of " + keys[i];
    auto put = c.put_object(uri, content);
    ASSERT_TRUE(put.ok()) << put.error().message;
    auto info = c.head_object(uri);
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->size, content.size());
    auto stream = c.get_object(uri);
    ASSERT_TRUE(stream.ok()) << stream.error().message;
    auto data = read_all(**stream);
    ASSERT_TRUE(data.ok());
    EXPECT_EQ(*data, content);
  }
  // The server stored each object under exactly our key (no double encoding).
  const std::string xml = list_keys_xml(*server_, "awkward/");
  for (const auto& key : keys) {
    // S3rver escapes "'" twice in listings (&amp;#x27;); other characters
    // arrive as they are.
    std::string escaped;
    for (char ch : key) {
      if (ch == '\'') {
        escaped += "&amp;#x27;";
      } else {
        escaped.push_back(ch);
      }
    }
    EXPECT_TRUE(xml.find("<Key>" + key + "</Key>") != std::string::npos ||
                xml.find("<Key>" + escaped + "</Key>") != std::string::npos)
        << key << " not in listing:\n"
        << xml;
  }
}

TEST_F(S3IntegrationTest, WrongSecretIsSignatureDoesNotMatch) {
  Credentials bad = creds();
  bad.secret_access_key = SecretString("not-the-secret-" + server_->secret_access_key());
  S3Client c(config_for(server_->endpoint()), bad);
  const S3Uri uri{kBucket, "anything.csv"};
  auto get = c.get_object(uri);
  ASSERT_FALSE(get.ok());
  EXPECT_EQ(get.error().code, "SignatureDoesNotMatch");
  EXPECT_TRUE(get.error().message.starts_with(
      "S3 GET s3://skillsync-test/anything.csv: 403 SignatureDoesNotMatch: "))
      << get.error().message;
  EXPECT_EQ(get.error().message.find(server_->secret_access_key()), std::string::npos);
  auto put = c.put_object(uri, "x");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, "SignatureDoesNotMatch");
  // HEAD answers carry no body: a 403 is all there is to go on.
  auto head = c.head_object(uri);
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().code, "AccessDenied");
}

TEST_F(S3IntegrationTest, UnknownAccessKeyIdIsInvalidAccessKeyId) {
  Credentials bad = creds();
  bad.access_key_id = "AKIAUNKNOWN";
  S3Client c(config_for(server_->endpoint()), bad);
  auto get = c.get_object({kBucket, "anything.csv"});
  ASSERT_FALSE(get.ok());
  EXPECT_EQ(get.error().code, "InvalidAccessKeyId");
}

TEST_F(S3IntegrationTest, MissingKeyAndBucket) {
  auto c = client();
  auto get = c.get_object({kBucket, "no/such/key.csv"});
  ASSERT_FALSE(get.ok());
  EXPECT_EQ(get.error().code, "NoSuchKey");
  EXPECT_EQ(get.error().message,
            "S3 GET s3://skillsync-test/no/such/key.csv: 404 NoSuchKey: The specified key does "
            "not exist.");
  auto head = c.head_object({kBucket, "no/such/key.csv"});
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().code, "NoSuchKey");

  auto no_bucket = c.get_object({"no-such-bucket", "key.csv"});
  ASSERT_FALSE(no_bucket.ok());
  EXPECT_EQ(no_bucket.error().code, "NoSuchBucket");
  auto put = c.put_object({"no-such-bucket", "key.csv"}, "x");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, "NoSuchBucket");
}

TEST_F(S3IntegrationTest, CreateBucketThenUseIt) {
  auto c = client();
  ASSERT_TRUE(c.create_bucket("created-by-test").ok());
  const S3Uri uri{"created-by-test", "k.csv"};
  ASSERT_TRUE(c.put_object(uri, "a,b\n1,2\n").ok());
  auto stream = c.get_object(uri);
  ASSERT_TRUE(stream.ok());
  auto data = read_all(**stream);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(*data, "a,b\n1,2\n");
}

TEST_F(S3IntegrationTest, ServerRefusesUnsignedRequests) {
  auto response = testsupport::request("GET", server_->endpoint() + "/" + kBucket + "/x");
  EXPECT_EQ(response.status, 403);
  EXPECT_NE(response.body.find("<Code>AccessDenied</Code>"), std::string::npos) << response.body;
}

TEST(S3SessionTokenTest, TokenIsRequiredAndChecked) {
  S3rverOptions options;
  options.buckets = {kBucket};
  options.session_token = "session-token-" + std::to_string(std::random_device{}());
  S3rverProcess server(options);
  const S3Uri uri{kBucket, "token.csv"};

  Credentials good{server.access_key_id(), SecretString(server.secret_access_key()),
                   SecretString(server.session_token())};
  S3Client with_token(config_for(server.endpoint()), good);
  ASSERT_TRUE(with_token.put_object(uri, "hello").ok());
  auto stream = with_token.get_object(uri);
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  auto data = read_all(**stream);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(*data, "hello");

  Credentials none{server.access_key_id(), SecretString(server.secret_access_key()), {}};
  S3Client without_token(config_for(server.endpoint()), none);
  auto refused = without_token.get_object(uri);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "InvalidToken");

  Credentials wrong = good;
  wrong.session_token = SecretString("another-token");
  S3Client wrong_token(config_for(server.endpoint()), wrong);
  auto refused_too = wrong_token.get_object(uri);
  ASSERT_FALSE(refused_too.ok());
  EXPECT_EQ(refused_too.error().code, "InvalidToken");
  EXPECT_EQ(refused_too.error().message.find("another-token"), std::string::npos);
}

TEST(S3ConnectionTest, RefusedConnectionFailsAfterRetries) {
  const int port = testsupport::free_port();  // nothing listens there
  ClientConfig config = config_for("http://127.0.0.1:" + std::to_string(port));
  const std::string secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  S3Client c(config, {"AKID", SecretString(secret), {}});
  auto get = c.get_object({kBucket, "k.csv"});
  ASSERT_FALSE(get.ok());
  EXPECT_EQ(get.error().code, "connection_failed");
  EXPECT_NE(get.error().message.find("after 3 attempts"), std::string::npos) << get.error().message;
  EXPECT_EQ(get.error().message.find(secret), std::string::npos);
  auto head = c.head_object({kBucket, "k.csv"});
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().code, "connection_failed");
  auto put = c.put_object({kBucket, "k.csv"}, "x");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, "connection_failed");
}

TEST(S3ConnectionTest, ServerKilledWhileIdleIsAConnectionFailure) {
  auto server = std::make_unique<S3rverProcess>(S3rverOptions{{kBucket}, "", false});
  const std::string endpoint = server->endpoint();
  Credentials creds{server->access_key_id(), SecretString(server->secret_access_key()), {}};
  S3Client c(config_for(endpoint), creds);
  ASSERT_TRUE(c.put_object({kBucket, "k"}, "v").ok());
  server.reset();  // SIGKILL
  auto get = c.get_object({kBucket, "k"});
  ASSERT_FALSE(get.ok());
  EXPECT_EQ(get.error().code, "connection_failed");
}

}  // namespace
}  // namespace skillsync::source::s3
