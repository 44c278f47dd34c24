// Store contract: webhook endpoints, the outbox (written in the transaction
// that ends a task), leased claims, attempt records and redelivery.
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/webhooks.hpp"
#include "store_contract.hpp"

namespace skillsync::store::testing {
namespace {

WebhookEndpoint make_endpoint(std::string id, std::string tenant, std::vector<std::string> types) {
  WebhookEndpoint e;
  e.id = std::move(id);
  e.tenant = std::move(tenant);
  e.url = "https://hooks.example.com/in";
  e.event_types = std::move(types);
  e.description = "ops";
  e.sealed_key = std::string("\x00\x01sealed\xff", 9);
  e.public_key_hex = std::string(64, 'a');
  return e;
}

const std::vector<std::string> kAllTaskEnds = {
    "file_load_task.completed.v1", "file_load_task.completed_with_errors.v1",
    "file_load_task.failed.v1", "file_load_task.cancelled.v1"};

std::vector<OutboxEvent> claim_all(Store& store, const Clock& clock, std::string owner = "d1") {
  auto c = store.webhooks().claim_due(owner, clock.now(), 30'000'000, 100);
  EXPECT_TRUE(c.ok()) << c.error().message;
  return c.ok() ? *c : std::vector<OutboxEvent>{};
}

TEST_P(StoreContract, WebhookEndpointsRoundTripPerTenant) {
  auto& hooks = store().webhooks();
  auto e = make_endpoint("wh1", "acme", {"file_load_task.completed.v1", "healthcheck.v1"});
  e.created_at = 100;
  auto created = hooks.create_endpoint(e);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(hooks.create_endpoint(e).error().code, "already_exists");
  auto got = hooks.get_endpoint("acme", "wh1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->url, e.url);
  EXPECT_EQ((*got)->event_types, e.event_types);
  EXPECT_EQ((*got)->sealed_key, e.sealed_key);
  EXPECT_EQ((*got)->public_key_hex, e.public_key_hex);
  EXPECT_TRUE((*got)->enabled);
  EXPECT_EQ((*got)->created_at, 100);
  EXPECT_FALSE((*got)->previous_key_expires_at.has_value());
  EXPECT_FALSE(hooks.get_endpoint("other", "wh1")->has_value());

  auto changed = **got;
  changed.enabled = false;
  changed.previous_sealed_key = "old";
  changed.previous_public_key_hex = std::string(64, 'b');
  changed.previous_key_expires_at = 999;
  changed.updated_at = 200;
  ASSERT_TRUE(*hooks.update_endpoint(changed));
  auto after = hooks.get_endpoint("acme", "wh1");
  EXPECT_FALSE((*after)->enabled);
  EXPECT_EQ((*after)->previous_sealed_key, "old");
  EXPECT_EQ((*after)->previous_key_expires_at, std::optional<Micros>(999));
  EXPECT_EQ((*after)->updated_at, 200);
  changed.tenant = "other";
  EXPECT_FALSE(*hooks.update_endpoint(changed));
  EXPECT_FALSE(*hooks.delete_endpoint("other", "wh1"));
  EXPECT_TRUE(*hooks.delete_endpoint("acme", "wh1"));
  EXPECT_FALSE(hooks.get_endpoint("acme", "wh1")->has_value());
}

TEST_P(StoreContract, WebhookEndpointsArePagedOldestFirst) {
  auto& hooks = store().webhooks();
  for (int i = 0; i < 5; ++i) {
    auto e = make_endpoint("wh" + std::to_string(i), "acme", {"healthcheck.v1"});
    e.created_at = 100 + i;
    ASSERT_TRUE(hooks.create_endpoint(e).ok());
  }
  ASSERT_TRUE(hooks.create_endpoint(make_endpoint("x", "other", {})).ok());
  std::vector<std::string> seen;
  std::string cursor;
  do {
    auto page = hooks.list_endpoints("acme", 2, cursor);
    ASSERT_TRUE(page.ok()) << page.error().message;
    for (const auto& e : page->items) seen.push_back(e.id);
    cursor = page->next_cursor.value_or("");
  } while (!cursor.empty());
  EXPECT_EQ(seen, (std::vector<std::string>{"wh0", "wh1", "wh2", "wh3", "wh4"}));
  EXPECT_EQ(hooks.list_endpoints("acme", 2, "garbage").error().code, "invalid_cursor");
}

TEST_P(StoreContract, WebhookATaskEndWritesItsEventForSubscribedEnabledEndpointsOfItsTenant) {
  ASSERT_TRUE(store().webhooks().create_endpoint(make_endpoint("all", "acme", kAllTaskEnds)).ok());
  ASSERT_TRUE(
      store().webhooks().create_endpoint(make_endpoint("fail", "acme", {kAllTaskEnds[2]})).ok());
  auto off = make_endpoint("off", "acme", kAllTaskEnds);
  off.enabled = false;
  ASSERT_TRUE(store().webhooks().create_endpoint(off).ok());
  ASSERT_TRUE(
      store().webhooks().create_endpoint(make_endpoint("else", "other", kAllTaskEnds)).ok());
  auto w = start_load(make_task("t1", 1, "acme"));
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->stage(std::vector{make_event("e", "x", 1)}, {}, Checkpoint{}).ok());
  // Nothing before the end.
  EXPECT_TRUE(claim_all(store(), clock_).empty());
  ASSERT_TRUE(w->publish(TaskStatus::kCompletedWithErrors, Progress{10, 10, 3, 1, 2, 0}).ok());
  auto due = claim_all(store(), clock_);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].endpoint_id, "all");
  EXPECT_EQ(due[0].tenant, "acme");
  EXPECT_EQ(due[0].type, "file_load_task.completed_with_errors.v1");
  EXPECT_EQ(due[0].source_path, "/integrations/file-load-tasks/t1");
  EXPECT_EQ(due[0].event_id.rfind("evt_", 0), 0u);
  EXPECT_EQ(due[0].event_id.size(), 36u);
  for (const char* part : {R"("task_id")", R"("t1")", R"("entity_type")", R"("learning")",
                           R"("rows_rejected")", R"("completed_with_errors")"}) {
    EXPECT_NE(due[0].data_json.find(part), std::string::npos) << due[0].data_json;
  }
  EXPECT_EQ(due[0].data_json.find("sealed"), std::string::npos);
}

