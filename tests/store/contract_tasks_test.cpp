// Store contract: tasks, claiming, progress, finishing, row errors, reclaiming.
#include <algorithm>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store_contract.hpp"

namespace skillsync::store::testing {
namespace {

TEST_P(StoreContract, CreateThenGetRoundTripsEveryField) {
  Task t = make_task("task-1", 1234, "acme");
  ASSERT_TRUE(store().create_task(t).ok());
  auto got = store().get_task("acme", "task-1");
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_TRUE(got->has_value());
  const Task& g = **got;
  EXPECT_EQ(g.id, "task-1");
  EXPECT_EQ(g.tenant, "acme");
  EXPECT_EQ(g.entity_type, "learning");
  EXPECT_EQ(g.method, "s3");
  EXPECT_EQ(g.uri, "s3://bucket/learning.csv");
  EXPECT_EQ(g.region, "eu-west-1");
  EXPECT_EQ(g.options_json, R"({"ignore_unknown_columns":true})");
  EXPECT_EQ(g.sealed_credentials, t.sealed_credentials);  // binary-safe
  EXPECT_EQ(g.status, TaskStatus::kPending);
  EXPECT_EQ(g.created_at, 1234);
  EXPECT_FALSE(g.started_at.has_value());
  EXPECT_FALSE(g.finished_at.has_value());
  EXPECT_EQ(g.progress.rows_read, 0u);
  EXPECT_FALSE(g.error.has_value());
  EXPECT_EQ(g.attempts, 0);
}

TEST_P(StoreContract, ADuplicateTaskIdIsRefused) {
  ASSERT_TRUE(store().create_task(make_task("task-1", 1)).ok());
  auto again = store().create_task(make_task("task-1", 2));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "already_exists");
}

TEST_P(StoreContract, TenantsNeverSeeEachOthersTasks) {
  ASSERT_TRUE(store().create_task(make_task("task-a", 1, "a")).ok());
  EXPECT_TRUE(store().get_task("a", "task-a")->has_value());
  EXPECT_FALSE(store().get_task("b", "task-a")->has_value());
  EXPECT_FALSE(store().get_task("a", "task-b")->has_value());
}

TEST_P(StoreContract, ClaimTakesTheOldestPendingTask) {
  ASSERT_TRUE(store().create_task(make_task("t-late", 300)).ok());
  ASSERT_TRUE(store().create_task(make_task("t-b", 100)).ok());
  ASSERT_TRUE(store().create_task(make_task("t-a", 100)).ok());  // tie: by id
  std::vector<std::string> order;
  for (int i = 0; i < 3; ++i) {
    auto claimed = store().claim_next_task("worker-1", 5000 + i, kLongLease);
    ASSERT_TRUE(claimed.ok()) << claimed.error().message;
    ASSERT_TRUE(claimed->has_value());
    const Task& t = **claimed;
    EXPECT_EQ(t.status, TaskStatus::kRunning);
    EXPECT_EQ(t.started_at, std::optional<Micros>(5000 + i));
    EXPECT_EQ(t.attempts, 1);
    EXPECT_EQ(t.sealed_credentials, make_task("x", 0).sealed_credentials);  // the worker needs it
    order.push_back(t.id);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"t-a", "t-b", "t-late"}));
  auto none = store().claim_next_task("worker-1", 6000, kLongLease);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_EQ(store().get_task("default", "t-a")->value().status, TaskStatus::kRunning);
}

TEST_P(StoreContract, ConcurrentClaimsNeverReturnTheSameTask) {
  constexpr int kTasks = 60;
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_TRUE(store().create_task(make_task("task-" + std::to_string(i), i + 1)).ok());
  }
  std::mutex mu;
  std::vector<std::string> claimed;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      for (;;) {
        auto t = store().claim_next_task("worker-" + std::to_string(w), 1, kLongLease);
        std::lock_guard lock(mu);
        if (!t.ok()) {
          failures.push_back(t.error().message);
          return;
        }
        if (!t->has_value()) return;
        claimed.push_back((*t)->id);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(failures.empty()) << failures.front();
  EXPECT_EQ(claimed.size(), static_cast<size_t>(kTasks));
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()).size(), claimed.size());
}

TEST_P(StoreContract, ProgressIsStored) {
  ASSERT_TRUE(store().create_task(make_task("task-1", 1)).ok());
  ASSERT_TRUE(store().update_progress("task-1", Progress{1000, 400, 30, 25, 5}).ok());
  const Progress p = store().get_task("default", "task-1")->value().progress;
  EXPECT_EQ(p.bytes_total, 1000u);
  EXPECT_EQ(p.bytes_read, 400u);
  EXPECT_EQ(p.rows_read, 30u);
  EXPECT_EQ(p.rows_loaded, 25u);
  EXPECT_EQ(p.rows_rejected, 5u);
  auto missing = store().update_progress("nope", Progress{});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "not_found");
}

