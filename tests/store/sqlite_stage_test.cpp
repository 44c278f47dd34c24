// SQLite store: a load's run file (store/sqlite/stage_files.hpp) against
// crashes and older versions: a torn last run is cut and the load resumes; a
// missing, short or corrupt file, or a stage table of an older version,
// makes the load restart from row 0; leftovers are removed; the last row of
// a key wins across many runs.
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "common/crypto.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store_contract.hpp"
#include "temp_dir.hpp"

namespace skillsync::store::testing {
namespace {

constexpr Micros kLease = 1'000'000;

void exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
}

std::string query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != nullptr) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

std::vector<schema::Event> rows(int first, int n) {
  std::vector<schema::Event> out;
  for (int i = first; i < first + n; ++i)
    out.push_back(make_event("emp-1", "ev-" + std::to_string(i), i));
  return out;
}

Checkpoint checkpoint_at(uint64_t offset, uint64_t n) {
  Checkpoint c;
  c.byte_offset = offset;
  c.line = n + 1;
  c.progress = Progress{10'000, offset, n, n, 0, 0};
  c.header_json = R"(["employee_external_id","external_id"])";
  c.batches = n;
  return c;
}

class SqliteStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open();
    ASSERT_NE(store_, nullptr);
  }
  std::unique_ptr<Store> open() {
    auto s = open_sqlite_store(path_, clock_);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? std::move(s).value() : nullptr;
  }
  std::string stage_file(const std::string& task_id) const {
    return path_ + ".stage/" + crypto::hex(task_id) + ".runs";
  }
  // Claims task "t" for w1 at time 0 and stages two batches (rows 0..9 with
  // a row error, then 10..14) with their checkpoints; w1 then dies.
  void stage_two_batches() {
    ASSERT_TRUE(store_->create_task(make_task("t", 1)).ok());
    Task t = store_->claim_next_task("w1", 0, kLease).value().value();
    auto w = store_->begin_load(t, "w1");
    ASSERT_TRUE(w.ok()) << w.error().message;
    std::vector<RowError> errors{make_row_error(3)};
    ASSERT_TRUE((*w)->stage(rows(0, 10), errors, checkpoint_at(500, 11)).ok());
    ASSERT_TRUE((*w)->stage(rows(10, 5), {}, checkpoint_at(800, 16)).ok());
  }
  // w2 claims "t" after w1's lease ran out.
  Task reclaim() {
    auto t = store_->claim_next_task("w2", kLease + 1, kLease);
    EXPECT_TRUE(t.ok() && t->has_value()) << (t.ok() ? "none" : t.error().message);
    return t.ok() && t->has_value() ? **t : Task{};
  }
  // w2 stages `more` and publishes; returns the rows published.
  uint64_t finish(const Task& t, const std::vector<schema::Event>& more) {
    auto w = store_->begin_load(t, "w2");
    EXPECT_TRUE(w.ok()) << w.error().message;
    if (!w.ok()) return 0;
    EXPECT_TRUE((*w)->stage(more, {}, checkpoint_at(1000, 99)).ok());
    auto n = (*w)->publish(TaskStatus::kCompleted, Progress{});
    EXPECT_TRUE(n.ok()) << n.error().message;
    return n.ok() ? *n : 0;
  }
  size_t events() { return store_->list_events("default", "emp-1", 1000, "")->items.size(); }
  // The load restarted: no checkpoint, no progress, no row errors.
  void expect_restarted(const Task& t) {
    EXPECT_FALSE(t.checkpoint.has_value());
    EXPECT_EQ(t.progress.rows_read, 0u);
    EXPECT_EQ(t.progress.bytes_read, 0u);
    EXPECT_TRUE(store_->row_errors("t", 10)->empty());
    EXPECT_FALSE(store_->get_task("default", "t")->value().checkpoint.has_value());
    EXPECT_FALSE(std::filesystem::exists(stage_file("t")));
  }

  TestClock clock_;
  TempDir dir_;
  std::string path_ = dir_.file("skillsync.db");
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStageTest, ATornLastRunIsCutAndTheLoadResumesFromItsCheckpoint) {
  stage_two_batches();
  const auto size = std::filesystem::file_size(stage_file("t"));
  {  // a batch written whose transaction never committed (kill -9)
    std::ofstream out(stage_file("t"), std::ios::binary | std::ios::app);
    out << std::string(100, 'x');
  }
  const Task t = reclaim();
  ASSERT_TRUE(t.checkpoint.has_value());
  EXPECT_EQ(t.checkpoint->byte_offset, 800u);
  EXPECT_EQ(store_->row_errors("t", 10)->size(), 1u);
  auto w = store_->begin_load(t, "w2");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(std::filesystem::file_size(stage_file("t")), size);
  w->reset();
  EXPECT_EQ(finish(t, rows(15, 5)), 20u);
  EXPECT_EQ(events(), 20u);
  EXPECT_FALSE(std::filesystem::exists(stage_file("t")));
}

