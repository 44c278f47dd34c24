// Store contract: cancelling tasks and listing them.
#include <set>
#include <string>
#include <vector>

#include "store_contract.hpp"

namespace skillsync::store::testing {
namespace {

constexpr Micros kLease = 30'000'000;

Checkpoint small_checkpoint() {
  Checkpoint c;
  c.byte_offset = 10;
  c.line = 2;
  c.header_json = R"(["a"])";
  return c;
}

TEST_P(StoreContract, CancellingAPendingTaskEndsItAtOnce) {
  ASSERT_TRUE(store().create_task(make_task("t", 1, "acme")).ok());
  auto c = store().request_cancel("acme", "t", 500);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->status, TaskStatus::kCancelled);
  EXPECT_EQ(c->finished_at, std::optional<Micros>(500));
  EXPECT_EQ(c->cancel_requested_at, std::optional<Micros>(500));
  EXPECT_EQ(c->sealed_credentials, "");
  EXPECT_EQ(store().get_task("acme", "t")->value().status, TaskStatus::kCancelled);
  EXPECT_FALSE(store().claim_next_task("w", 600, kLease).value().has_value());
  // A finished task cannot be cancelled (the API answers 409).
  EXPECT_EQ(store().request_cancel("acme", "t", 700).error().code, "invalid_state");
}

TEST_P(StoreContract, CancelIsScopedToTheTenant) {
  ASSERT_TRUE(store().create_task(make_task("t", 1, "acme")).ok());
  EXPECT_EQ(store().request_cancel("other", "t", 5).error().code, "not_found");
  EXPECT_EQ(store().request_cancel("acme", "nope", 5).error().code, "not_found");
  EXPECT_EQ(store().get_task("acme", "t")->value().status, TaskStatus::kPending);
}

TEST_P(StoreContract, CancellingARunningTaskAsksItsWorkerWhichThenEndsIt) {
  ASSERT_TRUE(store().create_task(make_task("t", 1)).ok());
  Task t = store().claim_next_task("w1", 100, kLease).value().value();
  auto w = store().begin_load(t, "w1");
  ASSERT_TRUE(w.ok());
  std::vector<schema::Event> rows{make_event("emp-1", "ev-1", 1)};
  ASSERT_TRUE((*w)->stage(rows, {}, small_checkpoint()).ok());

  auto c = store().request_cancel("default", "t", 200);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->status, TaskStatus::kRunning);
  EXPECT_EQ(c->cancel_requested_at, std::optional<Micros>(200));
  // Asking again keeps the first request's time.
  EXPECT_EQ(store().request_cancel("default", "t", 250)->cancel_requested_at,
            std::optional<Micros>(200));

  // The worker sees it through the heartbeat and through stage/publish.
  auto hb = store().heartbeat("t", "w1", 300, kLease);
  ASSERT_TRUE(hb.ok());
  EXPECT_TRUE(hb->cancel_requested);
  std::vector<schema::Event> more{make_event("emp-1", "ev-2", 2)};
  EXPECT_EQ((*w)->stage(more, {}, small_checkpoint()).error().code, "cancelled");

  ASSERT_TRUE(store()
                  .finish_task("t", "w1", TaskStatus::kCancelled, std::nullopt,
                               Progress{10, 10, 1, 1, 0, 0}, 400)
                  .ok());
  const Task g = store().get_task("default", "t")->value();
  EXPECT_EQ(g.status, TaskStatus::kCancelled);
  EXPECT_EQ(g.finished_at, std::optional<Micros>(400));
  EXPECT_EQ(g.sealed_credentials, "");
  EXPECT_FALSE(g.checkpoint.has_value());
  EXPECT_FALSE(store().get_event("default", "emp-1", "ev-1")->has_value());
  // The task is over: no writer can stage into it or publish it any more.
  EXPECT_EQ(store().begin_load(t, "w1").error().code, "lease_lost");
  EXPECT_FALSE(store().get_event("default", "emp-1", "ev-1")->has_value());
}

TEST_P(StoreContract, PublishAfterACancelRequestIsRefused) {
  ASSERT_TRUE(store().create_task(make_task("t", 1)).ok());
  Task t = store().claim_next_task("w1", 100, kLease).value().value();
  auto w = store().begin_load(t, "w1");
  ASSERT_TRUE(w.ok());
  std::vector<schema::Event> rows{make_event("emp-1", "ev-1", 1)};
  ASSERT_TRUE((*w)->stage(rows, {}, small_checkpoint()).ok());
  ASSERT_TRUE(store().request_cancel("default", "t", 200).ok());
  EXPECT_EQ((*w)->publish(TaskStatus::kCompleted, Progress{}).error().code, "cancelled");
  EXPECT_FALSE(store().get_event("default", "emp-1", "ev-1")->has_value());
  EXPECT_TRUE(store().finish_task("t", "w1", TaskStatus::kCancelled, std::nullopt, {}, 300).ok());
}

TEST_P(StoreContract, CancellingATaskWhoseLeaseExpiredEndsItAtOnce) {
  ASSERT_TRUE(store().create_task(make_task("t", 1)).ok());
  Task t = store().claim_next_task("dead", 100, kLease).value().value();
  {
    auto w = store().begin_load(t, "dead");
    ASSERT_TRUE(w.ok());
    std::vector<schema::Event> rows{make_event("emp-1", "ev-1", 1)};
    ASSERT_TRUE((*w)->stage(rows, {}, small_checkpoint()).ok());
  }
  auto c = store().request_cancel("default", "t", 100 + kLease + 1);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->status, TaskStatus::kCancelled);
  EXPECT_FALSE(c->checkpoint.has_value());
  EXPECT_FALSE(store().claim_next_task("w2", 100 + kLease + 2, kLease).value().has_value());
}

