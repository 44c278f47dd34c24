// PostgreSQL publish (src/store/postgres/pg_publish.cpp): the MERGE path
// and the INSERT ... ON CONFLICT fallback write the same rows (last row of
// a key wins, other tenants untouched, created_at kept on update), and a
// concurrent writer's insert of one of the keys during MERGE sends the
// publish down the fallback instead of failing it; a publish whose
// connection dies in the middle leaves nothing behind and can be redone.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "store/postgres/pg.hpp"
#include "store/postgres/pg_publish.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store_contract.hpp"
#include "support/postgres_server.hpp"
#include "support/process.hpp"

namespace skillsync::store::testing {
namespace {

using postgres::PgConn;
using postgres::PublishPath;
using testsupport::PostgresServer;
using namespace std::chrono_literals;

// Every event as one line "tenant emp ext type ts lang content source
// created updated task", in key order.
constexpr const char* kDump =
    "SELECT coalesce(string_agg(concat_ws(' ', tenant, employee_external_id, external_id,"
    " event_type, timestamp_us, language, content, coalesce(source, '-'), created_at_us,"
    " updated_at_us, coalesce(task_id, '-')), E'\\n' ORDER BY tenant, employee_external_id,"
    " external_id), '') FROM events";

class PostgresPublishTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string uri = server().create_database();
    db_ = uri.substr(uri.rfind('/') + 1);
    auto s = open_postgres_store(uri, clock_);  // migrates
    ASSERT_TRUE(s.ok()) << s.error().message;
    auto c = PgConn::connect(uri, "");
    ASSERT_TRUE(c.ok()) << c.error().message;
    conn_.emplace(std::move(c).value());
    sql("INSERT INTO events VALUES"
        " ('a', 'emp-1', 'ev-1', 'learning', 1, 'en', 'old', 'src', 100, 100, NULL),"
        " ('b', 'emp-1', 'ev-2', 'learning', 2, 'de', 'other tenant', NULL, 100, 100, 't-0')");
    // The stage as pg_writer.cpp makes it; (emp-1, ev-1) twice: seq 3 wins.
    sql("CREATE UNLOGGED TABLE stage_x (seq BIGINT NOT NULL,"
        " employee_external_id TEXT COLLATE \"C\" NOT NULL, external_id TEXT COLLATE \"C\" NOT "
        "NULL,"
        " event_type TEXT NOT NULL, timestamp_us BIGINT NOT NULL, language TEXT NOT NULL,"
        " content TEXT NOT NULL, source TEXT)");
    sql("INSERT INTO stage_x VALUES (0, 'emp-1', 'ev-1', 'learning', 10, 'en', 'v1', 's'),"
        " (1, 'emp-1', 'ev-2', 'learning', 11, 'fr', 'v2', NULL),"
        " (2, 'emp-2', 'ev-1', 'learning', 12, 'nl', 'v3', 's'),"
        " (3, 'emp-1', 'ev-1', 'learning', 13, 'de', 'v4', NULL)");
  }
  static PostgresServer& server() { return PostgresServer::instance(); }
  std::string sql(const std::string& statement) { return server().exec(db_, statement); }
  const PgConn& conn() const { return *conn_; }
  // Publishes stage_x for tenant "a" inside a transaction; returns the dump
  // of events as the transaction sees it, then rolls back.
  std::string publish_and_roll_back(bool force_upsert, PublishPath want) {
    EXPECT_TRUE(conn().exec_script("BEGIN").ok());
    auto p = postgres::publish_stage(conn(), "stage_x", "a", "t-1", 500, force_upsert);
    EXPECT_TRUE(p.ok()) << p.error().message;
    std::string dump;
    if (p.ok()) {
      EXPECT_EQ(p->distinct, 3u);
      EXPECT_EQ(p->path, want);
      dump = conn().exec(kDump)->string(0, 0);
    }
    EXPECT_TRUE(conn().exec_script("ROLLBACK").ok());
    return dump;
  }

