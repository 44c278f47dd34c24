// SQLite-specific behaviour: the file, its schema versions, stage files
// (more of them in sqlite_stage_test.cpp).
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "store/sqlite/migrations.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store_contract.hpp"
#include "temp_dir.hpp"

namespace skillsync::store::testing {
namespace {

// Reads one integer or text value straight from the file, bypassing the store.
std::string query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW) {
    const auto* text = sqlite3_column_text(s, 0);
    if (text) out = reinterpret_cast<const char*>(text);
  } else {
    ADD_FAILURE() << sqlite3_errmsg(db) << " in " << sql;
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

// Run files in the store's stage directory (<database>.stage/).
int count_stage_files(const std::string& db_path) {
  std::error_code ec;
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(db_path + ".stage", ec)) {
    if (e.path().extension() == ".runs") ++n;
  }
  return n;
}

void exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> open() {
    auto s = open_sqlite_store(path_, clock_);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? std::move(s).value() : nullptr;
  }

  TestClock clock_;
  TempDir dir_;
  std::string path_ = dir_.file("skillsync.db");
};

TEST_F(SqliteStoreTest, AnEmptyFileIsMigratedToTheCurrentSchemaInWalMode) {
  ASSERT_NE(open(), nullptr);
  EXPECT_EQ(query(path_, "PRAGMA user_version"), std::to_string(sqlite::schema_version()));
  EXPECT_EQ(sqlite::schema_version(), static_cast<int>(sqlite::migrations().size()));
  EXPECT_EQ(query(path_, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query(path_,
                  "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master"
                  " WHERE type = 'table' ORDER BY name)"),
            "api_keys,events,idempotency_keys,oauth_clients,row_errors,settings,source_files,"
            "sources,task_objects,tasks,"
            "webhook_deliveries,webhook_endpoints,webhook_outbox");
}

TEST_F(SqliteStoreTest, ReopeningTheFileKeepsItsData) {
  {
    auto s = open();
    ASSERT_NE(s, nullptr);
    ASSERT_TRUE(s->upsert_event("default", make_event("emp-1", "ev-1", 7)).ok());
    ASSERT_TRUE(s->create_task(make_task("task-1", 1)).ok());
    ASSERT_TRUE(s->add_api_key(make_api_key("k", "default", "read", 1), "h").ok());
  }
  auto s = open();
  ASSERT_NE(s, nullptr);
  auto e = s->get_event("default", "emp-1", "ev-1");
  ASSERT_TRUE(e.ok() && e->has_value());
  EXPECT_EQ(e.value()->event.timestamp, 7);
  EXPECT_TRUE(s->get_task("default", "task-1")->has_value());
  EXPECT_EQ(s->count_api_keys().value(), 1u);
  EXPECT_EQ(query(path_, "PRAGMA user_version"), std::to_string(sqlite::schema_version()));
}

TEST_F(SqliteStoreTest, AFileFromANewerSkillsyncIsRefusedUntouched) {
  const std::string newer = std::to_string(sqlite::schema_version() + 1);
  exec(path_, "CREATE TABLE future (x); PRAGMA user_version = " + newer + ";");
  auto s = open_sqlite_store(path_, clock_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "schema_too_new");
  EXPECT_EQ(s.error().message,
            "database schema version " + newer + " is newer than this skillsync supports (" +
                std::to_string(sqlite::schema_version()) + "); upgrade skillsync");
  EXPECT_EQ(query(path_, "PRAGMA user_version"), newer);
  EXPECT_EQ(query(path_, "SELECT count(*) FROM sqlite_master WHERE name = 'events'"), "0");
}

TEST_F(SqliteStoreTest, AVersion1FileIsMigratedForwardKeepingItsTasks) {
  // A database as the first release wrote it, with a task left running.
  exec(path_, std::string(sqlite::migrations()[0]) +
                  "INSERT INTO tasks (id, tenant, entity_type, method, uri, region, options_json,"
                  " status, created_at_us, started_at_us, rows_read, attempts, worker_id)"
                  " VALUES ('t-old', 'default', 'learning', 's3', 's3://b/k', '', '{}',"
                  " 'running', 5, 6, 42, 1, 'worker-0');"
                  "PRAGMA user_version = 1;");
  auto s = open();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(query(path_, "PRAGMA user_version"), std::to_string(sqlite::schema_version()));
  auto t = s->get_task("default", "t-old");
  ASSERT_TRUE(t.ok() && t->has_value()) << (t.ok() ? "missing" : t.error().message);
  EXPECT_EQ((*t)->status, TaskStatus::kRunning);
  EXPECT_EQ((*t)->progress.rows_read, 42u);
  EXPECT_EQ((*t)->progress.rows_superseded, 0u);
  EXPECT_FALSE((*t)->checkpoint.has_value());
  EXPECT_FALSE((*t)->lease_expires_at.has_value());
  EXPECT_EQ((*t)->header_json, "");
  // It ran without a lease (its worker is gone): the next claim takes it
  // over, from the first byte since it has no checkpoint.
  auto again = s->claim_next_task("w", 10, 1000);
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_EQ((*again)->id, "t-old");
  EXPECT_EQ((*again)->attempts, 2);
  EXPECT_EQ((*again)->progress.rows_read, 0u);
  EXPECT_EQ(s->get_task("default", "t-old")->value().progress.rows_read, 0u);
}

TEST_F(SqliteStoreTest, APublishedOrCancelledLoadLeavesNoStageFile) {
  auto s = open();
  ASSERT_NE(s, nullptr);
  for (const char* id : {"t-1", "t-2"}) ASSERT_TRUE(s->create_task(make_task(id, 1)).ok());
  std::vector<schema::Event> rows{make_event("emp-1", "ev-1", 1)};
  for (const char* id : {"t-1", "t-2"}) {
    Task t = s->claim_next_task("w", 1, 1'000'000).value().value();
    ASSERT_EQ(t.id, id);
    auto w = s->begin_load(t, "w");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->stage(rows, {}, Checkpoint{}).ok());
  }
  EXPECT_EQ(count_stage_files(path_), 2);
  ASSERT_TRUE(s->request_cancel("default", "t-1", 5).ok());
  ASSERT_TRUE(s->finish_task("t-1", "w", TaskStatus::kCancelled, std::nullopt, {}, 6).ok());
  EXPECT_EQ(count_stage_files(path_), 1);
  auto w = s->begin_load(s->get_task("default", "t-2")->value(), "w");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->finish_dry_run(TaskStatus::kCompleted, Progress{}).ok());
  EXPECT_EQ(count_stage_files(path_), 0);
  EXPECT_EQ(query(path_, "SELECT count(*) FROM events"), "0");
}

