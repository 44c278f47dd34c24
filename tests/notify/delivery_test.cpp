// notify/delivery: the CloudEvents body, headers, signatures, the retry
// policy and Retry-After, with a fake transport and clock.
#include "notify/delivery.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/crypto.hpp"
#include "notify/events.hpp"

namespace skillsync::notify {
namespace {

class FixedClock final : public Clock {
 public:
  Micros now() const override { return t; }
  Micros t = 1'700'000'000'000'000;
};

class FakeTransport final : public Transport {
 public:
  Result<HttpResponse> post(const HttpRequest& r) override {
    requests.push_back(r);
    if (!fail.empty()) return Error{fail, "fake"};
    return response;
  }
  std::vector<HttpRequest> requests;
  HttpResponse response{204, "", ""};
  std::string fail;
};

std::string header(const HttpRequest& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

std::string unhex(std::string_view h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

class DeliveryTest : public ::testing::Test {
 protected:
  DeliveryTest() {
    endpoint_.id = "wh_1";
    endpoint_.tenant = "acme";
    endpoint_.url = "https://hooks.example.com/in";
    endpoint_.sealed_key = seal_private_key(keys_, "wh_1", key_.private_seed);
    event_.event_id = "evt_1";
    event_.tenant = "acme";
    event_.endpoint_id = "wh_1";
    event_.type = std::string(kTaskCompleted);
    event_.source_path = "/integrations/file-load-tasks/t1";
    event_.data_json = R"({"tenant":"acme","task_id":"t1","rows_loaded":3})";
    event_.created_at = 1'700'000'000'250'000;
  }
  DeliveryResult deliver() {
    Deliverer d(DeliveryConfig{"https://api.example.com", "skillsync-webhooks/9", 3, 15'000'000},
                policy_, resolve_, transport_, keys_, clock_, [] { return 1.0; });
    return d.deliver(event_, endpoint_);
  }

  SealingKeys keys_{SecretString(std::string(32, 'm')), {}};
  KeyPair key_ = generate_key_pair();
  store::WebhookEndpoint endpoint_;
  store::OutboxEvent event_;
  EgressPolicy policy_;
  Resolver resolve_ = [](const std::string&) -> Result<std::vector<std::string>> {
    return std::vector<std::string>{"93.184.216.34"};
  };
  FakeTransport transport_;
  FixedClock clock_;
};

TEST_F(DeliveryTest, PostsASignedCloudEventToThePinnedAddress) {
  auto r = deliver();
  EXPECT_EQ(r.outcome, store::AttemptOutcome::kDelivered);
  EXPECT_EQ(r.attempt.status_code, std::optional<int>(204));
  ASSERT_EQ(transport_.requests.size(), 1u);
  const HttpRequest& req = transport_.requests[0];
  EXPECT_EQ(req.addresses, std::vector<std::string>{"93.184.216.34"});
  EXPECT_EQ(req.host, "hooks.example.com");
  EXPECT_EQ(req.timeout, 15'000'000);
  EXPECT_EQ(header(req, "Content-Type"), "application/json");
  EXPECT_EQ(header(req, "User-Agent"), "skillsync-webhooks/9");
  EXPECT_EQ(header(req, "X-Event-Id"), "evt_1");
  EXPECT_EQ(header(req, "X-Tenant"), "acme");
  EXPECT_EQ(header(req, "X-Signature-Timestamp"), "1700000000");
  const std::string msg = "1700000000:acme:evt_1:" + req.body;
  EXPECT_TRUE(ed25519_verify(key_.public_key, msg, unhex(header(req, "X-Signature-V1"))));
  auto body = boost::json::parse(req.body).as_object();
  EXPECT_EQ(body["specversion"], "1.0");
  EXPECT_EQ(body["type"], "com.skillsync.file_load_task.completed.v1");
  EXPECT_EQ(body["source"], "https://api.example.com/integrations/file-load-tasks/t1");
  EXPECT_EQ(body["id"], "evt_1");
  EXPECT_EQ(body["time"], "2023-11-14T22:13:20.25Z");
  EXPECT_EQ(body["datacontenttype"], "application/json");
  EXPECT_EQ(body["data"].as_object()["rows_loaded"], 3);
}

TEST_F(DeliveryTest, BothKeysSignDuringTheRotationWindowOnly) {
  KeyPair next = generate_key_pair();
  endpoint_.previous_sealed_key = endpoint_.sealed_key;
  endpoint_.sealed_key = seal_private_key(keys_, "wh_1", next.private_seed);
  endpoint_.previous_key_expires_at = clock_.t + 1;
  deliver();
  std::string sigs = header(transport_.requests.back(), "X-Signature-V1");
  const std::string msg = "1700000000:acme:evt_1:" + transport_.requests.back().body;
  ASSERT_EQ(sigs.size(), 257u);
  EXPECT_TRUE(ed25519_verify(next.public_key, msg, unhex(sigs.substr(0, 128))));
  EXPECT_TRUE(ed25519_verify(key_.public_key, msg, unhex(sigs.substr(129))));
  clock_.t += 2'000'000;
  deliver();
  EXPECT_EQ(header(transport_.requests.back(), "X-Signature-V1").size(), 128u);
}

TEST_F(DeliveryTest, RetryableAnswersAreRetriedHonouringRetryAfter) {
  transport_.response = {503, "1", ""};
  auto r = deliver();
  EXPECT_EQ(r.outcome, store::AttemptOutcome::kRetry);
  EXPECT_EQ(r.attempt.next_retry_at, std::optional<Micros>(clock_.t + 1'000'000));
  transport_.response = {429, "Wed, 15 Nov 2023 00:00:00 GMT", ""};
  EXPECT_EQ(deliver().attempt.next_retry_at, std::optional<Micros>(clock_.t + 3600'000'000));
  transport_.response = {500, "", ""};
  event_.round_attempts = 1;  // this is attempt 2: 2 s (jitter 1.0)
  EXPECT_EQ(deliver().attempt.next_retry_at, std::optional<Micros>(clock_.t + 2'000'000));
  event_.round_attempts = 2;  // attempt 3 of 3: give up
  EXPECT_EQ(deliver().outcome, store::AttemptOutcome::kDead);
}

TEST_F(DeliveryTest, OtherAnswersEndTheEvent) {
  transport_.response = {400, "", ""};
  EXPECT_EQ(deliver().outcome, store::AttemptOutcome::kDead);
  transport_.response = {301, "", ""};
  EXPECT_EQ(deliver().outcome, store::AttemptOutcome::kDead);
  transport_.fail = "timeout";
  auto r = deliver();
  EXPECT_EQ(r.outcome, store::AttemptOutcome::kRetry);
  EXPECT_EQ(r.attempt.error, "timeout");
  EXPECT_FALSE(r.attempt.status_code.has_value());
}

TEST_F(DeliveryTest, AnEndpointResolvingInsideIsNeverContacted) {
  resolve_ = [](const std::string&) -> Result<std::vector<std::string>> {
    return std::vector<std::string>{"169.254.169.254"};
  };
  auto r = deliver();
  EXPECT_EQ(r.attempt.error, "forbidden_address");
  EXPECT_EQ(r.outcome, store::AttemptOutcome::kDead);
  EXPECT_TRUE(transport_.requests.empty());
  endpoint_.enabled = false;
  EXPECT_EQ(deliver().attempt.error, "endpoint_disabled");
}

TEST(RetryPolicy, BackoffGrowsWithJitterAndCaps) {
  EXPECT_EQ(backoff_delay(1, std::nullopt, 1.0), 1'000'000);
  EXPECT_EQ(backoff_delay(1, std::nullopt, 0.0), 500'000);
  EXPECT_EQ(backoff_delay(4, std::nullopt, 1.0), 8'000'000);
  EXPECT_EQ(backoff_delay(40, std::nullopt, 1.0), 3600'000'000);
  EXPECT_EQ(parse_retry_after("7", 0), std::optional<Micros>(7'000'000));
  EXPECT_EQ(parse_retry_after("soon", 0), std::nullopt);
  for (int s : {408, 429, 500, 502, 503, 504}) EXPECT_TRUE(is_retryable_status(s));
  for (int s : {400, 401, 404, 410, 501}) EXPECT_FALSE(is_retryable_status(s));
}

}  // namespace
}  // namespace skillsync::notify
