// Store contract: what operations read from the store (metrics' task counts
// by status) and the trace id a task keeps from the request that created it.
#include <string>

#include "store_contract.hpp"

namespace skillsync::store::testing {
namespace {

uint64_t count(const TaskStats& s, TaskStatus status) {
  return s.by_status[static_cast<size_t>(status)];
}

TEST_P(StoreContract, TaskStatsOfAnEmptyStoreAreZero) {
  auto stats = store().task_stats();
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  for (uint64_t n : stats->by_status) EXPECT_EQ(n, 0u);
  EXPECT_FALSE(stats->oldest_pending_created_at.has_value());
}

TEST_P(StoreContract, TaskStatsCountEveryTenantByStatusAndFindTheOldestPending) {
  ASSERT_TRUE(store().create_task(make_task("t-1", 500, "a")).ok());
  ASSERT_TRUE(store().create_task(make_task("t-2", 200, "b")).ok());
  ASSERT_TRUE(store().create_task(make_task("t-3", 300, "a")).ok());
  ASSERT_TRUE(store().create_task(make_task("t-4", 400, "c")).ok());
  // The oldest (t-2) is claimed: running; t-4 is cancelled while pending.
  auto claimed = store().claim_next_task("w-1", 1000, 60'000'000);
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  EXPECT_EQ((*claimed)->id, "t-2");
  ASSERT_TRUE(store().request_cancel("c", "t-4", 1100).ok());

  auto stats = store().task_stats();
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(count(*stats, TaskStatus::kPending), 2u);
  EXPECT_EQ(count(*stats, TaskStatus::kRunning), 1u);
  EXPECT_EQ(count(*stats, TaskStatus::kCancelled), 1u);
  EXPECT_EQ(count(*stats, TaskStatus::kCompleted), 0u);
  EXPECT_EQ(stats->oldest_pending_created_at, std::optional<Micros>(300));
}

TEST_P(StoreContract, ATaskKeepsItsTraceId) {
  Task traced = make_task("t-traced", 100);
  traced.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  ASSERT_TRUE(store().create_task(traced).ok());
  ASSERT_TRUE(store().create_task(make_task("t-plain", 200)).ok());
  EXPECT_EQ(store().get_task("default", "t-traced")->value().trace_id, traced.trace_id);
  EXPECT_EQ(store().get_task("default", "t-plain")->value().trace_id, "");
  // The worker sees it too, to log it with the task's lines.
  auto claimed = store().claim_next_task("w-1", 1000, 60'000'000);
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  EXPECT_EQ((*claimed)->trace_id, traced.trace_id);
}

TEST_P(StoreContract, AnIdempotentCreateKeepsTheTraceId) {
  Task traced = make_task("t-idem", 100);
  traced.trace_id = "0af7651916cd43dd8448eb211c80319c";
  auto created = store().create_task_idempotent(traced, "key-1", "sha", 100);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->task.trace_id, traced.trace_id);
  auto again = store().create_task_idempotent(make_task("t-idem-2", 150), "key-1", "sha", 150);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->task.trace_id, traced.trace_id);
}

}  // namespace
}  // namespace skillsync::store::testing
