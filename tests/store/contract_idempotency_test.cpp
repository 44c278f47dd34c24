// Store contract: idempotent task creation and retention.
#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store_contract.hpp"

namespace skillsync::store::testing {
namespace {

constexpr Micros kHour = 3600'000'000;

TEST_P(StoreContract, TheSameKeyAndBodyReturnTheFirstTask) {
  const Micros t0 = clock_.now();
  auto first = store().create_task_idempotent(make_task("t-1", 0), "key-1", "sha-a", t0);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->task.id, "t-1");
  EXPECT_EQ(first->task.created_at, t0);
  EXPECT_EQ(first->task.status, TaskStatus::kPending);

  auto again = store().create_task_idempotent(make_task("t-2", 0), "key-1", "sha-a", t0 + kHour);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->task.id, "t-1");
  EXPECT_FALSE(store().get_task("default", "t-2")->has_value());

  auto conflict = store().create_task_idempotent(make_task("t-3", 0), "key-1", "sha-b", t0 + kHour);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code, "idempotency_conflict");
  EXPECT_FALSE(store().get_task("default", "t-3")->has_value());
}

TEST_P(StoreContract, AnIdempotencyKeyExpiresAfter24Hours) {
  const Micros t0 = clock_.now();
  ASSERT_TRUE(store().create_task_idempotent(make_task("t-1", 0), "k", "sha-a", t0).ok());
  auto just_before =
      store().create_task_idempotent(make_task("t-2", 0), "k", "sha-a", t0 + 24 * kHour - 1);
  ASSERT_TRUE(just_before.ok());
  EXPECT_FALSE(just_before->created);
  auto after = store().create_task_idempotent(make_task("t-3", 0), "k", "sha-b", t0 + 24 * kHour);
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_TRUE(after->created);
  EXPECT_EQ(after->task.id, "t-3");
  // The key now names the new task.
  auto again = store().create_task_idempotent(make_task("t-4", 0), "k", "sha-b", t0 + 25 * kHour);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->task.id, "t-3");
  EXPECT_TRUE(store().get_task("default", "t-1")->has_value());  // the old task stays
}

TEST_P(StoreContract, IdempotencyKeysArePerTenant) {
  ASSERT_TRUE(store().create_task_idempotent(make_task("t-a", 0, "a"), "k", "sha", 1).ok());
  auto b = store().create_task_idempotent(make_task("t-b", 0, "b"), "k", "other", 1);
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_TRUE(b->created);
  EXPECT_EQ(b->task.tenant, "b");
  EXPECT_EQ(store().create_task_idempotent(make_task("t-c", 0), "", "sha", 1).error().code,
            "invalid_argument");
}

TEST_P(StoreContract, ConcurrentDuplicatesCreateExactlyOneTask) {
  constexpr int kThreads = 8;
  std::mutex mu;
  std::vector<std::string> ids;
  std::vector<std::string> failures;
  std::atomic<int> created{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      auto r = store().create_task_idempotent(make_task("t-" + std::to_string(i), 0), "retry-key",
                                              "sha", clock_.now());
      std::lock_guard lock(mu);
      if (!r.ok()) {
        failures.push_back(r.error().code + ": " + r.error().message);
        return;
      }
      if (r->created) ++created;
      ids.push_back(r->task.id);
    });
  }
  go.store(true);
  for (auto& t : threads) t.join();
  ASSERT_TRUE(failures.empty()) << failures.front();
  EXPECT_EQ(created.load(), 1);
  ASSERT_EQ(ids.size(), static_cast<size_t>(kThreads));
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 1u);
  EXPECT_EQ(store().list_tasks("default", {}, 100, "")->items.size(), 1u);
}

TEST_P(StoreContract, PurgeDeletesOldFinishedTasksWithRowErrorsAndKeys) {
  Task old_done = make_task("old-done", 1);
  ASSERT_TRUE(store().create_task_idempotent(old_done, "k-old", "sha", 1).ok());
  ASSERT_TRUE(store().create_task(make_task("new-done", 2)).ok());
  ASSERT_TRUE(store().create_task(make_task("old-running", 3)).ok());
  ASSERT_TRUE(store().create_task(make_task("pending", 4)).ok());
  {
    ASSERT_EQ(store().claim_next_task("w", 10, kHour).value()->id, "old-done");
    auto w = store().begin_load(old_done, "w");
    ASSERT_TRUE(w.ok());
    std::vector<RowError> errors{make_row_error(2), make_row_error(3)};
    Checkpoint c;
    ASSERT_TRUE((*w)->stage({}, errors, c).ok());
    ASSERT_TRUE((*w)->publish(TaskStatus::kCompletedWithErrors, Progress{}).ok());  // at now
  }
  const Micros finished = store().get_task("default", "old-done")->value().finished_at.value();
  ASSERT_EQ(store().claim_next_task("w", 20, kHour).value()->id, "new-done");
  ASSERT_TRUE(store()
                  .finish_task("new-done", "w", TaskStatus::kFailed, std::nullopt, {},
                               finished + 10 * kHour)
                  .ok());
  ASSERT_EQ(store().claim_next_task("w", 30, kHour).value()->id, "old-running");

  auto n = store().purge_finished_before(finished + 1);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n.value(), 1u);
  EXPECT_FALSE(store().get_task("default", "old-done")->has_value());
  EXPECT_TRUE(store().row_errors("old-done", 100)->empty());
  EXPECT_TRUE(store().get_task("default", "new-done")->has_value());
  EXPECT_TRUE(store().get_task("default", "old-running")->has_value());
  EXPECT_TRUE(store().get_task("default", "pending")->has_value());
  // The key went with its task: the same key creates a new one.
  auto again = store().create_task_idempotent(make_task("again", 0), "k-old", "sha", 40);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(again->created);
  EXPECT_EQ(store().purge_finished_before(finished + 1).value(), 0u);
}

}  // namespace
}  // namespace skillsync::store::testing
