// S3Client against the real S3 server through a fault-injecting TCP proxy
// (tests/support/fault_proxy.hpp): cuts, stalls, refused connections and
// 503 SlowDown bursts. Each case ends with exactly the object's bytes
// (same SHA-256), or, when the faults outlast max_attempts or the deadline,
// with the right error, which never carries a credential.
#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <vector>

#include "common/crypto.hpp"
#include "source/s3/s3.hpp"
#include "support/fault_proxy.hpp"
#include "support/s3rver.hpp"

namespace skillsync::source::s3 {
namespace {

using std::chrono::milliseconds;
using testsupport::Fault;
using testsupport::FaultProxy;
using testsupport::S3rverOptions;
using testsupport::S3rverProcess;
using Clock = std::chrono::steady_clock;

constexpr const char* kBucket = "faults";
constexpr const char* kKey = "big/object.csv";
constexpr size_t kSize = (4 << 20) + 123;
constexpr uint64_t kMiB = 1 << 20;

std::string make_content(size_t size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<char>(rng() & 0xFF);
  return out;
}

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

// "bytes=123-" of a recorded request head, or -1.
int64_t range_start(const std::string& head) {
  static const std::regex kRange(R"(\r\nrange: bytes=(\d+)-)", std::regex::icase);
  std::smatch m;
  if (!std::regex_search(head, m, kRange)) return -1;
  return std::stoll(m[1].str());
}

class S3FaultTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    S3rverOptions options;
    options.buckets = {kBucket};
    options.require_auth = true;
    options.session_token = "session-token-" + crypto::hex(crypto::random_bytes(12));
    server_ = new S3rverProcess(options);
    content_ = new std::string(make_content(kSize, 2024));
    sha_ = crypto::sha256_hex(*content_);
    S3Client direct(config_for(server_->endpoint()), creds());
    auto put = direct.put_object({kBucket, kKey}, *content_);
    ASSERT_TRUE(put.ok()) << put.error().message;
    auto head = direct.head_object({kBucket, kKey});
    ASSERT_TRUE(head.ok());
    etag_ = head->etag;
  }
  static void TearDownTestSuite() {
    delete server_;
    delete content_;
    server_ = nullptr;
    content_ = nullptr;
  }

  static Credentials creds() {
    return {server_->access_key_id(), SecretString(server_->secret_access_key()),
            SecretString(server_->session_token())};
  }
  static ClientConfig config_for(const std::string& endpoint) {
    ClientConfig c;
    c.endpoint = endpoint;
    c.max_attempts = 4;
    c.backoff_base = milliseconds(1);
    c.backoff_cap = milliseconds(5);
    c.connect_timeout = milliseconds(2000);
    c.stall_timeout = std::chrono::seconds(1);
    c.retry_deadline = std::chrono::seconds(30);
    return c;
  }
  ClientConfig config() const { return config_for(proxy_.endpoint()); }
  S3Client client(ClientConfig c) const { return S3Client(std::move(c), creds()); }

  // Reads the object through the proxy; its SHA-256 if all went well.
  Result<std::string> read_through_proxy(ClientConfig c) {
    auto s3 = client(std::move(c));
    auto stream = s3.get_object({kBucket, kKey});
    if (!stream.ok()) return stream.error();
    auto data = read_all(**stream);
    if (!data.ok()) return data.error();
    return crypto::sha256_hex(*data);
  }

  static void expect_no_secrets(const Error& e) {
    EXPECT_EQ(e.message.find(server_->secret_access_key()), std::string::npos) << e.message;
    EXPECT_EQ(e.message.find(server_->session_token()), std::string::npos) << e.message;
    EXPECT_EQ(e.message.find("Signature="), std::string::npos) << e.message;
    EXPECT_EQ(e.message.find("X-Amz-"), std::string::npos) << e.message;
  }

  static S3rverProcess* server_;
  static std::string* content_;
  static std::string sha_;
  static std::string etag_;
  FaultProxy proxy_{server_->port()};
};

S3rverProcess* S3FaultTest::server_ = nullptr;
std::string* S3FaultTest::content_ = nullptr;
std::string S3FaultTest::sha_;
std::string S3FaultTest::etag_;

TEST_F(S3FaultTest, PassThroughIsOneRequest) {
  auto sha = read_through_proxy(config());
  ASSERT_TRUE(sha.ok()) << sha.error().message;
  EXPECT_EQ(*sha, sha_);
  EXPECT_EQ(proxy_.connections(), 1);
  EXPECT_EQ(range_start(proxy_.request_heads().at(0)), -1);
}