TEST_F(SqliteStoreTest, AnInMemoryDatabaseIsRefused) {
  auto s = open_sqlite_store(":memory:", clock_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "invalid_argument");
}

TEST_F(SqliteStoreTest, AnUnopenablePathIsAnError) {
  auto s = open_sqlite_store(dir_.file("no/such/dir/x.db"), clock_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "storage_error");
}

TEST_F(SqliteStoreTest, StageFilesExistOnlyWhileALoadIsOpen) {
  auto s = open();
  ASSERT_NE(s, nullptr);
  Task t = make_task("task-1", 1);
  ASSERT_TRUE(s->create_task(t).ok());
  ASSERT_TRUE(s->claim_next_task("w", 1, kLongLease).ok());
  auto w = s->begin_load(t, "w");
  ASSERT_TRUE(w.ok()) << w.error().message;
  std::vector<schema::Event> rows{make_event("emp-1", "ev-1", 1)};
  ASSERT_TRUE((*w)->stage(rows, {}, Checkpoint{}).ok());
  EXPECT_EQ(count_stage_files(path_), 1);
  ASSERT_TRUE((*w)->publish(TaskStatus::kCompleted, Progress{}).ok());
  EXPECT_EQ(count_stage_files(path_), 0);
  EXPECT_EQ(query(path_, "SELECT count(*) FROM tasks WHERE sealed_credentials IS NOT NULL"), "0");

  EXPECT_EQ(query(path_, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'stage%'"), "0");

  // A closed writer refuses further work instead of touching a removed file.
  auto late = (*w)->stage(rows, {}, Checkpoint{});
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, "invalid_state");
  EXPECT_FALSE((*w)->publish(TaskStatus::kCompleted, Progress{}).ok());
}

// docs/security.md: erased credentials are not recoverable from the file.
// SQLite leaves a changed row's old bytes in the page's free space unless
// secure_delete is on; the store sets it, so once a task's credentials are
// erased no byte run of them is left in the database or its WAL.
TEST_F(SqliteStoreTest, ErasedCredentialsLeaveNoBytesInTheFiles) {
  std::string blob;
  for (int i = 0; i < 48; ++i) blob += "SEALED-" + std::to_string(1000 + i);
  {
    auto s = open();
    ASSERT_NE(s, nullptr);
    Task t = make_task("task-erase", 1);
    t.sealed_credentials = blob;
    ASSERT_TRUE(s->create_task(t).ok());
    ASSERT_TRUE(s->claim_next_task("w", 1, kLongLease).ok());
    auto w = s->begin_load(t, "w");
    ASSERT_TRUE(w.ok()) << w.error().message;
    std::vector<schema::Event> rows{make_event("emp-1", "ev-1", 1)};
    ASSERT_TRUE((*w)->stage(rows, {}, Checkpoint{}).ok());
    ASSERT_TRUE((*w)->publish(TaskStatus::kCompleted, Progress{}).ok());
  }
  // Every file beside the database as it is now (the store is closed: its
  // WAL was checkpointed into the database), stage files included.
  exec(path_, "PRAGMA wal_checkpoint(TRUNCATE);");
  const std::string needle = blob.substr(blob.size() / 2, 32);
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path())) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(needle), std::string::npos) << entry.path() << " still holds them";
    ++files;
  }
  EXPECT_GE(files, 1);
}