TEST_F(SqliteStageTest, AMissingStageFileRestartsTheLoadFromRowZero) {
  stage_two_batches();
  std::filesystem::remove(stage_file("t"));
  const Task t = reclaim();
  expect_restarted(t);
  EXPECT_EQ(finish(t, rows(100, 3)), 3u);
  EXPECT_EQ(events(), 3u);
  EXPECT_FALSE(store_->get_event("default", "emp-1", "ev-0")->has_value());
}

TEST_F(SqliteStageTest, AShortStageFileRestartsTheLoadFromRowZero) {
  stage_two_batches();
  std::filesystem::resize_file(stage_file("t"), std::filesystem::file_size(stage_file("t")) - 1);
  const Task t = reclaim();
  expect_restarted(t);
  EXPECT_EQ(finish(t, rows(100, 2)), 2u);
  EXPECT_EQ(events(), 2u);
}

TEST_F(SqliteStageTest, ACorruptStageFileRestartsTheLoadFromRowZero) {
  stage_two_batches();
  {
    std::fstream f(stage_file("t"), std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(std::filesystem::file_size(stage_file("t")) / 2));
    f.put('\x7f');
  }
  const Task t = reclaim();
  expect_restarted(t);
  EXPECT_EQ(finish(t, rows(100, 2)), 2u);
  EXPECT_EQ(events(), 2u);
}

TEST_F(SqliteStageTest, AStageTableOfAnOlderVersionIsDroppedAndTheLoadRestarts) {
  stage_two_batches();
  // What the previous version left: a stage table, no record of a run file.
  const std::string table = "stage_" + crypto::hex("t");
  exec(path_,
       "UPDATE tasks SET stage_bytes = NULL, stage_runs = NULL, stage_crc = NULL;"
       "CREATE TABLE " +
           table + " (employee_external_id TEXT, external_id TEXT);");
  const Task t = reclaim();
  expect_restarted(t);
  EXPECT_EQ(query(path_, "SELECT count(*) FROM sqlite_master WHERE name = '" + table + "'"), "0");
  EXPECT_EQ(finish(t, rows(100, 2)), 2u);
}

TEST_F(SqliteStageTest, LeftoverStageFilesOfTasksNoLongerRunningAreRemovedOnOpen) {
  stage_two_batches();  // "t" is running: its file stays
  ASSERT_TRUE(store_->create_task(make_task("done", 2)).ok());
  exec(path_, "UPDATE tasks SET status = 'completed' WHERE id = 'done'");
  for (const char* id : {"done", "purged"}) std::ofstream(stage_file(id)) << "x";
  std::ofstream(path_ + ".stage/not-hex.runs") << "x";  // not ours: left alone
  store_ = open();
  ASSERT_NE(store_, nullptr);
  EXPECT_TRUE(std::filesystem::exists(stage_file("t")));
  EXPECT_FALSE(std::filesystem::exists(stage_file("done")));
  EXPECT_FALSE(std::filesystem::exists(stage_file("purged")));
  EXPECT_TRUE(std::filesystem::exists(path_ + ".stage/not-hex.runs"));
  EXPECT_EQ(finish(reclaim(), rows(15, 1)), 16u);
}

TEST_F(SqliteStageTest, APublishOfACorruptStageWritesNothing) {
  stage_two_batches();
  auto w = store_->begin_load(store_->get_task("default", "t")->value(), "w1");
  ASSERT_TRUE(w.ok());
  std::filesystem::resize_file(stage_file("t"), 10);  // after every check
  auto n = (*w)->publish(TaskStatus::kCompleted, Progress{});
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, "storage_error");
  EXPECT_EQ(events(), 0u);
  EXPECT_EQ(store_->get_task("default", "t")->value().status, TaskStatus::kRunning);
}