TEST_F(S3FaultTest, CutsResumeAtTheOffsetWithIfMatch) {
  // Mid-body, mid-headers of the resumed answer, mid-body again.
  proxy_.script({Fault::cut(kMiB), Fault::cut(40), Fault::cut(2 * kMiB)});
  auto sha = read_through_proxy(config());
  ASSERT_TRUE(sha.ok()) << sha.error().message;
  EXPECT_EQ(*sha, sha_);
  const auto heads = proxy_.request_heads();
  ASSERT_EQ(heads.size(), 4u);
  // A reset also drops what sat unread in the client's socket buffer, so
  // the resume points are what the reader really got, not what was sent.
  const int64_t first = range_start(heads[1]);
  EXPECT_GT(first, 0);
  EXPECT_LT(first, static_cast<int64_t>(kMiB));  // the first cut counted headers too
  EXPECT_EQ(range_start(heads[2]), first);       // nothing arrived in between
  EXPECT_GT(range_start(heads[3]), first);
  EXPECT_LT(range_start(heads[3]), first + static_cast<int64_t>(2 * kMiB));
  for (size_t i = 1; i < heads.size(); ++i) {
    EXPECT_NE(heads[i].find("\r\nif-match: " + etag_), std::string::npos) << heads[i];
  }
}

TEST_F(S3FaultTest, RefusedConnectionsAreRetried) {
  proxy_.script({Fault::refuse(), Fault::refuse(), Fault::refuse()});
  auto sha = read_through_proxy(config());
  ASSERT_TRUE(sha.ok()) << sha.error().message;
  EXPECT_EQ(*sha, sha_);
  EXPECT_EQ(proxy_.connections(), 4);
}

TEST_F(S3FaultTest, SlowDownBurstIsRetried) {
  proxy_.script({Fault::slow_down(), Fault::slow_down(), Fault::slow_down()});
  auto sha = read_through_proxy(config());
  ASSERT_TRUE(sha.ok()) << sha.error().message;
  EXPECT_EQ(*sha, sha_);
  const auto heads = proxy_.request_heads();
  ASSERT_EQ(heads.size(), 4u);
  for (const auto& head : heads)
    EXPECT_TRUE(head.starts_with("GET /faults/big/object.csv ")) << head;
}

TEST_F(S3FaultTest, SlowDownOutlastingMaxAttemptsIsSlowDown) {
  proxy_.set_default(Fault::slow_down());
  auto c = config();
  c.max_attempts = 3;
  auto sha = read_through_proxy(c);
  ASSERT_FALSE(sha.ok());
  EXPECT_EQ(sha.error().code, "SlowDown");
  EXPECT_EQ(sha.error().message,
            "S3 GET s3://faults/big/object.csv: 503 SlowDown: Please reduce your request rate. "
            "(after 3 attempts)");
  EXPECT_EQ(proxy_.connections(), 3);
}

TEST_F(S3FaultTest, AShortStallIsWaitedOut) {
  proxy_.script({Fault::stall_for(kMiB, milliseconds(300))});
  auto sha = read_through_proxy(config());
  ASSERT_TRUE(sha.ok()) << sha.error().message;
  EXPECT_EQ(*sha, sha_);
  EXPECT_EQ(proxy_.connections(), 1);
}

TEST_F(S3FaultTest, AStallOfStallTimeoutReopensAtTheOffset) {
  proxy_.script({Fault::stall_for(kMiB, milliseconds(20000))});
  const auto start = Clock::now();
  auto sha = read_through_proxy(config());
  const auto took = Clock::now() - start;
  ASSERT_TRUE(sha.ok()) << sha.error().message;
  EXPECT_EQ(*sha, sha_);
  const auto heads = proxy_.request_heads();
  ASSERT_EQ(heads.size(), 2u);
  EXPECT_GT(range_start(heads[1]), 0);
  EXPECT_GE(took, milliseconds(1000));   // stall_timeout
  EXPECT_LT(took, milliseconds(10000));  // far less than the stall itself (20 s)
}

TEST_F(S3FaultTest, StallBeforeTheHeadersIsAlsoRetried) {
  proxy_.script({Fault::stall_for(0, milliseconds(20000))});
  auto sha = read_through_proxy(config());
  ASSERT_TRUE(sha.ok()) << sha.error().message;
  EXPECT_EQ(*sha, sha_);
  EXPECT_EQ(proxy_.connections(), 2);
}

TEST_F(S3FaultTest, FaultsOutlastingMaxAttemptsMidStream) {
  proxy_.script({Fault::cut(kMiB)});
  proxy_.set_default(Fault::refuse());
  auto c = config();
  c.max_attempts = 3;
  auto s3 = client(c);
  auto stream = s3.get_object({kBucket, kKey});
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  auto data = read_all(**stream);
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.error().code, "connection_failed");
  EXPECT_TRUE(data.error().message.starts_with("S3 GET s3://faults/big/object.csv at byte "))
      << data.error().message;
  EXPECT_NE(data.error().message.find("(after 3 attempts)"), std::string::npos);
  EXPECT_GT((*stream)->offset(), 0u);
  EXPECT_LT((*stream)->offset(), kMiB);
  EXPECT_EQ(proxy_.connections(), 3);
  expect_no_secrets(data.error());
}

