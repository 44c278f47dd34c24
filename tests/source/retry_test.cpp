// retry_with_budget, the S3 client's one retry loop, alone (attempts that
// fail on cue) and through every request path of S3Client over the scripted
// transport: each path stops after the same number of attempts with the
// same wording, and none sends anything once its token is set.
#include <gtest/gtest.h>

#include <functional>

#include "scripted_transport.hpp"
#include "source/s3/retry.hpp"
#include "source/s3/s3.hpp"

namespace skillsync::source::s3 {
namespace {

using internal::Attempt;
using internal::Budget;
using internal::ClientCore;
using internal::Failure;
using internal::GetTarget;
using internal::RetryScope;
using std::chrono::milliseconds;
using testing::Canned;
using testing::Script;
using testing::ScriptedTransport;

constexpr const char* kSecret = "SECRET-DO-NOT-LEAK";

ClientConfig fast_config(int max_attempts) {
  ClientConfig config;
  config.endpoint = "http://fake";
  config.max_attempts = max_attempts;
  config.backoff_base = milliseconds(1);
  config.backoff_cap = milliseconds(1);
  return config;
}

Failure transient(std::string message = "S3 GET s3://bucket/k: connection_failed: refused") {
  return {Error{Errc::kConnectionFailed, std::move(message)}, true};
}

class RetryTest : public ::testing::Test {
 protected:
  // Runs `attempt` under a scope of this fixture; counts the calls.
  Status run(const std::function<std::optional<Failure>(int call)>& attempt,
             std::optional<Failure> failed = std::nullopt) {
    const Budget budget(budget_limit);
    const RetryScope scope{*core_, target_,          "S3 GET s3://bucket/k",
                           budget, "retry_deadline", cancel};
    const Attempt counted = [&](milliseconds limit) {
      limits.push_back(limit);
      EXPECT_LE(limit, budget_limit);
      EXPECT_GE(limit, milliseconds(1));
      return attempt(++calls);
    };
    return internal::retry_with_budget(scope, counted, std::move(failed));
  }

  static std::unique_ptr<ClientCore> make_core(int max_attempts) {
    return std::make_unique<ClientCore>(
        fast_config(max_attempts), Credentials{"AKIDTEST", SecretString(kSecret), {}},
        std::make_unique<ScriptedTransport>(std::make_shared<Script>()));
  }

  std::unique_ptr<ClientCore> core_ = make_core(3);
  GetTarget target_ = GetTarget::for_object({"bucket", "k"});
  milliseconds budget_limit{60000};
  const CancellationToken* cancel = nullptr;
  int calls = 0;
  std::vector<milliseconds> limits;
};

TEST_F(RetryTest, TransientFailuresAreRetriedUntilAnAttemptSucceeds) {
  auto done = run([](int call) -> std::optional<Failure> {
    if (call < 3) return transient();
    return std::nullopt;
  });
  EXPECT_TRUE(done.ok());
  EXPECT_EQ(calls, 3);
}

TEST_F(RetryTest, AFailureThatIsNotTransientEndsItAtOnceAsItIs) {
  auto done = run([](int) -> std::optional<Failure> {
    return Failure{Error{"AccessDenied", "S3 GET s3://bucket/k: 403 AccessDenied"}, false};
  });
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error(), Error("AccessDenied", "S3 GET s3://bucket/k: 403 AccessDenied"));
  EXPECT_EQ(calls, 1);
}

TEST_F(RetryTest, MaxAttemptsFailuresInARowEndIt) {
  auto done = run([](int) -> std::optional<Failure> { return transient(); });
  ASSERT_FALSE(done.ok());
  EXPECT_TRUE(done.error().is(Errc::kConnectionFailed));
  EXPECT_EQ(done.error().message,
            "S3 GET s3://bucket/k: connection_failed: refused (after 3 attempts)");
  EXPECT_EQ(calls, 3);
}

TEST_F(RetryTest, AFailureBeforeTheCallCountsAsTheFirst) {
  auto done = run([](int) -> std::optional<Failure> { return transient(); }, transient());
  ASSERT_FALSE(done.ok());
  EXPECT_NE(done.error().message.find("(after 3 attempts)"), std::string::npos);
  EXPECT_EQ(calls, 2);
  // ...and a failure before the call that is not transient makes no attempt.
  calls = 0;
  auto final = run([](int) -> std::optional<Failure> { return std::nullopt; },
                   Failure{Error{"tls_error", "S3 GET s3://bucket/k: tls_error: bad"}, false});
  ASSERT_FALSE(final.ok());
  EXPECT_EQ(final.error().code, "tls_error");
  EXPECT_EQ(calls, 0);
}

TEST_F(RetryTest, TheBudgetEndsItWithTimeoutNamingTheLimitAndTheLastError) {
  core_ = make_core(1000);
  budget_limit = milliseconds(100);
  auto done = run([](int) -> std::optional<Failure> {
    std::this_thread::sleep_for(milliseconds(10));
    return transient();
  });
  ASSERT_FALSE(done.ok());
  EXPECT_TRUE(done.error().is(Errc::kTimeout));
  EXPECT_TRUE(done.error().message.starts_with("S3 GET s3://bucket/k: gave up after "))
      << done.error().message;
  EXPECT_NE(done.error().message.find(
                "(retry_deadline 100 ms); last error: S3 GET s3://bucket/k: connection_failed"),
            std::string::npos)
      << done.error().message;
  EXPECT_GT(calls, 1);
  EXPECT_LT(calls, 1000);
  // Each attempt was cut to what was left.
  for (size_t i = 1; i < limits.size(); ++i) EXPECT_LE(limits[i], limits[i - 1]);
}

TEST_F(RetryTest, ASetTokenMakesNoAttemptAndWinsOverAFailure) {
  CancellationToken token;
  token.cancel();
  cancel = &token;
  auto done = run([](int) -> std::optional<Failure> { return std::nullopt; });
  ASSERT_FALSE(done.ok());
  EXPECT_TRUE(done.error().is(Errc::kCancelled));
  EXPECT_EQ(done.error().message, "S3 GET s3://bucket/k: cancelled: the transfer was interrupted");
  EXPECT_EQ(calls, 0);

  CancellationToken later;
  cancel = &later;
  auto cut = run([&](int) -> std::optional<Failure> {
    later.cancel();  // the cut is the cancel's doing: no retry
    return transient();
  });
  ASSERT_FALSE(cut.ok());
  EXPECT_TRUE(cut.error().is(Errc::kCancelled));
  EXPECT_EQ(calls, 1);
}

TEST_F(RetryTest, SecretsAreScrubbedFromTheErrorItReturns) {
  auto done = run([](int) -> std::optional<Failure> {
    return Failure{Error{"AccessDenied", std::string("server echoed ") + kSecret}, false};
  });
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().message.find(kSecret), std::string::npos) << done.error().message;
}