TEST_P(StoreContract, FinishTaskErasesCredentialsDropsStagedRowsKeepsRowErrors) {
  Task t = make_task("task-1", 1);
  ASSERT_TRUE(store().create_task(t).ok());
  ASSERT_TRUE(store().claim_next_task("w", 10, kLongLease).value().has_value());
  {
    auto w = store().begin_load(t, "w");
    ASSERT_TRUE(w.ok()) << w.error().message;
    std::vector<schema::Event> events{make_event("emp-1", "ev-1", 1)};
    std::vector<RowError> errors{make_row_error(3)};
    ASSERT_TRUE((*w)->stage(events, errors, checkpoint_of(Progress{100, 50, 2, 1, 1})).ok());
  }
  const Progress final_progress{100, 60, 2, 0, 1};
  ASSERT_TRUE(store()
                  .finish_task("task-1", "w", TaskStatus::kFailed,
                               TaskError{"access_denied", "S3 said no"}, final_progress, 777)
                  .ok());
  const Task g = store().get_task("default", "task-1")->value();
  EXPECT_EQ(g.status, TaskStatus::kFailed);
  ASSERT_TRUE(g.error.has_value());
  EXPECT_EQ(g.error->code, "access_denied");
  EXPECT_EQ(g.error->message, "S3 said no");
  EXPECT_EQ(g.finished_at, std::optional<Micros>(777));
  EXPECT_EQ(g.progress.bytes_read, 60u);
  EXPECT_EQ(g.sealed_credentials, "");
  EXPECT_EQ(store().row_errors("task-1", 100).value().size(), 1u);
  EXPECT_FALSE(store().get_event("default", "emp-1", "ev-1")->has_value());

  EXPECT_FALSE(g.checkpoint.has_value());
  EXPECT_EQ(g.worker_id, "");

  // Nothing can be staged or published any more: the task is over.
  EXPECT_EQ(store().begin_load(t, "w").error().code, "lease_lost");
  EXPECT_TRUE(store().list_events("default", "emp-1", 10, "")->items.empty());
}

TEST_P(StoreContract, RowErrorsComeBackInFileOrderUpToTheLimit) {
  Task t = make_task("task-1", 1);
  ASSERT_TRUE(store().create_task(t).ok());
  ASSERT_TRUE(store().claim_next_task("w", 10, kLongLease).value().has_value());
  auto w = store().begin_load(t, "w");
  ASSERT_TRUE(w.ok());
  std::vector<RowError> first{make_row_error(2), make_row_error(5, "missing_value")};
  std::vector<RowError> second{make_row_error(7), make_row_error(9)};
  second[1].column = "";
  ASSERT_TRUE((*w)->stage({}, first, Checkpoint{}).ok());
  ASSERT_TRUE((*w)->stage({}, second, Checkpoint{}).ok());

  auto all = store().row_errors("task-1", 100);
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), 4u);
  std::vector<uint64_t> lines;
  for (const auto& e : *all) lines.push_back(e.line);
  EXPECT_EQ(lines, (std::vector<uint64_t>{2, 5, 7, 9}));
  const RowError& e = (*all)[1];
  EXPECT_EQ(e.byte_offset, 500u);
  EXPECT_EQ(e.column, "timestamp");
  EXPECT_EQ(e.code, "missing_value");
  EXPECT_EQ(e.message, "not a timestamp");
  EXPECT_EQ(e.raw, "emp-1,ev-5,yesterday");
  EXPECT_EQ((*all)[3].column, "");

  auto some = store().row_errors("task-1", 3);
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(some->size(), 3u);
  EXPECT_EQ(some->back().line, 7u);
  EXPECT_TRUE(store().row_errors("other", 100)->empty());
}

TEST_P(StoreContract, ATaskWhoseWorkerDiedIsClaimedAgainAndOthersAreUntouched) {
  Task running = make_task("t-running", 2);
  ASSERT_TRUE(store().create_task(running).ok());
  ASSERT_TRUE(store().create_task(make_task("t-pending", 3)).ok());
  ASSERT_TRUE(store().create_task(make_task("t-done", 1)).ok());
  ASSERT_EQ(store().claim_next_task("w", 5, kLongLease).value()->id, "t-done");
  ASSERT_TRUE(store().finish_task("t-done", "w", TaskStatus::kCancelled, std::nullopt, {}, 6).ok());
  ASSERT_EQ(store().claim_next_task("w", 7, kLongLease).value()->id, "t-running");
  {
    auto w = store().begin_load(running, "w");
    ASSERT_TRUE(w.ok());
    std::vector<schema::Event> events{make_event("emp-1", "ev-1", 1)};
    std::vector<RowError> errors{make_row_error(2)};
    ASSERT_TRUE((*w)->stage(events, errors, checkpoint_of(Progress{10, 10, 2, 1, 1})).ok());
  }  // the "process" dies without publishing

  // Once its lease has run out, the next claim takes it over (before the
  // pending task) with what it staged.
  auto again = store().claim_next_task("w2", 8 + kLongLease, kLongLease);
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_EQ((*again)->id, "t-running");
  EXPECT_EQ((*again)->attempts, 2);
  EXPECT_EQ((*again)->sealed_credentials, running.sealed_credentials);  // still needed
  EXPECT_EQ(store().row_errors("t-running", 100)->size(), 1u);
  EXPECT_EQ(store().get_task("default", "t-pending")->value().status, TaskStatus::kPending);
  EXPECT_EQ(store().get_task("default", "t-done")->value().status, TaskStatus::kCancelled);
  auto w = store().begin_load(running, "w2");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->publish(TaskStatus::kCompleted, Progress{}).value(), 1u);
  EXPECT_TRUE(store().get_event("default", "emp-1", "ev-1")->has_value());
}

}  // namespace
}  // namespace skillsync::store::testing
