// Store contract: leases, fencing and checkpoints (durable tasks).
#include <string>
#include <vector>

#include "store_contract.hpp"

namespace skillsync::store::testing {
namespace {

constexpr Micros kLease = 30'000'000;

std::vector<schema::Event> events_range(int first, int n) {
  std::vector<schema::Event> out;
  for (int i = first; i < first + n; ++i) {
    out.push_back(make_event("emp-1", "ev-" + std::to_string(i), i));
  }
  return out;
}

Checkpoint checkpoint_at(uint64_t offset, uint64_t rows, uint64_t batches) {
  Checkpoint c;
  c.byte_offset = offset;
  c.line = rows + 2;
  c.progress = Progress{10'000, offset, rows, rows, 0, 0};
  c.header_json = R"(["employee_external_id","external_id"])";
  c.batches = batches;
  c.state_json = R"({"etag":"abc"})";
  return c;
}

TEST_P(StoreContract, AClaimSetsTheLeaseAndOwner) {
  ASSERT_TRUE(store().create_task(make_task("t", 1)).ok());
  const Micros now = clock_.now();
  auto t = store().claim_next_task("w1", now, kLease);
  ASSERT_TRUE(t.ok()) << t.error().message;
  ASSERT_TRUE(t->has_value());
  EXPECT_EQ((*t)->status, TaskStatus::kRunning);
  EXPECT_EQ((*t)->worker_id, "w1");
  EXPECT_EQ((*t)->lease_expires_at, std::optional<Micros>(now + kLease));
  EXPECT_EQ((*t)->last_heartbeat_at, std::optional<Micros>(now));
  EXPECT_EQ((*t)->started_at, std::optional<Micros>(now));
  EXPECT_EQ((*t)->attempts, 1);
  EXPECT_FALSE((*t)->checkpoint.has_value());
  // A live lease is not claimable.
  EXPECT_FALSE(store().claim_next_task("w2", now + kLease - 1, kLease).value().has_value());
  EXPECT_EQ(store().claim_next_task("", now, kLease).error().code, "invalid_argument");
  EXPECT_EQ(store().claim_next_task("w2", now, 0).error().code, "invalid_argument");
}

TEST_P(StoreContract, HeartbeatExtendsTheLeaseOnlyForTheOwner) {
  ASSERT_TRUE(store().create_task(make_task("t", 1)).ok());
  ASSERT_TRUE(store().claim_next_task("w1", 100, kLease).ok());
  auto hb = store().heartbeat("t", "w1", 200, kLease);
  ASSERT_TRUE(hb.ok()) << hb.error().message;
  EXPECT_FALSE(hb->cancel_requested);
  EXPECT_EQ(hb->lease_expires_at, 200 + kLease);
  const Task g = store().get_task("default", "t")->value();
  EXPECT_EQ(g.lease_expires_at, std::optional<Micros>(200 + kLease));
  EXPECT_EQ(g.last_heartbeat_at, std::optional<Micros>(200));
  // Not claimable at the first lease's end: the heartbeat moved it.
  EXPECT_FALSE(store().claim_next_task("w2", 100 + kLease + 1, kLease).value().has_value());

  EXPECT_EQ(store().heartbeat("t", "w2", 300, kLease).error().code, "lease_lost");
  EXPECT_EQ(store().heartbeat("nope", "w1", 300, kLease).error().code, "not_found");
  ASSERT_TRUE(store().finish_task("t", "w1", TaskStatus::kFailed, std::nullopt, {}, 400).ok());
  EXPECT_EQ(store().heartbeat("t", "w1", 500, kLease).error().code, "lease_lost");
}

TEST_P(StoreContract, AnExpiredLeaseIsReclaimedWithItsCheckpointAndStage) {
  ASSERT_TRUE(store().create_task(make_task("t", 1)).ok());
  const Micros t0 = clock_.now();
  Task first = store().claim_next_task("w1", t0, kLease).value().value();
  {
    auto w = store().begin_load(first, "w1");
    ASSERT_TRUE(w.ok()) << w.error().message;
    std::vector<RowError> errors{make_row_error(3)};
    ASSERT_TRUE((*w)->stage(events_range(0, 10), errors, checkpoint_at(500, 11, 1)).ok());
    ASSERT_TRUE((*w)->stage(events_range(10, 5), {}, checkpoint_at(800, 16, 2)).ok());
    // Progress reported after the checkpoint (e.g. while downloading).
    ASSERT_TRUE(store().update_progress("t", Progress{10'000, 950, 20, 19, 1, 0}).ok());
  }  // w1 dies: no release, no heartbeat

  // Still w1's until the lease runs out.
  EXPECT_FALSE(store().claim_next_task("w2", t0 + kLease - 1, kLease).value().has_value());
  auto again = store().claim_next_task("w2", t0 + kLease + 1, kLease);
  ASSERT_TRUE(again.ok()) << again.error().message;
  ASSERT_TRUE(again->has_value());
  const Task& t = **again;
  EXPECT_EQ(t.worker_id, "w2");
  EXPECT_EQ(t.attempts, 2);
  EXPECT_EQ(t.started_at, std::optional<Micros>(t0));  // the first start
  ASSERT_TRUE(t.checkpoint.has_value());
  const Checkpoint want = checkpoint_at(800, 16, 2);
  EXPECT_EQ(t.checkpoint->byte_offset, 800u);
  EXPECT_EQ(t.checkpoint->line, want.line);
  EXPECT_EQ(t.checkpoint->batches, 2u);
  EXPECT_EQ(t.checkpoint->state_json, want.state_json);
  EXPECT_EQ(t.checkpoint->header_json, want.header_json);
  EXPECT_EQ(t.checkpoint->progress.rows_read, 16u);
  EXPECT_EQ(t.header_json, want.header_json);
  // The progress is back at the checkpoint: rows after it are read again.
  EXPECT_EQ(t.progress.bytes_read, 800u);
  EXPECT_EQ(t.progress.rows_read, 16u);
  EXPECT_EQ(t.progress.rows_rejected, 0u);

  // w2 continues: the stage holds the first 15 rows, the row error stays.
  auto w = store().begin_load(t, "w2");
  ASSERT_TRUE(w.ok()) << w.error().message;
  std::vector<RowError> later{make_row_error(40)};
  ASSERT_TRUE((*w)->stage(events_range(15, 5), later, checkpoint_at(1000, 21, 3)).ok());
  auto n = (*w)->publish(TaskStatus::kCompletedWithErrors, Progress{1000, 1000, 22, 20, 2, 0});
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n.value(), 20u);
  EXPECT_EQ(store().list_events("default", "emp-1", 100, "")->items.size(), 20u);
  std::vector<uint64_t> lines;
  const std::vector<RowError> all = store().row_errors("t", 100).value();
  for (const RowError& e : all) lines.push_back(e.line);
  EXPECT_EQ(lines, (std::vector<uint64_t>{3, 40}));
  const Task done = store().get_task("default", "t")->value();
  EXPECT_EQ(done.status, TaskStatus::kCompletedWithErrors);
  EXPECT_FALSE(done.checkpoint.has_value());
  EXPECT_EQ(done.worker_id, "");
  EXPECT_EQ(done.header_json, want.header_json);  // kept for the error report
}

TEST_P(StoreContract, ASlowWorkerThatLostItsLeaseCanNoLongerWrite) {
  ASSERT_TRUE(store().create_task(make_task("t", 1)).ok());
  const Micros t0 = clock_.now();
  Task mine = store().claim_next_task("slow", t0, kLease).value().value();
  auto slow = store().begin_load(mine, "slow");
  ASSERT_TRUE(slow.ok());
  ASSERT_TRUE((*slow)->stage(events_range(0, 3), {}, checkpoint_at(100, 3, 1)).ok());

  Task taken = store().claim_next_task("fast", t0 + kLease + 1, kLease).value().value();
  EXPECT_EQ(taken.worker_id, "fast");

  // Every write of the slow worker is refused and changes nothing.
  std::vector<RowError> errors{make_row_error(9)};
  auto st = (*slow)->stage(events_range(100, 3), errors, checkpoint_at(999, 99, 9));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "lease_lost");
  EXPECT_EQ(store().heartbeat("t", "slow", t0 + kLease + 2, kLease).error().code, "lease_lost");
  EXPECT_EQ(store().finish_task("t", "slow", TaskStatus::kFailed, std::nullopt, {}, 5).error().code,
            "lease_lost");
  EXPECT_EQ(store().reset_load("t", "slow").error().code, "lease_lost");
  EXPECT_EQ(store().release_lease("t", "slow").error().code, "lease_lost");
  EXPECT_EQ(store().begin_load(taken, "slow").error().code, "lease_lost");
  EXPECT_EQ((*slow)->publish(TaskStatus::kCompleted, Progress{}).error().code, "lease_lost");
  EXPECT_TRUE(store().list_events("default", "emp-1", 100, "")->items.empty());
  EXPECT_TRUE(store().row_errors("t", 100)->empty());
  const Task now = store().get_task("default", "t")->value();
  EXPECT_EQ(now.status, TaskStatus::kRunning);
  EXPECT_EQ(now.checkpoint->byte_offset, 100u);

  // The new owner publishes exactly what it staged plus the kept stage.
  auto fast = store().begin_load(taken, "fast");
  ASSERT_TRUE(fast.ok());
  ASSERT_TRUE((*fast)->stage(events_range(3, 2), {}, checkpoint_at(200, 5, 2)).ok());
  EXPECT_EQ((*fast)->publish(TaskStatus::kCompleted, Progress{}).value(), 5u);
  EXPECT_EQ(store().list_events("default", "emp-1", 100, "")->items.size(), 5u);
}

TEST_P(StoreContract, ALostWriterCannotDiscardTheNewOwnersStage) {
  ASSERT_TRUE(store().create_task(make_task("t", 1)).ok());
  Task mine = store().claim_next_task("slow", 0, kLease).value().value();
  auto slow = store().begin_load(mine, "slow");
  ASSERT_TRUE(slow.ok());
  ASSERT_TRUE((*slow)->stage(events_range(0, 3), {}, checkpoint_at(100, 3, 1)).ok());
  Task taken = store().claim_next_task("fast", kLease + 1, kLease).value().value();
  EXPECT_EQ((*slow)->discard().error().code, "lease_lost");
  auto fast = store().begin_load(taken, "fast");
  ASSERT_TRUE(fast.ok());
  EXPECT_EQ((*fast)->publish(TaskStatus::kCompleted, Progress{}).value(), 3u);
}

TEST_P(StoreContract, AReleasedTaskIsClaimableAtOnceAndKeepsItsStage) {
  ASSERT_TRUE(store().create_task(make_task("old", 1)).ok());
  ASSERT_TRUE(store().create_task(make_task("new", 2)).ok());
  Task t = store().claim_next_task("w1", 100, kLease).value().value();
  ASSERT_EQ(t.id, "old");
  {
    auto w = store().begin_load(t, "w1");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->stage(events_range(0, 4), {}, checkpoint_at(300, 4, 1)).ok());
  }
  ASSERT_TRUE(store().release_lease("old", "w1").ok());
  const Task released = store().get_task("default", "old")->value();
  EXPECT_EQ(released.status, TaskStatus::kRunning);  // it continues after restart
  EXPECT_EQ(released.worker_id, "");
  EXPECT_EQ(store().release_lease("old", "w1").error().code, "lease_lost");
  EXPECT_EQ(store().release_lease("nope", "w1").error().code, "not_found");

  // Resumed before the pending task, at once (no waiting for the lease).
  auto again = store().claim_next_task("w2", 101, kLease).value();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->id, "old");
  EXPECT_EQ(again->checkpoint->byte_offset, 300u);
  auto w = store().begin_load(*again, "w2");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->publish(TaskStatus::kCompleted, Progress{}).value(), 4u);
}

TEST_P(StoreContract, ResetLoadDropsStageRowErrorsAndCheckpoint) {
  ASSERT_TRUE(store().create_task(make_task("t", 1)).ok());
  Task t = store().claim_next_task("w1", 0, kLease).value().value();
  {
    auto w = store().begin_load(t, "w1");
    ASSERT_TRUE(w.ok());
    std::vector<RowError> errors{make_row_error(2)};
    ASSERT_TRUE((*w)->stage(events_range(0, 4), errors, checkpoint_at(300, 5, 1)).ok());
  }
  ASSERT_TRUE(store().reset_load("t", "w1").ok());
  const Task g = store().get_task("default", "t")->value();
  EXPECT_FALSE(g.checkpoint.has_value());
  EXPECT_EQ(g.progress.rows_read, 0u);
  EXPECT_EQ(g.status, TaskStatus::kRunning);
  EXPECT_TRUE(store().row_errors("t", 100)->empty());
  auto w = store().begin_load(g, "w1");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->stage(events_range(10, 1), {}, checkpoint_at(50, 1, 1)).ok());
  EXPECT_EQ((*w)->publish(TaskStatus::kCompleted, Progress{}).value(), 1u);
  EXPECT_FALSE(store().get_event("default", "emp-1", "ev-0")->has_value());
  EXPECT_TRUE(store().get_event("default", "emp-1", "ev-10")->has_value());
}

