// No error of the S3 client carries a credential, a signature or a
// presigned query string, whatever path produced it: S3 errors (even ones
// that echo what they were sent), transport failures, stalls, deadlines,
// head timeouts, listings and presigned URLs.
#include <gtest/gtest.h>

#include "scripted_transport.hpp"
#include "source/s3/s3.hpp"

namespace skillsync::source::s3 {
namespace {

using std::chrono::milliseconds;
using testing::Canned;
using testing::s3_error_xml;
using testing::Script;
using testing::ScriptedTransport;

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr const char* kToken = "FQoGZXIvYXdzEXAMPLE-SESSION-TOKEN";

class SecretsTest : public ::testing::Test {
 protected:
  S3Client client(ClientConfig config = {}) {
    config.endpoint = "http://fake";
    config.max_attempts = 2;
    config.backoff_base = milliseconds(1);
    config.backoff_cap = milliseconds(1);
    return S3Client(config, {"AKIDEXAMPLE", SecretString(kSecret), SecretString(kToken)},
                    std::make_unique<ScriptedTransport>(script_));
  }
  static void expect_clean(const Error& e) {
    EXPECT_FALSE(e.message.empty());
    EXPECT_EQ(e.message.find(kSecret), std::string::npos) << e.message;
    EXPECT_EQ(e.message.find(kToken), std::string::npos) << e.message;
    EXPECT_EQ(e.message.find("X-Amz-Signature"), std::string::npos) << e.message;
    EXPECT_EQ(e.message.find("Signature="), std::string::npos) << e.message;
  }
  std::shared_ptr<Script> script_ = std::make_shared<Script>();
};

TEST_F(SecretsTest, ServerMessagesThatEchoSecretsAreScrubbed) {
  const std::string echo = std::string("secret ") + kSecret + " token " + kToken;
  script_->fallback = {403, {}, s3_error_xml("SignatureDoesNotMatch", echo)};
  auto c = client();
  const Error get = c.get_object({"b", "k"}).error();
  EXPECT_EQ(get.code, "SignatureDoesNotMatch");
  EXPECT_EQ(get.message,
            "S3 GET s3://b/k: 403 SignatureDoesNotMatch: secret [redacted] token [redacted]");
  expect_clean(get);
  expect_clean(c.put_object({"b", "k"}, "x").error());
  expect_clean(c.list_objects("b", "p/").error());
  // Transport failures whose text mentions them too.
  script_->fallback = {0, {}, "", Error{"connection_failed", echo}};
  expect_clean(c.head_object({"b", "k"}).error());
  expect_clean(c.get_object({"b", "k"}).error());
}

// No length exemption: a short secret or token is scrubbed too.
TEST_F(SecretsTest, ShortSecretsAreScrubbedToo) {
  ClientConfig config;
  config.endpoint = "http://fake";
  config.max_attempts = 1;
  S3Client c(config, {"AKIDEXAMPLE", SecretString("Zq7"), SecretString("tK9x")},
             std::make_unique<ScriptedTransport>(script_));
  script_->fallback = {403, {}, s3_error_xml("AccessDenied", "echo Zq7 and tK9x")};
  const Error e = c.get_object({"b", "k"}).error();
  EXPECT_EQ(e.message, "S3 GET s3://b/k: 403 AccessDenied: echo [redacted] and [redacted]");
}

TEST_F(SecretsTest, StallDeadlineAndHeadTimeoutErrors) {
  ClientConfig config;
  config.retry_deadline = milliseconds(150);
  config.head_timeout = milliseconds(150);
  auto c = [&] {
    auto cfg = config;
    cfg.max_attempts = 1000;
    return client(cfg);
  }();
  script_->fallback = {
      0, {}, "", Error{"timeout", "no data received for 1000 ms"}, milliseconds(30)};
  const Error deadline = c.get_object({"b", "k"}).error();
  EXPECT_EQ(deadline.code, "timeout");
  expect_clean(deadline);
  const Error head = c.head_object({"b", "k"}).error();
  EXPECT_EQ(head.code, "timeout");
  expect_clean(head);

  // A stall mid-stream: the body ends early and every reopen stalls.
  script_->push({200, {{"content-length", "10"}, {"etag", "\"e\""}}, "0123"});
  auto s = c.get_object({"b", "k"});
  ASSERT_TRUE(s.ok());
  char buf[16];
  ASSERT_TRUE((*s)->read(buf).ok());
  auto stalled = (*s)->read(buf);
  ASSERT_FALSE(stalled.ok());
  EXPECT_EQ(stalled.error().code, "timeout");
  expect_clean(stalled.error());
}

TEST_F(SecretsTest, PresignedUrlErrorsShowNoQuery) {
  ClientConfig config;
  config.endpoint = "http://fake";
  auto url = presign_get(config, {"b", "k.csv"},
                         {"AKIDEXAMPLE", SecretString(kSecret), SecretString(kToken)},
                         std::chrono::seconds(60), SystemClock::instance().now());
  ASSERT_TRUE(url.ok());
  EXPECT_NE(url->find("X-Amz-Security-Token="), std::string::npos);  // the URL holds the token
  auto presigned = parse_presigned_url(*url, config);
  ASSERT_TRUE(presigned.ok());
  auto c = client();
  script_->fallback = {403, {}, s3_error_xml("AccessDenied", "denied for " + *url)};
  const Error e = c.get_presigned(*presigned).error();
  EXPECT_EQ(e.message, "S3 GET http://fake/b/k.csv: 403 AccessDenied: denied for [redacted]");
  expect_clean(e);
  expect_clean(c.head_presigned(*presigned).error());
  // Validation errors never echo the query either.
  const Error invalid = parse_presigned_url(*url + "#fragment", config).error();
  expect_clean(invalid);
  EXPECT_EQ(invalid.message.find("X-Amz"), std::string::npos);
}

}  // namespace
}  // namespace skillsync::source::s3
