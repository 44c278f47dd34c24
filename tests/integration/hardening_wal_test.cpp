// Hardening of secrets at rest (issue 13, item 3): once a task has ended and
// its sealed credentials are erased, no copy of the sealed blob is left in
// skillsync.db, skillsync.db-wal or skillsync.db-shm (a copy of the data
// directory together with master.key must not give the secrets back; the
// blob is what would be decrypted, so finding none of it is the proof).
// Cost: about 3 s (the task's first S3 answer is held back 2 s, so that the
// blob can be read while the task runs).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "integration/it_env.hpp"

namespace skillsync::it {
namespace {

class HardeningWalTest : public StackTest<HardeningWalTest> {
 public:
  static StackOptions stack_options() {
    StackOptions o;
    o.workers = 1;
    o.fault_proxy = true;
    return o;
  }
};

// The sealed credentials of a task as stored now ("" when erased or absent).
std::string sealed_blob(const std::string& db_path, const std::string& task_id) {
  sqlite3* db = nullptr;
  std::string blob;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT sealed_credentials FROM tasks WHERE id = ?1", -1, &s,
                           nullptr) == SQLITE_OK) {
      sqlite3_bind_text(s, 1, task_id.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) == SQLITE_BLOB) {
        blob.assign(static_cast<const char*>(sqlite3_column_blob(s, 0)),
                    static_cast<size_t>(sqlite3_column_bytes(s, 0)));
      }
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return blob;
}

// Which of the database's files hold any 16-byte piece of `blob`.
std::string files_holding(const std::string& dir, const std::string& blob) {
  std::string found;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("skillsync.db", 0) != 0) continue;
    const std::string bytes = testsupport::read_file(entry.path().string());
    for (size_t at = 0; at + 16 <= blob.size(); at += 16) {
      if (bytes.find(blob.substr(at, 16)) != std::string::npos) {
        found += name + " ";
        break;
      }
    }
  }
  return found;
}

TEST_F(HardeningWalTest, NoCopyOfErasedCredentialsIsLeftInTheDatabaseFiles) {
  const LearningFile file = make_learning_file(unique_id("wal"), 20);
  const std::string uri = stack().upload(unique_id("wal") + ".csv", file.csv);
  stack().proxy().script({testsupport::Fault::stall_for(0, std::chrono::seconds(2))});
  const auto& s3 = stack().s3();
  ApiResponse created =
      app().post_task(uri, s3.access_key_id(), s3.secret_access_key(), std::nullopt, false);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = str(as_object(created.json()), "task_id");
  const std::string db = app().data_dir() + "/skillsync.db";
  const std::string blob = sealed_blob(db, id);
  ASSERT_GE(blob.size(), 32u) << "the task's sealed credentials must be readable while it runs";

  TaskTrace trace = app().wait_for_task(id);
  ASSERT_EQ(trace.status(), "completed") << boost::json::serialize(trace.task);
  EXPECT_EQ(sealed_blob(db, id), "");
  // The erase and the WAL truncation follow the task's end by moments.
  std::string holding;
  EXPECT_TRUE(testsupport::wait_until(
      [&] {
        holding = files_holding(app().data_dir(), blob);
        return holding.empty();
      },
      std::chrono::seconds(10)))
      << "pieces of the erased sealed credentials are still in: " << holding;
}

}  // namespace
}  // namespace skillsync::it