  TestClock clock_;
  std::string db_;
  std::optional<PgConn> conn_;
};

constexpr const char* kWant =
    "a emp-1 ev-1 learning 13 de v4 - 100 500 t-1\n"
    "a emp-1 ev-2 learning 11 fr v2 - 500 500 t-1\n"
    "a emp-2 ev-1 learning 12 nl v3 s 500 500 t-1\n"
    "b emp-1 ev-2 learning 2 de other tenant - 100 100 t-0";

TEST_F(PostgresPublishTest, MergeAndUpsertWriteTheSameRows) {
  EXPECT_EQ(publish_and_roll_back(false, PublishPath::kMerge), kWant);
  EXPECT_EQ(publish_and_roll_back(true, PublishPath::kUpsert), kWant);
}

TEST_F(PostgresPublishTest, AnEmptyTenantGetsTheLastRowOfEachKey) {
  sql("DELETE FROM events WHERE tenant = 'a'");
  const std::string want =
      "a emp-1 ev-1 learning 13 de v4 - 500 500 t-1\n"
      "a emp-1 ev-2 learning 11 fr v2 - 500 500 t-1\n"
      "a emp-2 ev-1 learning 12 nl v3 s 500 500 t-1\n"
      "b emp-1 ev-2 learning 2 de other tenant - 100 100 t-0";
  EXPECT_EQ(publish_and_roll_back(false, PublishPath::kMerge), want);
  EXPECT_EQ(publish_and_roll_back(true, PublishPath::kUpsert), want);
}

TEST_F(PostgresPublishTest, AConcurrentInsertOfAKeySendsThePublishToTheUpsert) {
  // Another writer inserts (emp-2, ev-1) for tenant "a" and has not
  // committed: MERGE, which saw no such row, waits on it, then meets a
  // unique violation once it commits.
  auto other = PgConn::connect(server().uri(db_), "");
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(other
                  ->exec_script("BEGIN; INSERT INTO events VALUES ('a', 'emp-2', 'ev-1',"
                                " 'learning', 7, 'en', 'api', NULL, 300, 300, NULL)")
                  .ok());
  std::atomic<bool> done{false};
  std::optional<Result<postgres::Published>> result;
  std::thread publisher([&] {
    EXPECT_TRUE(conn().exec_script("BEGIN").ok());
    result.emplace(postgres::publish_stage(conn(), "stage_x", "a", "t-1", 500));
    EXPECT_TRUE(conn().exec_script(result->ok() ? "COMMIT" : "ROLLBACK").ok());
    done.store(true);
  });
  const bool waiting = testsupport::wait_until(
      [&] { return sql("SELECT count(*) FROM pg_locks WHERE NOT granted") != "0"; }, 30s);
  EXPECT_TRUE(waiting);
  EXPECT_FALSE(done.load());
  ASSERT_TRUE(other->exec_script("COMMIT").ok());
  publisher.join();
  ASSERT_TRUE(result.has_value());
  const auto& published = *result;
  ASSERT_TRUE(published.ok()) << published.error().message;
  EXPECT_EQ(published->path, PublishPath::kUpsert);
  EXPECT_EQ(published->distinct, 3u);
  // The API's row was there first: the load's row updates it (created_at
  // stays the API's).
  const std::string want =
      "a emp-1 ev-1 learning 13 de v4 - 100 500 t-1\n"
      "a emp-1 ev-2 learning 11 fr v2 - 500 500 t-1\n"
      "a emp-2 ev-1 learning 12 nl v3 s 300 500 t-1\n"
      "b emp-1 ev-2 learning 2 de other tenant - 100 100 t-0";
  EXPECT_EQ(sql(kDump), want);
}

