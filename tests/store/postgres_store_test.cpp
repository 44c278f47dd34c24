// PostgreSQL-specific behaviour: migrations under concurrency, schema
// versions, LISTEN/NOTIFY wake-ups, COPY escaping, lost stages, secrets in
// error messages.
//
// The test process starts one server (about a second with the cached initdb
// template) and each test creates a database; the executable is one ctest
// test labelled "postgres", not "unit" (see CMakeLists.txt).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/open_store.hpp"
#include "store/postgres/migrations.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store_contract.hpp"
#include "support/postgres_server.hpp"

namespace skillsync::store::testing {
namespace {

using testsupport::PostgresServer;
using namespace std::chrono_literals;

constexpr Micros kLease = 30'000'000;

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    uri_ = server().create_database();
    db_ = uri_.substr(uri_.rfind('/') + 1);
  }
  static PostgresServer& server() { return PostgresServer::instance(); }
  std::unique_ptr<Store> open() {
    auto s = open_postgres_store(uri_, clock_);
    EXPECT_TRUE(s.ok()) << s.error().code << ": " << s.error().message;
    return s.ok() ? std::move(s).value() : nullptr;
  }
  std::string sql(const std::string& statement) { return server().exec(db_, statement); }

  TestClock clock_;
  std::string uri_;
  std::string db_;
};

// --- migrations --------------------------------------------------------------

TEST_F(PostgresStoreTest, AFreshDatabaseIsMigratedToTheCurrentVersion) {
  ASSERT_NE(open(), nullptr);
  EXPECT_EQ(sql("SELECT max(version) FROM schema_version"),
            std::to_string(postgres::schema_version()));
  EXPECT_EQ(sql("SELECT string_agg(table_name, ',' ORDER BY table_name)"
                " FROM information_schema.tables WHERE table_schema = 'public'"),
            "api_keys,events,idempotency_keys,oauth_clients,row_errors,schema_version,settings,"
            "source_files,sources,task_objects,tasks,"
            "webhook_deliveries,webhook_endpoints,webhook_outbox");
  // Opening again changes nothing.
  ASSERT_NE(open(), nullptr);
  EXPECT_EQ(sql("SELECT count(*) FROM schema_version"), std::to_string(postgres::schema_version()));
}

TEST_F(PostgresStoreTest, StoresOpeningAtOnceMigrateExactlyOnce) {
  constexpr int kOpeners = 6;
  std::vector<std::thread> threads;
  std::atomic<bool> go{false};
  std::mutex mu;
  std::vector<std::string> failures;
  std::vector<std::unique_ptr<Store>> stores;
  for (int i = 0; i < kOpeners; ++i) {
    threads.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      auto s = open_postgres_store(uri_, clock_);
      std::lock_guard lock(mu);
      if (s.ok()) {
        stores.push_back(std::move(s).value());
      } else {
        failures.push_back(s.error().code + ": " + s.error().message);
      }
    });
  }
  go.store(true);
  for (auto& t : threads) t.join();
  ASSERT_TRUE(failures.empty()) << failures.front();
  EXPECT_EQ(stores.size(), static_cast<size_t>(kOpeners));
  // One row per migration: a second run would have failed on its key or
  // added a row.
  EXPECT_EQ(sql("SELECT count(*) FROM schema_version"), std::to_string(postgres::schema_version()));
  // Every store works on the one schema.
  ASSERT_TRUE(stores[0]->create_task(make_task("t", 1)).ok());
  EXPECT_TRUE(stores[kOpeners - 1]->get_task("default", "t")->has_value());
}

