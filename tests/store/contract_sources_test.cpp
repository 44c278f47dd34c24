// Store contract: recurring sources and their ledger (store/sources.hpp):
// CRUD, claiming a due source under a lease, idempotent ledger rows, and a
// file's ledger row and task written together or not at all (one file, or a
// "per_check" check's batch with its task's objects).
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "store_contract.hpp"

namespace skillsync::store::testing {
namespace {

constexpr Micros kSecond = 1'000'000;

Source make_source(std::string id, Micros now, std::string tenant = "default") {
  Source s;
  s.id = std::move(id);
  s.tenant = std::move(tenant);
  s.name = "nightly learning";
  s.entity_type = "learning";
  s.method = "s3_iam_user";
  s.uri = "s3://bucket/exports/";
  s.pattern = "learning_*.csv";
  s.sealed_credentials = std::string("\x01\x00sealed\xff", 9);
  s.schedule_seconds = 900;
  s.options_json = R"({"delimiter":";"})";
  s.start_after = "exports/learning_1.csv";
  s.modified_after = now - 5 * kSecond;
  s.next_check_at = now;
  s.failures_since = now;
  s.created_at = now;
  return s;
}

SourceFile make_file(std::string source_id, std::string key, std::string etag) {
  SourceFile f;
  f.source_id = std::move(source_id);
  f.key = std::move(key);
  f.etag = std::move(etag);
  f.size = 42;
  f.last_modified = 1'700'000'000'000'000;
  return f;
}

TEST_P(StoreContract, ASourceIsStoredAndReadBackInItsTenantOnly) {
  const Micros now = clock_.now();
  ASSERT_TRUE(store().create_source(make_source("src-1", now)).ok());
  auto got = store().get_source("default", "src-1");
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_TRUE(got->has_value());
  const Source& s = **got;
  EXPECT_EQ(s.name, "nightly learning");
  EXPECT_EQ(s.pattern, "learning_*.csv");
  EXPECT_EQ(s.sealed_credentials, std::string("\x01\x00sealed\xff", 9));
  EXPECT_EQ(s.schedule_seconds, 900);
  EXPECT_EQ(s.options_json, R"({"delimiter":";"})");
  EXPECT_EQ(s.start_after, "exports/learning_1.csv");
  EXPECT_EQ(s.modified_after, now - 5 * kSecond);
  EXPECT_EQ(s.batch, "per_file");
  EXPECT_EQ(s.max_consecutive_failures, 3);
  EXPECT_EQ(s.status, SourceStatus::kActive);
  EXPECT_EQ(s.next_check_at, now);
  EXPECT_FALSE(s.last_check_at.has_value());
  EXPECT_EQ(s.created_at, now);
  auto other = store().get_source("tenant-b", "src-1");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  EXPECT_EQ(store().create_source(make_source("src-1", now)).error().code, "already_exists");
}

TEST_P(StoreContract, SourcesAreListedNewestFirstInPagesWithoutCredentials) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store().create_source(make_source("s" + std::to_string(i), 1000 + i)).ok());
  }
  ASSERT_TRUE(store().create_source(make_source("other", 2000, "tenant-b")).ok());
  std::vector<std::string> ids;
  std::string cursor;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = store().list_sources("default", 2, cursor);
    ASSERT_TRUE(page.ok()) << page.error().message;
    for (const auto& s : page->items) {
      EXPECT_TRUE(s.sealed_credentials.empty());
      ids.push_back(s.id);
    }
    if (!page->next_cursor) break;
    cursor = *page->next_cursor;
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"s4", "s3", "s2", "s1", "s0"}));
  EXPECT_EQ(store().list_sources("default", 2, "garbage!").error().code, "invalid_cursor");
}