TEST_F(S3FaultTest, DeadlinePassesWhileEveryConnectionStalls) {
  proxy_.script({Fault::stall_for(kMiB, milliseconds(20000))});
  proxy_.set_default(Fault::stall_for(0, milliseconds(20000)));
  auto c = config();
  c.max_attempts = 100;
  c.retry_deadline = milliseconds(2500);
  auto s3 = client(c);
  auto stream = s3.get_object({kBucket, kKey});
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  const auto start = Clock::now();
  auto data = read_all(**stream);
  const auto took = Clock::now() - start;
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.error().code, "timeout");
  EXPECT_NE(data.error().message.find("(retry_deadline 2500 ms); last error: "), std::string::npos)
      << data.error().message;
  EXPECT_GE(took, milliseconds(2400));
  EXPECT_LT(took, milliseconds(10000));  // the stalls last 20 s
  EXPECT_GE(proxy_.connections(), 3);    // the first stall, then at least two reopens
  expect_no_secrets(data.error());
}

TEST_F(S3FaultTest, HeadObjectGivesUpAtHeadTimeout) {
  proxy_.set_default(Fault::stall_for(0, milliseconds(20000)));
  auto c = config();
  c.stall_timeout = std::chrono::seconds(30);  // only head_timeout can end it
  c.head_timeout = milliseconds(1500);
  auto s3 = client(c);
  const auto start = Clock::now();
  auto head = s3.head_object({kBucket, kKey});
  const auto took = Clock::now() - start;
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().code, "timeout");
  EXPECT_NE(head.error().message.find("(head_timeout 1500 ms)"), std::string::npos)
      << head.error().message;
  EXPECT_LT(took, milliseconds(10000));  // the stall lasts 20 s
  expect_no_secrets(head.error());
}

TEST_F(S3FaultTest, HeadObjectThroughFaults) {
  proxy_.script({Fault::refuse(), Fault::slow_down()});
  auto head = client(config()).head_object({kBucket, kKey});
  ASSERT_TRUE(head.ok()) << head.error().message;
  EXPECT_EQ(head->size, kSize);
  EXPECT_EQ(head->etag, etag_);
}

TEST_F(S3FaultTest, ObjectReplacedBetweenCutAndResumeIsObjectChanged) {
  const S3Uri uri{kBucket, "changing.csv"};
  S3Client direct(config_for(server_->endpoint()), creds());
  ASSERT_TRUE(direct.put_object(uri, make_content(2 * kMiB, 1)).ok());
  proxy_.script({Fault::cut(256 * 1024)});
  auto s3 = client(config());
  auto stream = s3.get_object(uri);
  ASSERT_TRUE(stream.ok());
  ASSERT_TRUE(direct.put_object(uri, make_content(2 * kMiB, 2)).ok());
  auto data = read_all(**stream);
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.error().code, "object_changed");
  EXPECT_NE(data.error().message.find("s3://faults/changing.csv"), std::string::npos);
  // The test server honours If-Match: the resumed GET was refused with 412.
  const auto statuses = proxy_.response_status_lines();
  ASSERT_FALSE(statuses.empty());
  EXPECT_TRUE(statuses.back().starts_with("HTTP/1.1 412")) << statuses.back();
}

TEST_F(S3FaultTest, PresignedUrlResumesThroughFaults) {
  auto c = config();
  auto url = presign_get(c, {kBucket, kKey}, creds(), std::chrono::seconds(600),
                         SystemClock::instance().now());
  ASSERT_TRUE(url.ok());
  auto presigned = parse_presigned_url(*url, c);
  ASSERT_TRUE(presigned.ok()) << presigned.error().message;
  proxy_.script({Fault::cut(kMiB), Fault::slow_down(), Fault::refuse(),
                 Fault::stall_for(2 * kMiB, milliseconds(20000))});
  S3Client s3(c, Credentials{});  // no credentials: the URL is the credential
  auto stream = s3.get_presigned(*presigned);
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  auto data = read_all(**stream);
  ASSERT_TRUE(data.ok()) << data.error().message;
  EXPECT_EQ(crypto::sha256_hex(*data), sha_);
  const auto heads = proxy_.request_heads();
  ASSERT_EQ(heads.size(), 5u);
  EXPECT_EQ(heads[2], "");  // refused before a request came
  for (const auto& head : heads) {
    if (head.empty()) continue;
    EXPECT_NE(head.find("X-Amz-Signature="), std::string::npos);
    EXPECT_EQ(head.find("\r\nauthorization:"), std::string::npos);
  }
  EXPECT_GT(range_start(heads[4]), range_start(heads[1]));

  // Faults that outlast the attempts: the error names the URL without its query.
  proxy_.set_default(Fault::refuse());
  auto failed = s3.get_presigned(*presigned);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, "connection_failed");
  EXPECT_NE(failed.error().message.find(presigned->redacted), std::string::npos);
  expect_no_secrets(failed.error());
}

}  // namespace
}  // namespace skillsync::source::s3