TEST_F(SqliteStoreTest, PublishRefusesANonCompletedStatusAndBeginLoadAnUnknownTask) {
  auto s = open();
  ASSERT_NE(s, nullptr);
  Task t = make_task("task-1", 1);
  EXPECT_EQ(s->begin_load(t, "w").error().code, "not_found");
  ASSERT_TRUE(s->create_task(t).ok());
  ASSERT_TRUE(s->claim_next_task("w", 1, kLongLease).ok());
  auto w = s->begin_load(t, "w");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->publish(TaskStatus::kFailed, Progress{}).error().code, "invalid_argument");
}

TEST_F(SqliteStoreTest, RawRecordsAreCutAt4KiB) {
  auto s = open();
  ASSERT_NE(s, nullptr);
  Task t = make_task("task-1", 1);
  ASSERT_TRUE(s->create_task(t).ok());
  ASSERT_TRUE(s->claim_next_task("w", 1, kLongLease).ok());
  auto w = s->begin_load(t, "w");
  ASSERT_TRUE(w.ok());
  std::vector<RowError> errors{make_row_error(1)};
  errors[0].raw.assign(10000, 'x');
  ASSERT_TRUE((*w)->stage({}, errors, Checkpoint{}).ok());
  EXPECT_EQ(s->row_errors("task-1", 10).value().at(0).raw, std::string(4096, 'x'));
}

TEST_F(SqliteStoreTest, ListRejectsALimitOutOfRange) {
  auto s = open();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->list_events("default", "emp-1", 0, "").error().code, "invalid_argument");
  EXPECT_EQ(s->list_events("default", "emp-1", 1001, "").error().code, "invalid_argument");
  EXPECT_TRUE(s->list_events("default", "emp-1", 1000, "").ok());
}

}  // namespace
}  // namespace skillsync::store::testing