TEST_P(StoreContract, ASourceIsUpdatedAndDeletedWithItsLedger) {
  const Micros now = clock_.now();
  ASSERT_TRUE(store().create_source(make_source("src-1", now)).ok());
  ASSERT_TRUE(store().record_source_file(make_file("src-1", "exports/a.csv", "e1")).ok());
  Source s = **store().get_source("default", "src-1");
  s.pattern = "*.csv";
  s.status = SourceStatus::kPaused;
  s.schedule_seconds = 60;
  auto updated = store().update_source(s, now + kSecond);
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_TRUE(*updated);
  Source back = **store().get_source("default", "src-1");
  EXPECT_EQ(back.pattern, "*.csv");
  EXPECT_EQ(back.status, SourceStatus::kPaused);
  EXPECT_EQ(back.schedule_seconds, 60);
  EXPECT_EQ(back.updated_at, now + kSecond);
  s.tenant = "tenant-b";
  EXPECT_FALSE(*store().update_source(s, now));
  EXPECT_FALSE(*store().delete_source("tenant-b", "src-1"));
  EXPECT_TRUE(*store().delete_source("default", "src-1"));
  EXPECT_FALSE(store().get_source("default", "src-1")->has_value());
  EXPECT_TRUE(store().list_source_files("src-1", 10, "")->items.empty());
}

TEST_P(StoreContract, OnlyADueActiveSourceWithAFreeLeaseIsClaimed) {
  const Micros now = clock_.now();
  Source later = make_source("later", now);
  later.next_check_at = now + 60 * kSecond;
  ASSERT_TRUE(store().create_source(later).ok());
  Source paused = make_source("paused", now);
  paused.status = SourceStatus::kPaused;
  ASSERT_TRUE(store().create_source(paused).ok());
  ASSERT_TRUE(store().create_source(make_source("due", now)).ok());

  auto first = store().claim_due_source("w1", now, 30 * kSecond);
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->id, "due");
  EXPECT_EQ((*first)->lease_owner, "w1");
  // Held: nobody else gets it until the lease runs out.
  EXPECT_FALSE(store().claim_due_source("w2", now + kSecond, 30 * kSecond)->has_value());
  auto taken = store().claim_due_source("w2", now + 31 * kSecond, 30 * kSecond);
  ASSERT_TRUE(taken->has_value());
  EXPECT_EQ((*taken)->lease_owner, "w2");
  // The first owner's lease is gone: its finish writes nothing.
  SourceCheckResult result{now + 32 * kSecond, now + 900 * kSecond, std::nullopt};
  EXPECT_EQ(store().finish_source_check("due", "w1", result).error().code, "lease_lost");
  ASSERT_TRUE(store().finish_source_check("due", "w2", result).ok());
  Source s = **store().get_source("default", "due");
  EXPECT_EQ(s.last_check_at, now + 32 * kSecond);
  EXPECT_EQ(s.next_check_at, now + 900 * kSecond);
  EXPECT_EQ(s.lease_owner, "");
  EXPECT_EQ(s.status, SourceStatus::kActive);
  EXPECT_FALSE(store().claim_due_source("w3", now + 33 * kSecond, 30 * kSecond)->has_value());
}

TEST_P(StoreContract, ACheckAskedForDuringACheckIsKept) {
  const Micros now = clock_.now();
  ASSERT_TRUE(store().create_source(make_source("src-1", now)).ok());
  auto claimed = store().claim_due_source("w1", now, 30 * kSecond);
  ASSERT_TRUE(claimed->has_value());
  Source during = **store().get_source("default", "src-1");
  EXPECT_FALSE(during.next_check_at.has_value());  // under way
  during.next_check_at = now + kSecond;            // "run" while it checks
  ASSERT_TRUE(*store().update_source(during, now + kSecond));
  SourceCheckResult result{now + 2 * kSecond, now + 900 * kSecond, std::nullopt};
  ASSERT_TRUE(store().finish_source_check("src-1", "w1", result).ok());
  EXPECT_EQ(store().get_source("default", "src-1")->value().next_check_at, now + kSecond);
  // A check whose owner died is claimed again once its lease runs out.
  ASSERT_TRUE(store().claim_due_source("w2", now + 3 * kSecond, kSecond)->has_value());
  auto again = store().claim_due_source("w3", now + 5 * kSecond, kSecond);
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ((*again)->lease_owner, "w3");
}