TEST_P(StoreContract, ACancelledTaskFailsAFencedFinishAsFailedOfAnotherWorker) {
  ASSERT_TRUE(store().create_task(make_task("t", 1)).ok());
  ASSERT_TRUE(store().claim_next_task("w1", 100, kLease).ok());
  EXPECT_EQ(
      store().finish_task("t", "w1", TaskStatus::kCompleted, std::nullopt, {}, 5).error().code,
      "invalid_argument");
  ASSERT_TRUE(store().request_cancel("default", "t", 200).ok());
  // A failure may still be recorded by the owner (the cancel flag does not
  // block finishing), but never by another worker.
  EXPECT_EQ(store().finish_task("t", "w2", TaskStatus::kFailed, std::nullopt, {}, 5).error().code,
            "lease_lost");
}

// --- listing ---------------------------------------------------------------

std::vector<std::string> ids(const TaskPage& page) {
  std::vector<std::string> out;
  for (const Task& t : page.items) out.push_back(t.id);
  return out;
}

TEST_P(StoreContract, ListTasksIsNewestFirstWithKeysetPages) {
  ASSERT_TRUE(store().create_task(make_task("t-1", 100)).ok());
  ASSERT_TRUE(store().create_task(make_task("t-2", 200)).ok());
  ASSERT_TRUE(store().create_task(make_task("t-3a", 300)).ok());
  ASSERT_TRUE(store().create_task(make_task("t-3b", 300)).ok());  // tie: id descending
  ASSERT_TRUE(store().create_task(make_task("t-other", 999, "other")).ok());

  auto p1 = store().list_tasks("default", {}, 2, "");
  ASSERT_TRUE(p1.ok()) << p1.error().message;
  EXPECT_EQ(ids(*p1), (std::vector<std::string>{"t-3b", "t-3a"}));
  ASSERT_TRUE(p1->next_cursor.has_value());
  EXPECT_EQ(p1->items[0].sealed_credentials, "");  // never in a listing

  // Tasks created between pages appear on the first page only.
  ASSERT_TRUE(store().create_task(make_task("t-new", 400)).ok());
  auto p2 = store().list_tasks("default", {}, 2, *p1->next_cursor);
  ASSERT_TRUE(p2.ok());
  EXPECT_EQ(ids(*p2), (std::vector<std::string>{"t-2", "t-1"}));
  EXPECT_FALSE(p2->next_cursor.has_value());  // exactly two left: no empty page
  EXPECT_EQ(ids(store().list_tasks("default", {}, 10, "").value()),
            (std::vector<std::string>{"t-new", "t-3b", "t-3a", "t-2", "t-1"}));
}

TEST_P(StoreContract, ListTasksFiltersByStatusAndEntityType) {
  Task w = make_task("t-wh", 1);
  w.entity_type = "working_history";
  ASSERT_TRUE(store().create_task(w).ok());
  ASSERT_TRUE(store().create_task(make_task("t-l1", 2)).ok());
  ASSERT_TRUE(store().create_task(make_task("t-l2", 3)).ok());
  ASSERT_TRUE(store().claim_next_task("w", 10, kLease).ok());  // t-wh runs

  TaskFilter pending{TaskStatus::kPending, std::nullopt};
  EXPECT_EQ(ids(store().list_tasks("default", pending, 10, "").value()),
            (std::vector<std::string>{"t-l2", "t-l1"}));
  TaskFilter learning{std::nullopt, std::string("learning")};
  EXPECT_EQ(ids(store().list_tasks("default", learning, 10, "").value()),
            (std::vector<std::string>{"t-l2", "t-l1"}));
  TaskFilter running_wh{TaskStatus::kRunning, std::string("working_history")};
  EXPECT_EQ(ids(store().list_tasks("default", running_wh, 10, "").value()),
            (std::vector<std::string>{"t-wh"}));
  TaskFilter none{TaskStatus::kFailed, std::nullopt};
  EXPECT_TRUE(store().list_tasks("default", none, 10, "")->items.empty());

  // Paging with a filter.
  auto p1 = store().list_tasks("default", pending, 1, "");
  ASSERT_TRUE(p1->next_cursor.has_value());
  EXPECT_EQ(ids(store().list_tasks("default", pending, 1, *p1->next_cursor).value()),
            (std::vector<std::string>{"t-l1"}));
}

TEST_P(StoreContract, ListTasksRefusesBadLimitsAndCursors) {
  EXPECT_EQ(store().list_tasks("default", {}, 0, "").error().code, "invalid_argument");
  EXPECT_EQ(store().list_tasks("default", {}, 1001, "").error().code, "invalid_argument");
  EXPECT_EQ(store().list_tasks("default", {}, 10, "garbage!").error().code, "invalid_cursor");
  // An events cursor is not a tasks cursor.
  ASSERT_TRUE(store().upsert_event("default", make_event("e", "a", 1)).ok());
  ASSERT_TRUE(store().upsert_event("default", make_event("e", "b", 2)).ok());
  auto ev = store().list_events("default", "e", 1, "");
  ASSERT_TRUE(ev->next_cursor.has_value());
  EXPECT_EQ(store().list_tasks("default", {}, 10, *ev->next_cursor).error().code, "invalid_cursor");
}

}  // namespace
}  // namespace skillsync::store::testing