template <class T>
Status status(const Result<T>& result) {
  if (!result.ok()) return result.error();
  return ok_status();
}

// Every request path of S3Client, each ending on a 503 SlowDown that never
// clears: the same count of attempts, the same wording.
class EveryPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = fast_config(3);
    auto url = parse_presigned_url("http://fake/bucket/k?X-Amz-Signature=abcdef", config_);
    ASSERT_TRUE(url.ok()) << url.error().message;
    url_ = *url;
    client_ =
        std::make_unique<S3Client>(config_, Credentials{"AKIDTEST", SecretString(kSecret), {}},
                                   std::make_unique<ScriptedTransport>(script_));
    // HEAD answers carry the code in headers only.
    script_->fallback = {
        503,
        {{"x-amz-error-code", "SlowDown"}, {"x-amz-error-message", "Please reduce"}},
        testing::s3_error_xml("SlowDown", "Please reduce")};
  }

  // A stream whose first answer ends after 4 of 10 bytes: its resume is a
  // path of its own.
  Status read_cut_stream() {
    script_->push({200, {{"content-length", "10"}, {"etag", "\"e\""}}, "0123"});
    SKILLSYNC_ASSIGN_OR_RETURN(auto stream, client_->get_object({"bucket", "k"}));
    char buf[16];
    for (;;) {
      SKILLSYNC_ASSIGN_OR_RETURN(size_t n, stream->read(buf));
      if (n == 0) return ok_status();
    }
  }

  std::vector<std::pair<std::string, std::function<Status()>>> paths() {
    S3Client& c = *client_;
    return {
        {"HEAD",
         [&] {
           return status(c.head_object({"bucket", "k"}));
         }},
        {"PUT",
         [&] {
           return c.put_object({"bucket", "k"}, "x");
         }},
        {"LIST", [&] { return status(c.list_objects("bucket", "p/")); }},
        {"GET",
         [&] {
           return status(c.get_object({"bucket", "k"}));
         }},
        {"resume", [&] { return read_cut_stream(); }},
        {"presigned HEAD", [&] { return status(c.head_presigned(url_)); }},
        {"presigned GET", [&] { return status(c.get_presigned(url_)); }},
    };
  }

  ClientConfig config_;
  PresignedUrl url_;
  std::shared_ptr<Script> script_ = std::make_shared<Script>();
  std::unique_ptr<S3Client> client_;
};

TEST_F(EveryPathTest, EachStopsAfterMaxAttemptsWithTheSameWording) {
  for (const auto& [name, call] : paths()) {
    const size_t before = script_->count();
    Status done = call();
    ASSERT_FALSE(done.ok()) << name;
    EXPECT_EQ(done.error().code, "SlowDown") << name;
    EXPECT_TRUE(done.error().message.ends_with(": Please reduce (after 3 attempts)"))
        << name << ": " << done.error().message;
    EXPECT_EQ(script_->count() - before, 3u) << name;
  }
}

}  // namespace
}  // namespace skillsync::source::s3