TEST_F(PostgresStoreTest, MigrationWaitsForTheAdvisoryLock) {
  // Another "process" holds the migration lock: opening must wait for it.
  PGconn* holder = PQconnectdb(uri_.c_str());
  ASSERT_EQ(PQstatus(holder), CONNECTION_OK);
  const std::string lock_sql =
      "SELECT pg_advisory_lock(" + std::to_string(postgres::kMigrationLock) + ")";
  PQclear(PQexec(holder, lock_sql.c_str()));
  std::atomic<bool> done{false};
  std::thread opener([&] {
    auto s = open_postgres_store(uri_, clock_);
    EXPECT_TRUE(s.ok());
    done.store(true);
  });
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(done.load());
  EXPECT_EQ(sql("SELECT count(*) FROM information_schema.tables WHERE table_name = 'tasks'"), "0");
  PQfinish(holder);  // releases the session lock
  opener.join();
  EXPECT_TRUE(done.load());
  EXPECT_EQ(sql("SELECT count(*) FROM information_schema.tables WHERE table_name = 'tasks'"), "1");
}

TEST_F(PostgresStoreTest, ADatabaseOfANewerSkillsyncIsRefused) {
  ASSERT_NE(open(), nullptr);
  sql("INSERT INTO schema_version (version) VALUES (999)");
  auto s = open_postgres_store(uri_, clock_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "schema_too_new");
  EXPECT_NE(s.error().message.find("999"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("upgrade skillsync"), std::string::npos);
}

// --- LISTEN/NOTIFY -------------------------------------------------------------

// Counts callbacks; wait_for(n) waits until at least n arrived.
class Wakeups {
 public:
  std::function<void()> callback() {
    return [this] {
      std::lock_guard lock(mu_);
      ++count_;
      cv_.notify_all();
    };
  }
  bool wait_for(int n, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return count_ >= n; });
  }
  int count() {
    std::lock_guard lock(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
};

// True once `n` sessions of the test database are listening.
bool listening(PostgresServer& server, const std::string& db, int n) {
  return testsupport::wait_until(
      [&] {
        return server.exec(
                   db,
                   "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                   " AND query = 'LISTEN skillsync_tasks'") == std::to_string(n);
      },
      10s);
}

TEST_F(PostgresStoreTest, AListenerWakesOnTasksMadeThroughAnotherStore) {
  auto worker_side = open();
  auto api_side = open();
  ASSERT_NE(worker_side, nullptr);
  ASSERT_NE(api_side, nullptr);
  Wakeups wakeups;
  worker_side->set_task_listener(wakeups.callback());
  ASSERT_TRUE(listening(server(), db_, 1));

  ASSERT_TRUE(api_side->create_task(make_task("t-1", 1)).ok());
  ASSERT_TRUE(wakeups.wait_for(1));
  ASSERT_TRUE(api_side->create_task_idempotent(make_task("t-2", 0), "k", "sha", 5).ok());
  ASSERT_TRUE(wakeups.wait_for(2));
  // A repeated idempotent request creates nothing and wakes nobody.
  ASSERT_FALSE(api_side->create_task_idempotent(make_task("t-3", 0), "k", "sha", 6)->created);
  // A released lease makes a task claimable again.
  ASSERT_TRUE(api_side->claim_next_task("w", 10, kLease).value().has_value());
  ASSERT_TRUE(api_side->release_lease("t-1", "w").ok());
  ASSERT_TRUE(wakeups.wait_for(3));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(wakeups.count(), 3);

  // Unregistered: the thread stops and its session ends.
  worker_side->set_task_listener({});
  ASSERT_TRUE(listening(server(), db_, 0));
  ASSERT_TRUE(api_side->create_task(make_task("t-4", 2)).ok());
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(wakeups.count(), 3);
}

TEST_F(PostgresStoreTest, AListenerReconnectsAfterLosingItsConnection) {
  auto worker_side = open();
  auto api_side = open();
  ASSERT_NE(worker_side, nullptr);
  Wakeups wakeups;
  worker_side->set_task_listener(wakeups.callback());
  ASSERT_TRUE(listening(server(), db_, 1));
  sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
      " WHERE datname = current_database() AND query = 'LISTEN skillsync_tasks'");
  // After reconnecting it calls back once (notifications may have been lost).
  ASSERT_TRUE(wakeups.wait_for(1));
  ASSERT_TRUE(listening(server(), db_, 1));
  const int before = wakeups.count();
  ASSERT_TRUE(api_side->create_task(make_task("t", 1)).ok());
  EXPECT_TRUE(wakeups.wait_for(before + 1));
  // Destroying the store with a listener set stops it.
  worker_side.reset();
  EXPECT_TRUE(listening(server(), db_, 0));
}

// --- COPY ------------------------------------------------------------------------

TEST_F(PostgresStoreTest, CopyRoundTripsTabsNewlinesBackslashesAndUnicode) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->create_task(make_task("t", 1)).ok());
  Task t = store->claim_next_task("w", 1, kLease).value().value();
  const std::vector<std::string> nasty = {
      "tab\there",   "new\nline",     "cr\rlf\r\n",     "back\\slash\\",      "\\N",
      "\\.",         "ends with \\",  "naïve 日本語 🎉", R"({"a":"\t\"q\""})", "",
      "\x01\x1f ok", "trailing tab\t"};
  std::vector<schema::Event> events;
  for (size_t i = 0; i < nasty.size(); ++i) {
    schema::Event e = make_event("emp\\" + std::to_string(i), "ev\t" + std::to_string(i),
                                 static_cast<Micros>(i), nasty[i]);
    e.source = nasty[nasty.size() - 1 - i];
    e.event_type = "learning\n";
    e.language = "日本";
    events.push_back(e);
  }
  RowError bad = make_row_error(7);
  bad.raw = "a\tb\nc\\d \xff\xfe cut \xe6\x97";  // not UTF-8, then a cut character
  bad.raw += std::string("\0z", 2);
  bad.message = "line\nbreak";
  std::vector<RowError> errors{bad};
  auto w = store->begin_load(t, "w");
  ASSERT_TRUE(w.ok());
  Checkpoint c;
  c.header_json = R"(["a\tb"])";
  ASSERT_TRUE((*w)->stage(events, errors, c).ok());
  ASSERT_TRUE((*w)->publish(TaskStatus::kCompletedWithErrors, Progress{}).ok());

  for (const schema::Event& e : events) {
    auto got = store->get_event("default", e.employee_external_id, e.external_id);
    ASSERT_TRUE(got.ok()) << got.error().message;
    ASSERT_TRUE(got->has_value()) << e.content_json;
    EXPECT_EQ(got.value()->event.content_json, e.content_json);
    EXPECT_EQ(got.value()->event.source, e.source);
    EXPECT_EQ(got.value()->event.event_type, "learning\n");
    EXPECT_EQ(got.value()->event.language, "日本");
  }
  const std::vector<RowError> stored = store->row_errors("t", 10).value();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].message, "line\nbreak");
  // Tabs, newlines and backslashes survive; invalid bytes become U+FFFD.
  EXPECT_EQ(stored[0].raw,
            "a\tb\nc\\d \xEF\xBF\xBD\xEF\xBF\xBD cut \xEF\xBF\xBD\xEF\xBF\xBD"
            "\xEF\xBF\xBDz");
  EXPECT_EQ(store->get_task("default", "t")->value().header_json, c.header_json);
}

