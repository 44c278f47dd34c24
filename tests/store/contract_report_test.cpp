// Store contract: what the error report and dry runs need (issue 3):
// paged row errors, the stored header, superseded rows, dry-run finishing.
#include <string>
#include <vector>

#include "store_contract.hpp"

namespace skillsync::store::testing {
namespace {

constexpr Micros kLease = 30'000'000;

class ReportFixture {
 public:
  static Task claim(Store& s, const std::string& id) {
    EXPECT_TRUE(s.create_task(make_task(id, 1)).ok());
    auto t = s.claim_next_task("w", 1, kLease);
    EXPECT_TRUE(t.ok() && t->has_value());
    return t.ok() && t->has_value() ? **t : Task{};
  }
};

TEST_P(StoreContract, RowErrorsPageWalksEveryErrorInFileOrder) {
  Task t = ReportFixture::claim(store(), "t");
  auto w = store().begin_load(t, "w");
  ASSERT_TRUE(w.ok());
  std::vector<RowError> batch1, batch2;
  for (uint64_t line = 2; line < 9; ++line) batch1.push_back(make_row_error(line));
  for (uint64_t line = 9; line < 14; ++line) batch2.push_back(make_row_error(line));
  batch2[0].column = "";
  ASSERT_TRUE((*w)->stage({}, batch1, Checkpoint{}).ok());
  ASSERT_TRUE((*w)->stage({}, batch2, Checkpoint{}).ok());

  std::vector<uint64_t> lines;
  std::string cursor;
  int pages = 0;
  for (;;) {
    auto page = store().row_errors_page("t", 5, cursor);
    ASSERT_TRUE(page.ok()) << page.error().message;
    ++pages;
    for (const RowError& e : page->items) lines.push_back(e.line);
    if (!page->next_cursor) break;
    cursor = *page->next_cursor;
  }
  EXPECT_EQ(pages, 3);
  std::vector<uint64_t> want;
  for (uint64_t line = 2; line < 14; ++line) want.push_back(line);
  EXPECT_EQ(lines, want);

  auto first = store().row_errors_page("t", 12, "");
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->next_cursor.has_value());
  const RowError& e = first->items[7];
  EXPECT_EQ(e.line, 9u);
  EXPECT_EQ(e.byte_offset, 900u);
  EXPECT_EQ(e.column, "");
  EXPECT_EQ(e.code, "invalid_value");
  EXPECT_EQ(e.message, "not a timestamp");
  EXPECT_EQ(e.raw, "emp-1,ev-9,yesterday");