TEST_P(StoreContract, AReclaimedTaskWithoutCheckpointStartsClean) {
  // A worker that reset its load (a compressed object cannot resume) and
  // died before staging again: the next claim has no checkpoint to resume
  // from, so nothing of the earlier attempt may remain.
  ASSERT_TRUE(store().create_task(make_task("t", 1)).ok());
  Task t = store().claim_next_task("w1", 0, kLease).value().value();
  {
    auto w = store().begin_load(t, "w1");
    ASSERT_TRUE(w.ok());
    std::vector<RowError> errors{make_row_error(2)};
    ASSERT_TRUE((*w)->stage(events_range(0, 4), errors, checkpoint_at(300, 5, 1)).ok());
  }
  ASSERT_TRUE(store().reset_load("t", "w1").ok());
  Task again = store().claim_next_task("w2", kLease + 1, kLease).value().value();
  EXPECT_EQ(again.id, "t");
  EXPECT_EQ(again.attempts, 2);
  EXPECT_FALSE(again.checkpoint.has_value());
  EXPECT_EQ(again.progress.rows_read, 0u);
  EXPECT_TRUE(store().row_errors("t", 100)->empty());
  auto w = store().begin_load(again, "w2");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->publish(TaskStatus::kCompleted, Progress{}).value(), 0u);
}

}  // namespace
}  // namespace skillsync::store::testing