TEST_F(PostgresStoreTest, PublishDropsTheStageTable) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->create_task(make_task("t", 1)).ok());
  Task t = store->claim_next_task("w", 1, kLease).value().value();
  auto w = store->begin_load(t, "w");
  ASSERT_TRUE(w.ok());
  std::vector<schema::Event> events{make_event("e", "1", 1), make_event("e", "2", 2)};
  ASSERT_TRUE((*w)->stage(events, {}, Checkpoint{}).ok());
  const std::string count_stages =
      "SELECT count(*) FROM pg_class WHERE relname LIKE 'stage\\_%' AND relpersistence = 'u'";
  EXPECT_EQ(sql(count_stages), "1");  // one UNLOGGED table
  ASSERT_TRUE((*w)->publish(TaskStatus::kCompleted, Progress{}).ok());
  EXPECT_EQ(sql(count_stages), "0");
}

TEST_F(PostgresStoreTest, AStageEmptiedByAServerCrashRestartsTheLoad) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->create_task(make_task("t", 1)).ok());
  Task t = store->claim_next_task("w1", 0, kLease).value().value();
  {
    auto w = store->begin_load(t, "w1");
    ASSERT_TRUE(w.ok());
    std::vector<schema::Event> events{make_event("e", "1", 1), make_event("e", "2", 2)};
    std::vector<RowError> errors{make_row_error(3)};
    Checkpoint c;
    c.byte_offset = 100;
    c.progress.rows_read = 3;
    ASSERT_TRUE((*w)->stage(events, errors, c).ok());
  }
  // Crash recovery truncates UNLOGGED tables; the checkpoint (logged) stays.
  const std::string stage = sql("SELECT relname FROM pg_class WHERE relname LIKE 'stage\\_%'");
  ASSERT_FALSE(stage.empty());
  sql("TRUNCATE " + stage);
  Task again = store->claim_next_task("w2", kLease + 1, kLease).value().value();
  EXPECT_FALSE(again.checkpoint.has_value());
  EXPECT_EQ(again.progress.rows_read, 0u);
  EXPECT_TRUE(store->row_errors("t", 10)->empty());
  auto w = store->begin_load(again, "w2");
  ASSERT_TRUE(w.ok());
  std::vector<schema::Event> all{make_event("e", "1", 1), make_event("e", "2", 2),
                                 make_event("e", "3", 3)};
  ASSERT_TRUE((*w)->stage(all, {}, Checkpoint{}).ok());
  EXPECT_EQ((*w)->publish(TaskStatus::kCompleted, Progress{}).value(), 3u);
}