TEST_P(StoreContract, WebhookFailedAndCancelledTasksWriteTheirEvents) {
  ASSERT_TRUE(store().webhooks().create_endpoint(make_endpoint("all", "acme", kAllTaskEnds)).ok());
  ASSERT_TRUE(store().create_task(make_task("f", 1, "acme")).ok());
  ASSERT_TRUE(store().claim_next_task("w", clock_.now(), 1'000'000).ok());
  ASSERT_TRUE(
      store()
          .finish_task("f", "w", TaskStatus::kFailed, TaskError{"boom", "no"}, {}, clock_.now())
          .ok());
  ASSERT_TRUE(store().create_task(make_task("c", 2, "acme")).ok());
  ASSERT_TRUE(store().request_cancel("acme", "c", clock_.now()).ok());
  std::set<std::string> types;
  for (const auto& e : claim_all(store(), clock_)) types.insert(e.type);
  EXPECT_EQ(types,
            (std::set<std::string>{"file_load_task.failed.v1", "file_load_task.cancelled.v1"}));
}

TEST_P(StoreContract, WebhookAFinishThatLostItsLeaseWritesNoEvent) {
  ASSERT_TRUE(store().webhooks().create_endpoint(make_endpoint("all", "acme", kAllTaskEnds)).ok());
  ASSERT_TRUE(store().create_task(make_task("t", 1, "acme")).ok());
  ASSERT_TRUE(store().claim_next_task("w1", clock_.now(), 1'000'000).ok());
  auto lost = store().finish_task("t", "w2", TaskStatus::kFailed, std::nullopt, {}, clock_.now());
  EXPECT_EQ(lost.error().code, "lease_lost");
  EXPECT_TRUE(claim_all(store(), clock_).empty());
}

TEST_P(StoreContract, WebhookEnqueueTargetsOneEndpointOrEverySubscriber) {
  ASSERT_TRUE(
      store().webhooks().create_endpoint(make_endpoint("a", "acme", {"source.error.v1"})).ok());
  ASSERT_TRUE(
      store().webhooks().create_endpoint(make_endpoint("b", "acme", {"healthcheck.v1"})).ok());
  auto one = store().webhooks().enqueue("acme", "b", "healthcheck.v1", "/integrations/webhooks/b",
                                        "{}", 5);
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ(one->size(), 1u);
  auto subs = store().webhooks().enqueue("acme", "", "source.error.v1", "/x", R"({"k":1})", 5);
  ASSERT_EQ(subs->size(), 1u);
  auto ev = store().webhooks().get_event("acme", (*subs)[0]);
  ASSERT_TRUE(ev.ok() && ev->has_value());
  EXPECT_EQ((*ev)->endpoint_id, "a");
  EXPECT_EQ((*ev)->data_json, R"({"k":1})");
  EXPECT_EQ((*ev)->created_at, 5);
  EXPECT_FALSE(store().webhooks().get_event("other", (*subs)[0])->has_value());
  EXPECT_TRUE(store().webhooks().enqueue("acme", "", "nobody.v1", "/x", "{}", 5)->empty());
}

