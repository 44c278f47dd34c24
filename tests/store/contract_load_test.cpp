// Store contract: staging and publishing a File Load Task's rows.
#include <string>
#include <vector>

#include "store_contract.hpp"

namespace skillsync::store::testing {
namespace {

TEST_P(StoreContract, NothingIsVisibleBeforePublishAndEverythingAfter) {
  Task t = make_task("task-1", 1);
  auto w = start_load(t);
  ASSERT_NE(w, nullptr);
  std::vector<schema::Event> a, b;
  for (int i = 0; i < 30; ++i) a.push_back(make_event("emp-1", "a" + std::to_string(i), i));
  for (int i = 0; i < 20; ++i) b.push_back(make_event("emp-2", "b" + std::to_string(i), i));
  b[3].source = "hr";
  ASSERT_TRUE(w->stage(a, {}, checkpoint_of(Progress{1000, 500, 30, 30, 0})).ok());
  ASSERT_TRUE(w->stage(b, {}, checkpoint_of(Progress{1000, 1000, 50, 50, 0})).ok());

  EXPECT_FALSE(store().get_event("default", "emp-1", "a0")->has_value());
  EXPECT_TRUE(store().list_events("default", "emp-2", 100, "")->items.empty());
  const Task mid = store().get_task("default", "task-1")->value();
  EXPECT_EQ(mid.progress.rows_loaded, 50u);  // staged progress is visible
  EXPECT_EQ(mid.status, TaskStatus::kRunning);

  clock_.advance(1'000'000);
  auto n = w->publish(TaskStatus::kCompleted, Progress{1000, 1000, 50, 50, 0});
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n.value(), 50u);

  auto page1 = store().list_events("default", "emp-1", 1000, "");
  ASSERT_EQ(page1->items.size(), 30u);
  auto page2 = store().list_events("default", "emp-2", 1000, "");
  ASSERT_EQ(page2->items.size(), 20u);
  const StoredEvent& s = page2->items[3];
  EXPECT_EQ(s.event.external_id, "b3");
  EXPECT_EQ(s.event.source, std::optional<std::string>("hr"));
  EXPECT_EQ(s.task_id, std::optional<std::string>("task-1"));
  EXPECT_EQ(s.created_at, clock_.now());
  EXPECT_EQ(s.updated_at, clock_.now());