// --- secrets ---------------------------------------------------------------------

TEST_F(PostgresStoreTest, ErrorMessagesNeverContainThePassword) {
  const std::string secret = "Sup3rS3cretPw";
  const std::string closed_port = std::to_string(testsupport::free_port());
  const std::vector<std::string> urls = {
      // Nobody listens there.
      "postgresql://skillsync:" + secret + "@127.0.0.1:" + closed_port + "/db",
      // The server answers, but the database does not exist.
      "postgresql://postgres:" + secret + "@127.0.0.1:" + std::to_string(server().port()) +
          "/no_such_db",
      // libpq refuses the port when connecting.
      "postgresql://skillsync:" + secret + "@127.0.0.1:notaport/db",
      // libpq cannot parse it (its own message would quote the value).
      "postgres://skillsync:" + secret + "@127.0.0.1/db?no_such_option=" + secret,
  };
  for (const std::string& url : urls) {
    auto direct = open_postgres_store(url, clock_);
    ASSERT_FALSE(direct.ok()) << url;
    EXPECT_EQ(direct.error().message.find(secret), std::string::npos) << direct.error().message;
    auto via = open_store(url, "/nonexistent", clock_);
    ASSERT_FALSE(via.ok()) << url;
    EXPECT_EQ(via.error().message.find(secret), std::string::npos) << via.error().message;
  }
  auto refused = open_postgres_store(urls[0], clock_);
  EXPECT_EQ(refused.error().code, "storage_error");
  EXPECT_EQ(open_postgres_store(urls[3], clock_).error().code, "invalid_argument");
}

TEST_F(PostgresStoreTest, OpenStoreSelectsPostgresForItsUrls) {
  EXPECT_TRUE(is_shared_store(uri_));
  auto s = open_store(uri_, "/nonexistent", clock_);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_TRUE((*s)->create_task(make_task("t", 1)).ok());
  EXPECT_EQ(sql("SELECT id FROM tasks"), "t");
}

}  // namespace
}  // namespace skillsync::store::testing