TEST_P(StoreContract, WebhookAClaimedEventIsNotClaimedAgainUntilItsLeaseRunsOut) {
  ASSERT_TRUE(store().webhooks().create_endpoint(make_endpoint("b", "acme", {})).ok());
  ASSERT_TRUE(
      store().webhooks().enqueue("acme", "b", "healthcheck.v1", "/p", "{}", clock_.now()).ok());
  EXPECT_EQ(claim_all(store(), clock_, "d1").size(), 1u);
  EXPECT_TRUE(claim_all(store(), clock_, "d2").empty());
  clock_.advance(31'000'000);
  auto again = claim_all(store(), clock_, "d2");
  ASSERT_EQ(again.size(), 1u);
  // The first owner's late record is refused.
  DeliveryAttempt a;
  a.event_id = again[0].event_id;
  a.status_code = 200;
  a.at = clock_.now();
  EXPECT_EQ(store().webhooks().record_attempt(a, "d1", AttemptOutcome::kDelivered).error().code,
            "lease_lost");
  EXPECT_TRUE(store().webhooks().record_attempt(a, "d2", AttemptOutcome::kDelivered).ok());
}

TEST_P(StoreContract, WebhookConcurrentClaimersGetEachEventOnce) {
  ASSERT_TRUE(store().webhooks().create_endpoint(make_endpoint("b", "acme", {})).ok());
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(
        store().webhooks().enqueue("acme", "b", "healthcheck.v1", "/p", "{}", clock_.now()).ok());
  }
  std::vector<std::vector<OutboxEvent>> got(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < got.size(); ++i) {
    threads.emplace_back([&, i] {
      for (int round = 0; round < 5; ++round) {
        auto c = store().webhooks().claim_due("d" + std::to_string(i), clock_.now(), 30'000'000, 2);
        if (c.ok()) got[i].insert(got[i].end(), c->begin(), c->end());
      }
    });
  }
  for (auto& t : threads) t.join();
  std::multiset<std::string> ids;
  for (const auto& g : got) {
    for (const auto& e : g) ids.insert(e.event_id);
  }
  EXPECT_EQ(ids.size(), 20u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 20u);
}

TEST_P(StoreContract, WebhookAttemptsAreRecordedRetriedAndRedelivered) {
  ASSERT_TRUE(store().webhooks().create_endpoint(make_endpoint("b", "acme", {})).ok());
  auto ids = store().webhooks().enqueue("acme", "b", "healthcheck.v1", "/p", "{}", clock_.now());
  const std::string id = (*ids)[0];
  auto first = claim_all(store(), clock_);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].attempts, 0);
  DeliveryAttempt a;
  a.event_id = id;
  a.status_code = 503;
  a.latency_ms = 12;
  a.at = clock_.now();
  a.next_retry_at = clock_.now() + 1'000'000;
  ASSERT_TRUE(store().webhooks().record_attempt(a, "d1", AttemptOutcome::kRetry).ok());
  EXPECT_TRUE(claim_all(store(), clock_).empty());  // not due yet
  EXPECT_EQ(*store().webhooks().next_due(), std::optional<Micros>(clock_.now() + 1'000'000));
  clock_.advance(1'000'000);
  auto second = claim_all(store(), clock_);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].event_id, id);
  EXPECT_EQ(second[0].attempts, 1);
  a.status_code.reset();
  a.error = "timeout";
  a.at = clock_.now();
  ASSERT_TRUE(store().webhooks().record_attempt(a, "d1", AttemptOutcome::kDead).ok());
  EXPECT_TRUE((*store().webhooks().get_event("acme", id))->dead);
  EXPECT_FALSE(store().webhooks().next_due()->has_value());

  auto page = store().webhooks().list_deliveries("acme", "b", 1, "");
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].attempt, 2);
  EXPECT_EQ(page->items[0].error, "timeout");
  EXPECT_FALSE(page->items[0].next_retry_at.has_value());
  auto older = store().webhooks().list_deliveries("acme", "b", 1, page->next_cursor.value_or(""));
  ASSERT_EQ(older->items.size(), 1u);
  EXPECT_EQ(older->items[0].attempt, 1);
  EXPECT_EQ(older->items[0].status_code, std::optional<int>(503));
  EXPECT_EQ(older->items[0].latency_ms, 12);
  EXPECT_EQ(older->items[0].next_retry_at, a.next_retry_at);
  EXPECT_TRUE(store().webhooks().list_deliveries("other", "b", 10, "")->items.empty());

  EXPECT_FALSE(*store().webhooks().redeliver("other", "b", id, clock_.now()));
  ASSERT_TRUE(*store().webhooks().redeliver("acme", "b", id, clock_.now()));
  auto third = claim_all(store(), clock_);
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].attempts, 2);
  EXPECT_EQ(third[0].round_attempts, 0);
  a.status_code = 204;
  a.error.clear();
  ASSERT_TRUE(store().webhooks().record_attempt(a, "d1", AttemptOutcome::kDelivered).ok());
  EXPECT_TRUE((*store().webhooks().get_event("acme", id))->delivered_at.has_value());
  EXPECT_TRUE(claim_all(store(), clock_).empty());
  EXPECT_TRUE(*store().webhooks().delete_endpoint("acme", "b"));
  EXPECT_FALSE(store().webhooks().get_event("acme", id)->has_value());
  EXPECT_TRUE(store().webhooks().list_deliveries("acme", "b", 10, "")->items.empty());
}

}  // namespace
}  // namespace skillsync::store::testing