  const Task done = store().get_task("default", "task-1")->value();
  EXPECT_EQ(done.status, TaskStatus::kCompleted);
  EXPECT_EQ(done.sealed_credentials, "");
  EXPECT_EQ(done.finished_at, std::optional<Micros>(clock_.now()));
  EXPECT_EQ(done.progress.rows_loaded, 50u);
  EXPECT_FALSE(done.error.has_value());
}

TEST_P(StoreContract, TheLastRowOfTheFileWinsForAKey) {
  auto w = start_load(make_task("task-1", 1));
  ASSERT_NE(w, nullptr);
  std::vector<schema::Event> first{make_event("emp-1", "ev-1", 1, R"({"v":1})"),
                                   make_event("emp-1", "ev-2", 1, R"({"v":"other"})"),
                                   make_event("emp-1", "ev-1", 2, R"({"v":2})")};
  std::vector<schema::Event> second{make_event("emp-1", "ev-1", 3, R"({"v":3})")};
  ASSERT_TRUE(w->stage(first, {}, Checkpoint{}).ok());
  ASSERT_TRUE(w->stage(second, {}, Checkpoint{}).ok());
  ASSERT_TRUE(w->publish(TaskStatus::kCompleted, Progress{}).ok());

  auto got = store().get_event("default", "emp-1", "ev-1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(got.value()->event.content_json, R"({"v":3})");
  EXPECT_EQ(got.value()->event.timestamp, 3);
  EXPECT_EQ(store().list_events("default", "emp-1", 100, "")->items.size(), 2u);
}

TEST_P(StoreContract, ALoadReplacesAnApiEventAndKeepsItsCreatedAt) {
  const Micros api_time = clock_.now();
  ASSERT_TRUE(
      store().upsert_event("default", make_event("emp-1", "ev-1", 1, R"({"v":"api"})")).ok());
  clock_.advance(60'000'000);
  auto w = start_load(make_task("task-1", 1));
  ASSERT_NE(w, nullptr);
  std::vector<schema::Event> rows{make_event("emp-1", "ev-1", 9, R"({"v":"file"})")};
  ASSERT_TRUE(w->stage(rows, {}, Checkpoint{}).ok());
  ASSERT_TRUE(w->publish(TaskStatus::kCompleted, Progress{}).ok());

  const StoredEvent got = store().get_event("default", "emp-1", "ev-1")->value();
  EXPECT_EQ(got.event.content_json, R"({"v":"file"})");
  EXPECT_EQ(got.created_at, api_time);
  EXPECT_EQ(got.updated_at, clock_.now());
  EXPECT_EQ(got.task_id, std::optional<std::string>("task-1"));

  // A later API write clears task_id: no load wrote that version.
  auto again = store().upsert_event("default", make_event("emp-1", "ev-1", 10));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->task_id.has_value());
  EXPECT_EQ(again->created_at, api_time);
}

TEST_P(StoreContract, PublishWithErrorsKeepsTheRowErrors) {
  auto w = start_load(make_task("task-1", 1));
  ASSERT_NE(w, nullptr);
  std::vector<schema::Event> rows{make_event("emp-1", "ev-1", 1)};
  std::vector<RowError> errors{make_row_error(3)};
  ASSERT_TRUE(w->stage(rows, errors, Checkpoint{}).ok());
  ASSERT_TRUE(w->publish(TaskStatus::kCompletedWithErrors, Progress{50, 50, 2, 1, 1}).ok());
  const Task done = store().get_task("default", "task-1")->value();
  EXPECT_EQ(done.status, TaskStatus::kCompletedWithErrors);
  EXPECT_EQ(done.progress.rows_rejected, 1u);
  EXPECT_EQ(store().row_errors("task-1", 10)->size(), 1u);
}

TEST_P(StoreContract, DiscardLeavesNoRows) {
  Task t = make_task("task-1", 1);
  auto w = start_load(t);
  ASSERT_NE(w, nullptr);
  std::vector<schema::Event> rows{make_event("emp-1", "ev-1", 1), make_event("emp-1", "ev-2", 2)};
  ASSERT_TRUE(w->stage(rows, {}, Checkpoint{}).ok());
  ASSERT_TRUE(w->discard().ok());
  EXPECT_TRUE(store().list_events("default", "emp-1", 100, "")->items.empty());

  auto again = store().begin_load(t, "w");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->publish(TaskStatus::kCompleted, Progress{}).value(), 0u);
  EXPECT_TRUE(store().list_events("default", "emp-1", 100, "")->items.empty());
}

TEST_P(StoreContract, ALoadWritesOnlyIntoItsTasksTenant) {
  ASSERT_TRUE(store().upsert_event("a", make_event("emp-1", "ev-1", 1, R"({"v":"a"})")).ok());
  auto w = start_load(make_task("task-b", 1, "b"));
  ASSERT_NE(w, nullptr);
  std::vector<schema::Event> rows{make_event("emp-1", "ev-1", 2, R"({"v":"b"})")};
  ASSERT_TRUE(w->stage(rows, {}, Checkpoint{}).ok());
  ASSERT_TRUE(w->publish(TaskStatus::kCompleted, Progress{}).ok());

  EXPECT_EQ(store().get_event("a", "emp-1", "ev-1")->value().event.content_json, R"({"v":"a"})");
  EXPECT_FALSE(store().get_event("a", "emp-1", "ev-1")->value().task_id.has_value());
  EXPECT_EQ(store().get_event("b", "emp-1", "ev-1")->value().event.content_json, R"({"v":"b"})");
  EXPECT_FALSE(store().get_task("a", "task-b")->has_value());
}

TEST_P(StoreContract, TwoTasksStageSideBySide) {
  auto w1 = start_load(make_task("task-1", 1));
  auto w2 = start_load(make_task("task-2", 2));
  ASSERT_NE(w1, nullptr);
  ASSERT_NE(w2, nullptr);
  std::vector<schema::Event> r1{make_event("emp-1", "ev-1", 1)};
  std::vector<schema::Event> r2{make_event("emp-2", "ev-1", 1)};
  ASSERT_TRUE(w1->stage(r1, {}, Checkpoint{}).ok());
  ASSERT_TRUE(w2->stage(r2, {}, Checkpoint{}).ok());
  ASSERT_TRUE(w2->discard().ok());
  ASSERT_TRUE(w1->publish(TaskStatus::kCompleted, Progress{}).ok());
  EXPECT_TRUE(store().get_event("default", "emp-1", "ev-1")->has_value());
  EXPECT_FALSE(store().get_event("default", "emp-2", "ev-1")->has_value());
}

}  // namespace
}  // namespace skillsync::store::testing
