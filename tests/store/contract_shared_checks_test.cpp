// Store contract: the argument checks and error values every Store shares
// (src/store/store_checks.hpp). The other contract tests check the codes;
// these pin the whole Error, message included, so that both backends keep
// answering alike, and the limits' edges.
#include <string>
#include <vector>

#include "store/cursor.hpp"
#include "store_contract.hpp"

namespace skillsync::store::testing {
namespace {

constexpr Micros kLease = 30'000'000;

Error error_of(const Status& s) { return s.ok() ? Error{"ok", ""} : s.error(); }
template <class T>
Error error_of(const Result<T>& r) {
  return r.ok() ? Error{"ok", ""} : r.error();
}

const Error kBadCursor{"invalid_cursor", "cursor is not a value returned by a previous page"};

TEST_P(StoreContract, PageLimitsAndCursorsAreCheckedAlike) {
  const Error list_limit{"invalid_argument", "limit must be between 1 and 1000"};
  EXPECT_EQ(error_of(store().list_events("default", "emp-1", 0, "")), list_limit);
  EXPECT_EQ(error_of(store().list_events("default", "emp-1", 1001, "")), list_limit);
  EXPECT_EQ(error_of(store().list_tasks("default", {}, 0, "")), list_limit);
  EXPECT_EQ(error_of(store().list_tasks("default", {}, 1001, "")), list_limit);
  const Error page_limit{"invalid_argument", "limit must be between 1 and 10000"};
  EXPECT_EQ(error_of(store().row_errors_page("t", 0, "")), page_limit);
  EXPECT_EQ(error_of(store().row_errors_page("t", 10001, "")), page_limit);
  // The limit is checked before the cursor.
  EXPECT_EQ(error_of(store().list_events("default", "emp-1", 0, "!")), list_limit);
  EXPECT_EQ(error_of(store().row_errors_page("t", 0, "!")), page_limit);

  // The largest limits are accepted.
  EXPECT_TRUE(store().list_events("default", "emp-1", 1000, "").ok());
  EXPECT_TRUE(store().list_tasks("default", {}, 1000, "").ok());
  EXPECT_TRUE(store().row_errors_page("t", 10000, "").ok());

  // A cursor of one list is refused by the others.
  const std::string event_cursor = encode_event_cursor(1, "a");
  EXPECT_EQ(error_of(store().list_events("default", "emp-1", 10, "!")), kBadCursor);
  EXPECT_EQ(error_of(store().list_tasks("default", {}, 10, event_cursor)), kBadCursor);
  EXPECT_EQ(error_of(store().row_errors_page("t", 10, event_cursor)), kBadCursor);
  EXPECT_TRUE(store().list_events("default", "emp-1", 10, event_cursor).ok());
}

TEST_P(StoreContract, AFullLastPageHasNoCursor) {
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(
        store().upsert_event("default", make_event("emp-1", "ev-" + std::to_string(i), i)).ok());
    ASSERT_TRUE(store().create_task(make_task("t" + std::to_string(i), 10 + i)).ok());
  }
  auto events = store().list_events("default", "emp-1", 2, "");
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->items.size(), 2u);
  EXPECT_FALSE(events->next_cursor.has_value());
  auto tasks = store().list_tasks("default", {}, 2, "");
  ASSERT_TRUE(tasks.ok());
  EXPECT_EQ(tasks->items.size(), 2u);
  EXPECT_FALSE(tasks->next_cursor.has_value());
  // One short of the end: the cursor names the page's last item.
  tasks = store().list_tasks("default", {}, 1, "");
  ASSERT_TRUE(tasks.ok());
  ASSERT_EQ(tasks->items.size(), 1u);
  EXPECT_EQ(tasks->items[0].id, "t1");
  EXPECT_TRUE(tasks->items[0].sealed_credentials.empty());
  ASSERT_TRUE(tasks->next_cursor.has_value());
  auto rest = store().list_tasks("default", {}, 1, *tasks->next_cursor);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0].id, "t0");
}

TEST_P(StoreContract, RefusedArgumentsSayWhy) {
  EXPECT_EQ(error_of(store().create_task_idempotent(make_task("t", 1), "", "sha", 1)),
            (Error{"invalid_argument", "the idempotency key must not be empty"}));
  const Error claim{"invalid_argument", "a claim needs a worker id and a positive lease"};
  EXPECT_EQ(error_of(store().claim_next_task("", 1, kLease)), claim);
  EXPECT_EQ(error_of(store().claim_next_task("w", 1, 0)), claim);
  EXPECT_EQ(error_of(store().claim_next_task("w", 1, -5)), claim);
  EXPECT_EQ(error_of(store().finish_task("t", "w", TaskStatus::kCompleted, std::nullopt, {}, 1)),
            (Error{"invalid_argument", "finish_task needs kFailed or kCancelled"}));
}

