// SqliteTaskTest: the fixture the tasks tests share. Each test gets a fresh
// SQLite store (SqliteStoreTest) and a random master key, creates its
// tasks through TaskService (as the API does) and claims them as kWorker.
#pragma once

#include <string>
#include <string_view>

#include "common/crypto.hpp"
#include "support/sqlite_store_test.hpp"
#include "tasks/tasks.hpp"

namespace skillsync::tasks {

inline constexpr std::string_view kWorker = "test-worker";
inline constexpr Micros kLease = 60 * 1000000LL;

class SqliteTaskTest : public testsupport::SqliteStoreTest {
 protected:
  // Creates a learning task (s3_iam_user, example credentials) for `uri` and
  // claims it as kWorker; the claimed task, or an empty one after a failed
  // expectation.
  store::Task create_and_claim(const std::string& uri = "s3://bucket/file.csv",
                               LoadOptions options = {}) {
    TaskService service(*store_, key_, SystemClock::instance());
    CreateTaskRequest req;
    req.options = options;
    req.entity_type = "learning";
    req.method = "s3_iam_user";
    req.uri = uri;
    req.credentials.access_key_id = "AKIDEXAMPLE";
    req.credentials.secret_access_key = SecretString("s3cr3t-value");
    auto created = service.create(store::kDefaultTenant, std::move(req));
    EXPECT_TRUE(created.ok());
    return claim(kWorker);
  }
  store::Task claim(std::string_view worker) {
    auto claimed = store_->claim_next_task(worker, SystemClock::instance().now(), kLease);
    EXPECT_TRUE(claimed.ok() && claimed->has_value());
    return claimed.ok() && claimed->has_value() ? **claimed : store::Task{};
  }
  store::Task reload(const std::string& id) {
    auto t = store_->get_task(store::kDefaultTenant, id);
    EXPECT_TRUE(t.ok() && t->has_value());
    return t.ok() && t->has_value() ? **t : store::Task{};
  }
  size_t event_count(const std::string& employee) {
    auto page = store_->list_events(store::kDefaultTenant, employee, 1000, "");
    EXPECT_TRUE(page.ok());
    return page.ok() ? page->items.size() : 0;
  }

  MasterKey key_{SecretString(crypto::random_bytes(32))};
};

}  // namespace skillsync::tasks