// Many runs with keys repeated within and across batches: what is published
// is the file's last row of each key, rows_superseded counts the rest, and a
// dry run counts the same (over 256 keys: the many-rows statements are used).
TEST_F(SqliteStageTest, TheLastRowOfAKeyWinsAcrossManyRuns) {
  std::mt19937 rng(7);
  std::vector<std::vector<schema::Event>> batches(40);
  std::map<std::pair<std::string, std::string>, Micros> want;
  Micros ts = 0;
  uint64_t staged = 0;
  for (auto& b : batches) {
    const int n = static_cast<int>(rng() % 100);
    for (int i = 0; i < n; ++i) {
      schema::Event e =
          make_event("emp-" + std::to_string(rng() % 4), "ev-" + std::to_string(rng() % 200), ++ts);
      if (ts % 7 == 0) e.source = "src-" + std::to_string(ts);
      want[{e.employee_external_id, e.external_id}] = ts;
      b.push_back(std::move(e));
    }
    staged += static_cast<uint64_t>(n);
  }
  for (const bool dry : {true, false}) {
    const std::string id = dry ? "dry" : "real";
    ASSERT_TRUE(store_->create_task(make_task(id, dry ? 1 : 2)).ok());
    Task t = store_->claim_next_task("w", 0, kLease).value().value();
    ASSERT_EQ(t.id, id);
    auto w = store_->begin_load(t, "w");
    ASSERT_TRUE(w.ok());
    for (const auto& b : batches) ASSERT_TRUE((*w)->stage(b, {}, Checkpoint{}).ok());
    EXPECT_EQ((*w)->count_superseded().value(), staged - want.size());
    if (dry) {
      ASSERT_TRUE((*w)->finish_dry_run(TaskStatus::kCompleted, Progress{}).ok());
    } else {
      EXPECT_EQ((*w)->publish(TaskStatus::kCompleted, Progress{}).value(), staged);
    }
    EXPECT_EQ(store_->get_task("default", id)->value().progress.rows_superseded,
              staged - want.size());
  }
  size_t seen = 0;
  for (int e = 0; e < 4; ++e) {
    const auto page = store_->list_events("default", "emp-" + std::to_string(e), 1000, "").value();
    for (const StoredEvent& s : page.items) {
      const Micros got = s.event.timestamp;
      EXPECT_EQ(got, want.at({s.event.employee_external_id, s.event.external_id}));
      EXPECT_EQ(s.event.source.has_value(), got % 7 == 0);
      ++seen;
    }
  }
  EXPECT_EQ(seen, want.size());
  EXPECT_GT(seen, 512u);
}

// A reload in which half the rows keep their time and half move (spread
// over every block): rows of unchanged time are updated without moving
// their listing index entry, moved ones through the full update, and a
// block that mostly moved sends the next ones through the full update at
// once. Every path must leave exactly the second file's rows, listed by
// time, with created_at of the first load.
TEST_F(SqliteStageTest, AReloadWhoseRowsPartlyMoveInTimeEndsAsTheSecondFile) {
  constexpr int kRows = 10'000;
  auto load = [&](const std::string& id, bool second) {
    std::vector<schema::Event> rows;
    for (int i = 0; i < kRows; ++i) {
      const Micros ts = second && i % 2 == 1 ? 1'000'000 + i : i;
      rows.push_back(make_event("emp-" + std::to_string(i % 7), "ev-" + std::to_string(i), ts,
                                second ? R"({"v":2})" : R"({"v":1})"));
    }
    ASSERT_TRUE(store_->create_task(make_task(id, second ? 2 : 1)).ok());
    Task t = store_->claim_next_task("w", clock_.now(), kLease).value().value();
    ASSERT_EQ(t.id, id);
    auto w = store_->begin_load(t, "w");
    ASSERT_TRUE(w.ok());
    for (int first = 0; first < kRows; first += 3000) {
      const auto n = static_cast<size_t>(std::min(3000, kRows - first));
      const std::vector<schema::Event> batch(rows.begin() + first, rows.begin() + first + n);
      ASSERT_TRUE((*w)->stage(batch, {}, Checkpoint{}).ok());
    }
    ASSERT_EQ((*w)->publish(TaskStatus::kCompleted, Progress{}).value(), uint64_t{kRows});
  };
  const Micros first_time = clock_.now();
  load("first", false);
  clock_.advance(5'000'000);
  load("second", true);
  for (int e = 0; e < 7; ++e) {
    std::vector<StoredEvent> listed;
    std::string cursor;
    do {
      auto page = store_->list_events("default", "emp-" + std::to_string(e), 1000, cursor).value();
      listed.insert(listed.end(), page.items.begin(), page.items.end());
      cursor = page.next_cursor.value_or("");
    } while (!cursor.empty());
    std::vector<std::pair<Micros, std::string>> want;
    for (int i = e; i < kRows; i += 7) {
      want.emplace_back(i % 2 == 1 ? 1'000'000 + i : i, "ev-" + std::to_string(i));
    }
    std::sort(want.begin(), want.end());
    ASSERT_EQ(listed.size(), want.size());
    for (size_t k = 0; k < want.size(); ++k) {
      const StoredEvent& got = listed[k];
      EXPECT_EQ(got.event.timestamp, want[k].first);
      EXPECT_EQ(got.event.external_id, want[k].second);
      EXPECT_EQ(got.event.content_json, R"({"v":2})");
      EXPECT_EQ(got.created_at, first_time);
      EXPECT_EQ(got.updated_at, clock_.now());
      EXPECT_EQ(got.task_id, std::optional<std::string>("second"));
    }
  }
}

}  // namespace
}  // namespace skillsync::store::testing