TEST_P(StoreContract, ACheckThatFailsPutsTheSourceInError) {
  const Micros now = clock_.now();
  ASSERT_TRUE(store().create_source(make_source("src-1", now)).ok());
  ASSERT_TRUE(store().claim_due_source("w1", now, 30 * kSecond)->has_value());
  SourceCheckResult result{now, now + 900 * kSecond, std::string("access_denied: no")};
  ASSERT_TRUE(store().finish_source_check("src-1", "w1", result).ok());
  Source s = **store().get_source("default", "src-1");
  EXPECT_EQ(s.status, SourceStatus::kError);
  EXPECT_EQ(s.last_error, "access_denied: no");
  EXPECT_FALSE(store().claim_due_source("w1", now + 1000 * kSecond, kSecond)->has_value());
}

TEST_P(StoreContract, ConcurrentClaimsTakeADueSourceOnce) {
  const Micros now = clock_.now();
  ASSERT_TRUE(store().create_source(make_source("src-1", now)).ok());
  std::atomic<int> claimed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      auto c = store().claim_due_source("w" + std::to_string(i), now, 30 * kSecond);
      if (c.ok() && c->has_value()) ++claimed;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(claimed.load(), 1);
}

TEST_P(StoreContract, RecordingTheSameVersionTwiceReturnsTheFirstRow) {
  const Micros now = clock_.now();
  ASSERT_TRUE(store().create_source(make_source("src-1", now)).ok());
  SourceFile f = make_file("src-1", "exports/x.csv", "etag-1");
  f.skip_reason = "pattern";
  auto first = store().record_source_file(f);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->file.first_seen, now);
  clock_.advance(kSecond);
  f.skip_reason = "too_large";
  auto second = store().record_source_file(f);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->file.skip_reason, "pattern");
  EXPECT_EQ(second->file.first_seen, now);
  f.etag = "etag-2";  // new content: a new row
  EXPECT_TRUE(store().record_source_file(f)->created);
  auto page = store().list_source_files("src-1", 10, "");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].file.etag, "etag-1");
  EXPECT_EQ(page->items[1].file.etag, "etag-2");
  EXPECT_FALSE(page->items[0].task_status.has_value());
}

TEST_P(StoreContract, AFileAndItsTaskAreRecordedTogetherExactlyOnce) {
  const Micros now = clock_.now();
  ASSERT_TRUE(store().create_source(make_source("src-1", now)).ok());
  Task t = make_task("task-1", now);
  t.source_id = "src-1";
  SourceFile f = make_file("src-1", "exports/learning_2.csv", "e");
  auto rec = store().record_file_and_create_task(f, t);
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  EXPECT_TRUE(rec->created);
  EXPECT_EQ(rec->file.task_id, "task-1");
  auto task = store().get_task("default", "task-1");
  ASSERT_TRUE(task->has_value());
  EXPECT_EQ((*task)->source_id, "src-1");
  // The same version again: no second task.
  Task t2 = make_task("task-2", now);
  t2.source_id = "src-1";
  auto again = store().record_file_and_create_task(f, t2);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->file.task_id, "task-1");
  EXPECT_FALSE(store().get_task("default", "task-2")->has_value());
  // A task that cannot be created leaves no ledger row behind.
  SourceFile g = make_file("src-1", "exports/learning_3.csv", "e");
  EXPECT_FALSE(store().record_file_and_create_task(g, t).ok());  // task-1 exists
  EXPECT_EQ(store().list_source_files("src-1", 10, "")->items.size(), 1u);
  auto page = store().list_source_files("src-1", 10, "");
  EXPECT_EQ(page->items[0].task_status, std::optional<std::string>("pending"));
  auto statuses = store().recent_source_task_statuses("src-1", now, 5);
  ASSERT_TRUE(statuses.ok());
  EXPECT_EQ(*statuses, std::vector<TaskStatus>{TaskStatus::kPending});
  EXPECT_TRUE(store().recent_source_task_statuses("src-1", now + 1, 5)->empty());
}

