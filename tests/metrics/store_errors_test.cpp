// skillsync_store_errors_total counts database failures where they arise
// (here SQLite's), and not the expected "already_exists".
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "metrics/skillsync_metrics.hpp"
#include "store/sqlite/db.hpp"

namespace skillsync::metrics {
namespace {

TEST(StoreErrors, ASqliteFailureIsCountedByBackendAndCode) {
  char dir[] = "/tmp/skillsync-metrics-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/t.db";
  {
    auto db = store::sqlite::Db::open(path);
    ASSERT_TRUE(db.ok()) << db.error().message;
    Counter& errors = skillsync().store_errors.with({"sqlite", "storage_error"});
    const uint64_t before = errors.value();
    auto bad = db->exec("SELEC 1");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, "storage_error");
    EXPECT_EQ(errors.value(), before + 1);

    ASSERT_TRUE(db->exec("CREATE TABLE t (k TEXT PRIMARY KEY)").ok());
    ASSERT_TRUE(db->exec("INSERT INTO t VALUES ('a')").ok());
    auto dup = db->exec("INSERT INTO t VALUES ('a')");
    ASSERT_FALSE(dup.ok());
    EXPECT_EQ(dup.error().code, "already_exists");
    EXPECT_EQ(errors.value(), before + 1) << "a duplicate key is an answer, not a failure";
  }
  ::unlink(path.c_str());
  ::rmdir(dir);
}

}  // namespace
}  // namespace skillsync::metrics
