// notify/dispatcher over a real SQLite store and a fake transport: a due
// event is claimed, delivered, recorded and not sent again; a retryable
// answer reschedules it; stop() ends the loop.
#include "notify/dispatcher.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "notify/events.hpp"
#include "support/sqlite_store_test.hpp"

namespace skillsync::notify {
namespace {

class StepClock final : public Clock {
 public:
  Micros now() const override { return t; }
  Micros t = 1'700'000'000'000'000;
};

class RecordingTransport final : public Transport {
 public:
  Result<HttpResponse> post(const HttpRequest& r) override {
    std::lock_guard lock(mu);
    ids.push_back(r.headers.at(2).second);  // X-Event-Id
    return HttpResponse{statuses.empty() ? 204 : statuses.front(), "", ""};
  }
  std::mutex mu;
  std::vector<std::string> ids;
  std::vector<int> statuses;
};

class DispatcherTest : public testsupport::SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    if (HasFatalFailure()) return;
    store::WebhookEndpoint e;
    e.id = "wh_1";
    e.tenant = "acme";
    e.url = "https://hooks.example.com/in";
    e.event_types = {std::string(kTaskCompleted)};
    e.sealed_key = seal_private_key(keys_, e.id, generate_key_pair().private_seed);
    e.public_key_hex = std::string(64, '0');
    ASSERT_TRUE(store_->webhooks().create_endpoint(e).ok());
    deliverer_ = std::make_unique<Deliverer>(
        DeliveryConfig{"https://api", "skillsync-webhooks/t", 3, 1'000'000}, policy_,
        [](const std::string&) -> Result<std::vector<std::string>> {
          return std::vector<std::string>{"93.184.216.34"};
        },
        transport_, keys_, clock_, [] { return 0.0; });
  }

  SealingKeys keys_{SecretString(std::string(32, 'k')), {}};
  EgressPolicy policy_;
  RecordingTransport transport_;
  StepClock clock_;
  std::unique_ptr<Deliverer> deliverer_;
};

TEST_F(DispatcherTest, DeliversEachDueEventOnceAndRecordsIt) {
  auto id = enqueue_healthcheck(store_->webhooks(), "acme", "wh_1", clock_.t);
  ASSERT_TRUE(id.ok());
  Dispatcher d(store_->webhooks(), *deliverer_, clock_, {"owner-1"});
  EXPECT_EQ(d.run_once(), 1u);
  EXPECT_EQ(d.run_once(), 0u);
  EXPECT_EQ(transport_.ids, std::vector<std::string>{*id});
  auto page = store_->webhooks().list_deliveries("acme", "wh_1", 10, "");
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].status_code, std::optional<int>(204));
  EXPECT_TRUE((*store_->webhooks().get_event("acme", *id))->delivered_at.has_value());
}

TEST_F(DispatcherTest, ARetryableAnswerReschedulesUntilTheAttemptsRunOut) {
  transport_.statuses = {503};
  auto id = enqueue_healthcheck(store_->webhooks(), "acme", "wh_1", clock_.t);
  Dispatcher d(store_->webhooks(), *deliverer_, clock_, {"owner-1"});
  EXPECT_EQ(d.run_once(), 1u);
  EXPECT_EQ(d.run_once(), 0u);  // not due before its backoff (0.5 s with jitter 0)
  clock_.t += 500'000;
  EXPECT_EQ(d.run_once(), 1u);
  clock_.t += 1'000'000;
  EXPECT_EQ(d.run_once(), 1u);
  clock_.t += 10'000'000;
  EXPECT_EQ(d.run_once(), 0u);  // dead after 3 attempts
  EXPECT_EQ(transport_.ids, std::vector<std::string>(3, *id));
  EXPECT_TRUE((*store_->webhooks().get_event("acme", *id))->dead);
}

TEST_F(DispatcherTest, TheLoopDeliversAndStops) {
  auto id = enqueue_healthcheck(store_->webhooks(), "acme", "wh_1", clock_.t);
  Dispatcher d(store_->webhooks(), *deliverer_, clock_, {"owner-1", 60'000'000, 10'000});
  d.start();
  for (int i = 0; i < 1000; ++i) {
    {
      std::lock_guard lock(transport_.mu);
      if (!transport_.ids.empty()) break;
    }
    d.wake();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  d.stop();
  std::lock_guard lock(transport_.mu);
  EXPECT_EQ(transport_.ids, std::vector<std::string>{*id});
}

}  // namespace
}  // namespace skillsync::notify