TEST_P(StoreContract, ConcurrentRecordersCreateOneTaskPerVersion) {
  const Micros now = clock_.now();
  ASSERT_TRUE(store().create_source(make_source("src-1", now)).ok());
  std::atomic<int> created{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      Task t = make_task("task-" + std::to_string(i), now);
      t.source_id = "src-1";
      auto r = store().record_file_and_create_task(make_file("src-1", "k.csv", "e"), t);
      if (r.ok() && r->created) ++created;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(store().recent_source_task_statuses("src-1", 0, 10)->size(), 1u);
}

// Batch "per_check": the new files of a check, one task and its objects.
TEST_P(StoreContract, ACheckBatchIsRecordedWithOneTaskExactlyOnce) {
  const Micros now = clock_.now();
  ASSERT_TRUE(store().create_source(make_source("src-1", now)).ok());
  ASSERT_TRUE(store().record_source_file(make_file("src-1", "exports/b.csv", "eb")).ok());
  Task t = make_task("task-1", now);
  t.source_id = "src-1";
  std::vector<SourceFile> batch = {make_file("src-1", "exports/a.csv", "ea"),
                                   make_file("src-1", "exports/b.csv", "eb"),
                                   make_file("src-1", "exports/c.csv", "ec")};
  auto rec = store().record_files_and_create_task(batch, t);
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  ASSERT_EQ(rec->size(), 2u) << "b.csv was recorded before: left out";
  EXPECT_EQ((*rec)[1].key, "exports/c.csv");
  EXPECT_EQ((*rec)[1].task_id, "task-1");
  auto objects = store().list_task_objects("task-1");
  ASSERT_TRUE(objects.ok()) << objects.error().message;
  ASSERT_EQ(objects->size(), 2u);
  EXPECT_EQ((*objects)[0].key, "exports/a.csv");
  EXPECT_EQ((*objects)[0].etag, "ea");
  EXPECT_EQ((*objects)[0].size, 42u);
  EXPECT_EQ((*objects)[1].key, "exports/c.csv");
  auto page = store().list_source_files("src-1", 10, "");
  ASSERT_EQ(page->items.size(), 3u);
  EXPECT_EQ(page->items[1].file.task_id, "task-1");
  EXPECT_EQ(page->items[2].file.task_id, "task-1");
  EXPECT_EQ(page->items[2].task_status, std::optional<std::string>("pending"));
  // Nothing new: no task. A task that cannot be created leaves no row.
  Task t2 = make_task("task-2", now);
  t2.source_id = "src-1";
  EXPECT_TRUE(store().record_files_and_create_task(batch, t2)->empty());
  EXPECT_FALSE(store().get_task("default", "task-2")->has_value());
  EXPECT_FALSE(store().record_files_and_create_task({make_file("src-1", "d.csv", "ed")}, t).ok());
  EXPECT_EQ(store().list_source_files("src-1", 10, "")->items.size(), 3u);
  EXPECT_TRUE(store().list_task_objects("task-2")->empty());
  // The objects go with their task when retention purges it.
  ASSERT_TRUE(store().request_cancel("default", "task-1", now).ok());
  ASSERT_EQ(store().purge_finished_before(clock_.now() + kSecond).value(), 1u);
  EXPECT_TRUE(store().list_task_objects("task-1")->empty());
}

TEST_P(StoreContract, ConcurrentBatchRecordersCreateOneTaskPerVersion) {
  const Micros now = clock_.now();
  ASSERT_TRUE(store().create_source(make_source("src-1", now)).ok());
  std::atomic<int> created{0};
  std::atomic<int> recorded{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      Task t = make_task("task-" + std::to_string(i), now);
      t.source_id = "src-1";
      auto r = store().record_files_and_create_task(
          {make_file("src-1", "a.csv", "e"), make_file("src-1", "b.csv", "e")}, t);
      if (r.ok() && !r->empty()) ++created;
      if (r.ok()) recorded += static_cast<int>(r->size());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(recorded.load(), 2);
  EXPECT_EQ(store().recent_source_task_statuses("src-1", 0, 10)->size(), 1u);
}

TEST_P(StoreContract, TheLedgerIsPaged) {
  const Micros now = clock_.now();
  ASSERT_TRUE(store().create_source(make_source("src-1", now)).ok());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store().record_source_file(make_file("src-1", "k" + std::to_string(i), "e")).ok());
  }
  std::vector<std::string> keys;
  std::string cursor;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = store().list_source_files("src-1", 2, cursor);
    ASSERT_TRUE(page.ok()) << page.error().message;
    for (const auto& v : page->items) keys.push_back(v.file.key);
    if (!page->next_cursor) break;
    cursor = *page->next_cursor;
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"k0", "k1", "k2", "k3", "k4"}));
}

}  // namespace
}  // namespace skillsync::store::testing