TEST_F(PostgresPublishTest, AReloadUpdatesEachRowInItsOwnPage) {
  // 2,000 keys for tenant "c", published twice (a reload: all updates,
  // timestamps unchanged). Half-full pages (schema version 8) let each new
  // version stay in its row's page (a HOT update: no new index entries).
  sql("CREATE UNLOGGED TABLE stage_c (LIKE stage_x)");
  sql("INSERT INTO stage_c SELECT i, 'emp-' || (i % 50), 'ev-' || i, 'learning', i, 'en',"
      " repeat('x', 100), NULL FROM generate_series(1, 2000) i");
  const std::string pages =
      "SELECT string_agg((ctid::text::point)[0]::text, ',' ORDER BY employee_external_id,"
      " external_id) FROM events WHERE tenant = 'c'";
  for (const char* task : {"t-1", "t-2"}) {
    ASSERT_TRUE(conn().exec_script("BEGIN").ok());
    auto p = postgres::publish_stage(conn(), "stage_c", "c", task, 500);
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(p->distinct, 2000u);
    ASSERT_TRUE(conn().exec_script("COMMIT").ok());
    if (std::string(task) == "t-1") {
      const std::string first = sql(pages);
      EXPECT_NE(first, "");
      sql("CREATE TABLE first_pages AS SELECT '" + first + "'::text AS p");
    }
  }
  EXPECT_EQ(sql(pages), sql("SELECT p FROM first_pages"));
  EXPECT_EQ(sql("SELECT count(*) FROM events WHERE tenant = 'c' AND task_id = 't-2'"), "2000");
}

TEST_F(PostgresPublishTest, APublishCutInTheMiddleLeavesNothingAndIsRedone) {
  // The last key of the stage, (emp-2, ev-1), exists and another writer
  // holds its row: MERGE writes the first two keys, then waits on it. Its
  // connection is then cut (as when the worker dies): nothing of it may be
  // visible, the stage is intact, and a new publish writes every row once.
  sql("INSERT INTO events VALUES ('a', 'emp-2', 'ev-1', 'learning', 5, 'en', 'api', NULL, 200,"
      " 200, NULL)");
  const std::string before = sql(kDump);
  auto other = PgConn::connect(server().uri(db_), "");
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(other
                  ->exec_script("BEGIN; SELECT 1 FROM events WHERE tenant = 'a' AND"
                                " employee_external_id = 'emp-2' FOR UPDATE")
                  .ok());
  const std::string pid = conn().exec("SELECT pg_backend_pid()")->string(0, 0);
  std::optional<Result<postgres::Published>> result;
  std::thread publisher([&] {
    if (!conn().exec_script("BEGIN").ok()) return;
    result.emplace(postgres::publish_stage(conn(), "stage_x", "a", "t-1", 500));
  });
  const bool waiting = testsupport::wait_until(
      [&] {
        return sql("SELECT count(*) FROM pg_locks WHERE NOT granted AND pid = " + pid) != "0";
      },
      30s);
  EXPECT_TRUE(waiting);
  sql("SELECT pg_terminate_backend(" + pid + ")");
  publisher.join();
  ASSERT_TRUE(result.has_value());
  EXPECT_FALSE(result->ok());
  ASSERT_TRUE(other->exec_script("ROLLBACK").ok());
  EXPECT_EQ(sql(kDump), before);
  EXPECT_EQ(sql("SELECT count(*) FROM stage_x"), "4");

  auto again = PgConn::connect(server().uri(db_), "");
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(again->exec_script("BEGIN").ok());
  auto p = postgres::publish_stage(*again, "stage_x", "a", "t-1", 500);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->distinct, 3u);
  ASSERT_TRUE(again->exec_script("COMMIT").ok());
  const std::string want =
      "a emp-1 ev-1 learning 13 de v4 - 100 500 t-1\n"
      "a emp-1 ev-2 learning 11 fr v2 - 500 500 t-1\n"
      "a emp-2 ev-1 learning 12 nl v3 s 200 500 t-1\n"
      "b emp-1 ev-2 learning 2 de other tenant - 100 100 t-0";
  EXPECT_EQ(sql(kDump), want);
}

}  // namespace
}  // namespace skillsync::store::testing