  EXPECT_TRUE(store().row_errors_page("unknown", 10, "")->items.empty());
  EXPECT_EQ(store().row_errors_page("t", 0, "").error().code, "invalid_argument");
  EXPECT_EQ(store().row_errors_page("t", 10001, "").error().code, "invalid_argument");
  EXPECT_EQ(store().row_errors_page("t", 10, "zz!").error().code, "invalid_cursor");
}

TEST_P(StoreContract, TheHeaderIsKeptAfterTheTaskFails) {
  Task t = ReportFixture::claim(store(), "t");
  auto w = store().begin_load(t, "w");
  ASSERT_TRUE(w.ok());
  Checkpoint c;
  c.header_json = R"(["employee_external_id","external_id","timestamp"])";
  std::vector<RowError> errors{make_row_error(2)};
  ASSERT_TRUE((*w)->stage({}, errors, c).ok());
  ASSERT_TRUE((*w)->discard().ok());
  ASSERT_TRUE(store().finish_task("t", "w", TaskStatus::kFailed, std::nullopt, {}, 9).ok());
  const Task g = store().get_task("default", "t")->value();
  EXPECT_EQ(g.header_json, c.header_json);
  EXPECT_EQ(store().row_errors("t", 10)->size(), 1u);
}

TEST_P(StoreContract, PublishCountsRowsSupersededWithinTheFile) {
  // An event stored before the load: replacing it is not "superseded".
  ASSERT_TRUE(store().upsert_event("default", make_event("emp-1", "ev-1", 0)).ok());
  Task t = ReportFixture::claim(store(), "t");
  auto w = store().begin_load(t, "w");
  ASSERT_TRUE(w.ok());
  std::vector<schema::Event> b1{make_event("emp-1", "ev-1", 1, R"({"v":1})"),
                                make_event("emp-1", "ev-2", 1), make_event("emp-2", "ev-1", 1),
                                make_event("emp-1", "ev-1", 2, R"({"v":2})")};
  std::vector<schema::Event> b2{make_event("emp-1", "ev-1", 3, R"({"v":3})"),
                                make_event("emp-1", "ev-2", 4, R"({"v":"last"})")};
  ASSERT_TRUE((*w)->stage(b1, {}, Checkpoint{}).ok());
  ASSERT_TRUE((*w)->stage(b2, {}, Checkpoint{}).ok());
  EXPECT_EQ((*w)->count_superseded().value(), 3u);
  auto n = (*w)->publish(TaskStatus::kCompleted, Progress{100, 100, 6, 6, 0, 99});
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n.value(), 6u);  // every staged row counts
  const Task done = store().get_task("default", "t")->value();
  EXPECT_EQ(done.progress.rows_superseded, 3u);  // the caller's 99 is replaced
  EXPECT_EQ(done.progress.rows_loaded, 6u);
  EXPECT_EQ(store().get_event("default", "emp-1", "ev-1")->value().event.content_json,
            R"({"v":3})");
  EXPECT_EQ(store().get_event("default", "emp-1", "ev-2")->value().event.content_json,
            R"({"v":"last"})");
  EXPECT_EQ(store().list_events("default", "emp-1", 100, "")->items.size(), 2u);
  EXPECT_EQ(store().list_events("default", "emp-2", 100, "")->items.size(), 1u);
}

TEST_P(StoreContract, ADryRunFinishesWithoutWritingEvents) {
  Task t = ReportFixture::claim(store(), "t");
  auto w = store().begin_load(t, "w");
  ASSERT_TRUE(w.ok());
  std::vector<schema::Event> rows{make_event("emp-1", "ev-1", 1), make_event("emp-1", "ev-1", 2),
                                  make_event("emp-1", "ev-2", 3)};
  std::vector<RowError> errors{make_row_error(5)};
  ASSERT_TRUE((*w)->stage(rows, errors, Checkpoint{}).ok());
  EXPECT_EQ((*w)->count_superseded().value(), 1u);
  // A wrong status is refused before anything happens; the writer stays open.
  EXPECT_EQ((*w)->finish_dry_run(TaskStatus::kFailed, Progress{}).error().code, "invalid_argument");
  ASSERT_TRUE(
      (*w)->finish_dry_run(TaskStatus::kCompletedWithErrors, Progress{9, 9, 4, 3, 1, 0}).ok());
  EXPECT_EQ((*w)->stage(rows, {}, Checkpoint{}).error().code, "invalid_state");  // closed
  EXPECT_EQ((*w)->publish(TaskStatus::kCompleted, Progress{}).error().code, "invalid_state");
  const Task g = store().get_task("default", "t")->value();
  EXPECT_EQ(g.status, TaskStatus::kCompletedWithErrors);
  EXPECT_EQ(g.progress.rows_loaded, 3u);
  EXPECT_EQ(g.progress.rows_superseded, 1u);
  EXPECT_EQ(g.sealed_credentials, "");
  ASSERT_TRUE(g.finished_at.has_value());
  EXPECT_TRUE(store().list_events("default", "emp-1", 100, "")->items.empty());
  EXPECT_EQ(store().row_errors("t", 10)->size(), 1u);  // the report stays
}

TEST_P(StoreContract, ADryRunOfALostLeaseChangesNothing) {
  Task t = ReportFixture::claim(store(), "t");
  auto w = store().begin_load(t, "w");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(store().claim_next_task("other", 1 + kLease + 1, kLease).value().has_value());
  EXPECT_EQ((*w)->finish_dry_run(TaskStatus::kCompleted, Progress{}).error().code, "lease_lost");
  EXPECT_EQ(store().get_task("default", "t")->value().status, TaskStatus::kRunning);
}

}  // namespace
}  // namespace skillsync::store::testing