TEST_P(StoreContract, AMissingTaskIsNotFoundEverywhere) {
  const Error missing{"not_found", "no task with id nope"};
  EXPECT_EQ(error_of(store().heartbeat("nope", "w", 1, kLease)), missing);
  EXPECT_EQ(error_of(store().release_lease("nope", "w")), missing);
  EXPECT_EQ(error_of(store().reset_load("nope", "w")), missing);
  EXPECT_EQ(error_of(store().update_progress("nope", {})), missing);
  EXPECT_EQ(error_of(store().finish_task("nope", "w", TaskStatus::kFailed, std::nullopt, {}, 1)),
            missing);
  EXPECT_EQ(error_of(store().request_cancel("default", "nope", 1)), missing);
  EXPECT_EQ(error_of(store().begin_load(make_task("nope", 1), "w")), missing);
}

TEST_P(StoreContract, OwnershipErrorsNameTheTaskAndWorker) {
  ASSERT_TRUE(store().create_task(make_task("t", 1)).ok());
  Task t = store().claim_next_task("w1", 100, kLease).value().value();
  const Error lost{"lease_lost", "task t is no longer owned by worker w2"};
  EXPECT_EQ(error_of(store().heartbeat("t", "w2", 200, kLease)), lost);
  EXPECT_EQ(error_of(store().release_lease("t", "w2")), lost);
  EXPECT_EQ(error_of(store().reset_load("t", "w2")), lost);
  EXPECT_EQ(error_of(store().finish_task("t", "w2", TaskStatus::kFailed, std::nullopt, {}, 1)),
            lost);
  EXPECT_EQ(error_of(store().begin_load(t, "w2")), lost);

  auto w = store().begin_load(t, "w1");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(store().request_cancel("default", "t", 300).ok());
  std::vector<schema::Event> rows{make_event("emp-1", "ev-1", 1)};
  const Error cancelled{"cancelled", "task t was cancelled"};
  EXPECT_EQ(error_of((*w)->stage(rows, {}, Checkpoint{})), cancelled);
  EXPECT_EQ(error_of((*w)->publish(TaskStatus::kCompleted, Progress{})), cancelled);
  ASSERT_TRUE(store().finish_task("t", "w1", TaskStatus::kCancelled, std::nullopt, {}, 400).ok());
  EXPECT_EQ(error_of(store().request_cancel("default", "t", 500)),
            (Error{"invalid_state", "task t has already finished"}));
}

TEST_P(StoreContract, AWriterRefusesAWrongStatusAndStaysOpen) {
  ASSERT_TRUE(store().create_task(make_task("t", 1)).ok());
  Task t = store().claim_next_task("w1", 100, kLease).value().value();
  auto w = store().begin_load(t, "w1");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(error_of((*w)->publish(TaskStatus::kFailed, Progress{})),
            (Error{"invalid_argument", "publish needs kCompleted or kCompletedWithErrors"}));
  EXPECT_EQ(error_of((*w)->finish_dry_run(TaskStatus::kCancelled, Progress{})),
            (Error{"invalid_argument", "finish_dry_run needs kCompleted or kCompletedWithErrors"}));
  std::vector<schema::Event> rows{make_event("emp-1", "ev-1", 1)};
  ASSERT_TRUE((*w)->stage(rows, {}, Checkpoint{}).ok());  // still open
  ASSERT_TRUE((*w)->publish(TaskStatus::kCompleted, Progress{}).ok());
  const Error closed{"invalid_state", "the load was already published or discarded"};
  EXPECT_EQ(error_of((*w)->stage(rows, {}, Checkpoint{})), closed);
  EXPECT_EQ(error_of((*w)->publish(TaskStatus::kCompleted, Progress{})), closed);
  EXPECT_EQ(error_of((*w)->count_superseded()), closed);
  EXPECT_EQ(error_of((*w)->finish_dry_run(TaskStatus::kCompleted, Progress{})), closed);
  EXPECT_TRUE((*w)->discard().ok());  // a no-op once closed
}

TEST_P(StoreContract, AReusedIdempotencyKeyWithAnotherBodyConflicts) {
  ASSERT_TRUE(store().create_task_idempotent(make_task("t1", 0), "k", "sha-a", 10).ok());
  EXPECT_EQ(error_of(store().create_task_idempotent(make_task("t2", 0), "k", "sha-b", 20)),
            (Error{"idempotency_conflict",
                   "the idempotency key was already used with a different request body"}));
}

}  // namespace
}  // namespace skillsync::store::testing
