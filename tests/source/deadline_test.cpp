// Time limits over a scripted transport: retry_deadline (the total time a
// request or a stream spends retrying) and head_timeout (the whole of a
// HEAD, for checks made while an API caller waits).
#include <gtest/gtest.h>

#include "scripted_transport.hpp"
#include "source/s3/s3.hpp"

namespace skillsync::source::s3 {
namespace {

using std::chrono::milliseconds;
using testing::Canned;
using testing::Script;
using testing::ScriptedTransport;
using Clock = std::chrono::steady_clock;

milliseconds since(Clock::time_point t) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - t);
}

class DeadlineTest : public ::testing::Test {
 protected:
  S3Client client() {
    config.endpoint = "http://fake";
    config.backoff_base = milliseconds(1);
    config.backoff_cap = milliseconds(1);
    return S3Client(
        config, {"AKIDTEST", SecretString("SECRET-DO-NOT-LEAK"), SecretString("TOKEN-DO-NOT-LEAK")},
        std::make_unique<ScriptedTransport>(script_));
  }
  static Canned refused(milliseconds after) {
    return {0, {}, "", Error{"connection_failed", "Connection refused"}, after};
  }
  static Canned truncated_object() {  // 10 bytes announced, 4 sent
    return {200, {{"content-length", "10"}, {"etag", "\"e\""}}, "0123"};
  }

  ClientConfig config;
  std::shared_ptr<Script> script_ = std::make_shared<Script>();
};

TEST_F(DeadlineTest, RetryDeadlineEndsTheRetriesOfAnOpen) {
  config.max_attempts = 1000;
  config.retry_deadline = milliseconds(300);
  script_->fallback = refused(milliseconds(40));
  auto c = client();
  const auto start = Clock::now();
  auto s = c.get_object({"bucket", "k"});
  const auto took = since(start);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "timeout");
  EXPECT_TRUE(s.error().message.starts_with("S3 GET s3://bucket/k: gave up after "))
      << s.error().message;
  EXPECT_NE(s.error().message.find(" ms of retries (retry_deadline 300 ms); last error: S3 GET "
                                   "s3://bucket/k: connection_failed: Connection refused"),
            std::string::npos)
      << s.error().message;
  EXPECT_GE(took, milliseconds(300));
  // Far below the 40 s of retries without the deadline; wide for a loaded
  // 2-core machine under ASan.
  EXPECT_LT(took, milliseconds(5000));
  EXPECT_LT(script_->count(), 20u);
}

TEST_F(DeadlineTest, AttemptsAreCutToWhatIsLeftOfTheDeadline) {
  config.retry_deadline = milliseconds(500);  // stall_timeout stays 60 s
  script_->push(truncated_object());
  script_->fallback = {206, {{"content-range", "bytes 4-9/10"}, {"etag", "\"e\""}}, "456789"};
  auto c = client();
  auto s = c.get_object({"bucket", "k"});
  ASSERT_TRUE(s.ok());
  char buf[16];
  while (true) {
    auto n = (*s)->read(buf);
    ASSERT_TRUE(n.ok()) << n.error().message;
    if (*n == 0) break;
  }
  ASSERT_EQ(script_->count(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_LE(script_->request(i).stall_timeout, milliseconds(500));
    EXPECT_LE(script_->request(i).connect_timeout, milliseconds(500));
  }
}

TEST_F(DeadlineTest, TheReadersOwnTimeDoesNotCount) {
  config.max_attempts = 1000;
  config.retry_deadline = milliseconds(400);
  script_->push(truncated_object());
  script_->fallback = refused(milliseconds(40));
  auto c = client();
  auto s = c.get_object({"bucket", "k"});
  ASSERT_TRUE(s.ok());
  char buf[16];
  auto n = (*s)->read(buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 4u);
  std::this_thread::sleep_for(milliseconds(500));  // longer than the deadline
  const auto start = Clock::now();
  auto failed = (*s)->read(buf);
  const auto took = since(start);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, "timeout");
  EXPECT_TRUE(failed.error().message.starts_with("S3 GET s3://bucket/k at byte 4: gave up after "))
      << failed.error().message;
  EXPECT_GE(took, milliseconds(350));  // the whole deadline was spent retrying
  EXPECT_EQ((*s)->offset(), 4u);
}

TEST_F(DeadlineTest, RetryTimeAddsUpOverTheLifeOfAStream) {
  config.max_attempts = 1000;
  config.retry_deadline = milliseconds(2000);
  script_->push(truncated_object());
  for (int i = 0; i < 6; ++i) script_->push(refused(milliseconds(200)));  // ~1.2 s of retries
  script_->push({206, {{"content-range", "bytes 4-9/10"}, {"etag", "\"e\""}}, "45"});  // 2 of 6
  script_->fallback = refused(milliseconds(50));
  auto c = client();
  auto s = c.get_object({"bucket", "k"});
  ASSERT_TRUE(s.ok());
  char buf[16];
  ASSERT_EQ(*(*s)->read(buf), 4u);
  auto second = (*s)->read(buf);  // survives the first burst
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(std::string(buf, *second), "45");
  const auto start = Clock::now();
  auto failed = (*s)->read(buf);
  const auto took = since(start);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, "timeout");
  // ~0.8 s are left; a deadline restarted per read would spend 2 s.
  EXPECT_LT(took, milliseconds(1700)) << "only what the first burst left should be spent";
  for (const char* secret : {"SECRET-DO-NOT-LEAK", "TOKEN-DO-NOT-LEAK"}) {
    EXPECT_EQ(failed.error().message.find(secret), std::string::npos);
  }
}

TEST_F(DeadlineTest, HeadTimeoutBoundsTheWholeHead) {
  config.max_attempts = 1000;
  config.head_timeout = milliseconds(500);
  script_->fallback = refused(milliseconds(150));
  auto c = client();
  const auto start = Clock::now();
  auto info = c.head_object({"bucket", "k"});
  const auto took = since(start);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code, "timeout");
  EXPECT_NE(info.error().message.find("(head_timeout 500 ms)"), std::string::npos)
      << info.error().message;
  EXPECT_GE(took, milliseconds(450));
  EXPECT_LT(took, milliseconds(5000));  // without the bound: 1,000 attempts of 150 ms
  for (size_t i = 0; i < script_->count(); ++i) {
    EXPECT_LE(script_->request(i).stall_timeout, milliseconds(500));
  }
}

TEST_F(DeadlineTest, HeadTimeoutKeepsS3sAnswerWhenThereIsOne) {
  config.head_timeout = milliseconds(500);
  script_->push({403, {}, ""});
  auto c = client();
  auto info = c.head_object({"bucket", "k"});
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code, "AccessDenied");
  EXPECT_EQ(info.error().message, "S3 HEAD s3://bucket/k: 403 AccessDenied");
}

}  // namespace
}  // namespace skillsync::source::s3
