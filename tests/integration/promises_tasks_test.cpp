// Promises about tasks over time, each through the real binary:
//  - --retention-days: the server itself purges finished tasks (and their
//    row errors) older than the retention, and keeps younger ones and the
//    events they loaded (README, configuration);
//  - master-key rotation through `serve` (docs/security.md): a task created
//    under the old key runs after a restart with --master-key-file new.key
//    --previous-master-key-file old.key; with the new key alone before the
//    rotation, or the old key alone after it, the server refuses to start;
//  - cancelling a running task again keeps the first cancel_requested_at
//    (docs/api.md); the worker is frozen (SIGSTOP) between the two cancels,
//    so the task is certainly still running when the second one arrives.
#include <signal.h>
#include <sys/stat.h>

#include <fstream>

#include <gtest/gtest.h>

#include "common/crypto.hpp"
#include "integration/it_env.hpp"
#include "source/s3/s3.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testsupport::Fault;

constexpr int64_t kDayUs = int64_t{86400} * 1000000;

std::string task_path(const std::string& id) { return "/integrations/file-load-tasks/" + id; }

std::string sqlite(const std::string& db, const std::string& sql) {
  CommandResult r = run_command({"/usr/bin/sqlite3", db, sql});
  EXPECT_EQ(r.exit_code, 0) << sql << ": " << r.err;
  return r.out;
}

// A fresh AES-256 key file, mode 0600, at `path`.
void write_key(const std::string& path) {
  std::ofstream(path, std::ios::binary) << crypto::random_bytes(32);
  ::chmod(path.c_str(), 0600);
}

struct Fixture {
  testsupport::S3rverProcess s3{testsupport::S3rverOptions{{"promises"}, "", false}};
  testsupport::TempDir data{"skillsync-promises-"};
  SkillsyncOptions options;
  Fixture() {
    options.s3_endpoint = s3.endpoint();
    options.bootstrap_api_key = "sk_it_" + random_token(32);
    options.data_dir = data.path();
  }
  std::string upload(const std::string& key, const std::string& body) {
    source::s3::ClientConfig config;
    config.endpoint = s3.endpoint();
    source::s3::S3Client client(
        config, {s3.access_key_id(), SecretString(s3.secret_access_key()), SecretString("")});
    Status put = client.put_object({"promises", key}, body);
    EXPECT_TRUE(put.ok()) << (put.ok() ? "" : put.error().message);
    return "s3://promises/" + key;
  }
  std::string post(SkillsyncProcess& app, const std::string& uri) {
    ApiResponse r = app.post_task(uri, s3.access_key_id(), s3.secret_access_key());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? str(as_object(r.json()), "task_id") : "";
  }
};

TEST(PromisesTasksTest, TheServerPurgesFinishedTasksOlderThanRetentionDays) {
  Fixture f;
  f.options.env["SKILLSYNC_RETENTION_DAYS"] = "7";
  const LearningFile file = make_learning_file(unique_id("emp-ret"), 3);
  // One rejected row, so the old task has row errors to purge too.
  const std::string uri = f.upload("ret.csv", file.csv + file.employee + ",xx,bad,2021,c,s\n");
  auto app = SkillsyncProcess::start(f.options);
  ASSERT_TRUE(app.ok()) << app.error().message;
  const std::string old_id = f.post(**app, uri);
  const std::string young_id = f.post(**app, uri);
  for (const auto& id : {old_id, young_id}) {
    EXPECT_EQ((*app)->wait_for_task(id).status(), "completed_with_errors");
  }
  ASSERT_EQ((*app)->stop(), 0);
  // The store as if the tasks had finished 8 and 6 days ago.
  const std::string db = f.data.file("skillsync.db");
  sqlite(db, "UPDATE tasks SET finished_at_us = finished_at_us - 8 * " + std::to_string(kDayUs) +
                 " WHERE id = '" + old_id +
                 "'; UPDATE tasks SET finished_at_us = finished_at_us"
                 " - 6 * " +
                 std::to_string(kDayUs) + " WHERE id = '" + young_id + "';");
  ASSERT_EQ(sqlite(db, "SELECT count(*) FROM row_errors WHERE task_id = '" + old_id + "';"), "1\n");

  app = SkillsyncProcess::start(f.options);
  ASSERT_TRUE(app.ok()) << app.error().message;
  ASSERT_TRUE((*app)->wait_for_log("purged 1 finished task(s)", seconds(30))) << (*app)->log_tail();
  EXPECT_EQ((*app)->get(task_path(old_id)).status, 404);
  EXPECT_EQ((*app)->get(task_path(old_id) + "/errors").status, 404);
  EXPECT_EQ(sqlite(db, "SELECT count(*) FROM row_errors WHERE task_id = '" + old_id + "';"), "0\n");
  EXPECT_EQ((*app)->get(task_path(young_id)).status, 200);
  // The events stay: retention is about tasks, not data.
  EXPECT_EQ(list_all_events(**app, file.employee).size(), file.rows);
  EXPECT_EQ((*app)->stop(), 0);
}

TEST(PromisesTasksTest, MasterKeyRotationThroughServeOpensTasksOfThePreviousKey) {
  Fixture f;
  testsupport::TempDir keys("skillsync-keys-");
  const std::string old_key = f.data.file("master.key");  // created by the first start
  const std::string new_key = keys.file("new.key");
  const LearningFile file = make_learning_file(unique_id("emp-rot"), 50);
  const std::string uri = f.upload("rot.csv", file.csv);

  // A task sealed under the old key, left pending (no workers).
  SkillsyncOptions no_workers = f.options;
  no_workers.env["SKILLSYNC_NO_WORKERS"] = "1";
  auto app = SkillsyncProcess::start(no_workers);
  ASSERT_TRUE(app.ok()) << app.error().message;
  const std::string id = f.post(**app, uri);
  ASSERT_EQ((*app)->stop(), 0);
  write_key(new_key);

  SkillsyncOptions only_new = f.options;
  only_new.env["SKILLSYNC_MASTER_KEY_FILE"] = new_key;
  auto refused = SkillsyncProcess::start(only_new);
  ASSERT_FALSE(refused.ok()) << "started with a key the store's tasks are not sealed with";
  EXPECT_NE(refused.error().message.find("is not the one this store's tasks are sealed with"),
            std::string::npos)
      << refused.error().message;

  SkillsyncOptions rotating = only_new;
  rotating.env["SKILLSYNC_PREVIOUS_MASTER_KEY_FILE"] = old_key;
  app = SkillsyncProcess::start(rotating);
  ASSERT_TRUE(app.ok()) << app.error().message;
  TaskTrace trace = (*app)->wait_for_task(id);
  EXPECT_EQ(trace.status(), "completed") << json::serialize(trace.task) << (*app)->log_tail();
  EXPECT_EQ(events_checksum(list_all_events(**app, file.employee)), file.checksum);
  EXPECT_NE((*app)->log().find("master key rotated"), std::string::npos);
  ASSERT_EQ((*app)->stop(), 0);

  // After the rotation the old key alone is refused, the new one alone runs.
  auto old_only = SkillsyncProcess::start(f.options);
  EXPECT_FALSE(old_only.ok()) << "the old key still starts a rotated store";
  app = SkillsyncProcess::start(only_new);
  ASSERT_TRUE(app.ok()) << app.error().message;
  const std::string after = f.post(**app, uri);
  EXPECT_EQ((*app)->wait_for_task(after).status(), "completed");
  EXPECT_EQ((*app)->stop(), 0);
}

TEST(PromisesTasksTest, CancellingARunningTaskAgainKeepsTheFirstCancelRequestedAt) {
  Fixture f;
  testsupport::FaultProxy proxy(f.s3.port());
  // The worker's download gets nothing: the task stays running.
  proxy.set_default(Fault::stall_for(0, seconds(300)));
  const std::string uri = f.upload("cancel.csv", make_learning_file(unique_id("emp-rc"), 20).csv);
  SkillsyncOptions api = f.options;  // checks access straight at S3
  api.env["SKILLSYNC_NO_WORKERS"] = "1";
  auto app = SkillsyncProcess::start(api);
  ASSERT_TRUE(app.ok()) << app.error().message;
  testsupport::ChildProcess worker(
      {skillsync_binary(), "worker", "--data-dir", f.data.path(), "--s3-endpoint", proxy.endpoint(),
       "--workers", "1", "--health-listen", "127.0.0.1:0"},
      {}, f.data.path(), "worker");
  const std::string id = f.post(**app, uri);
  ASSERT_TRUE(testsupport::wait_until(
      [&] {
        const std::string line = "task " + id + " running on";
        return testsupport::read_file(worker.stderr_path()).find(line) != std::string::npos;
      },
      seconds(30)))
      << testsupport::read_file(worker.stderr_path());
  worker.kill(SIGSTOP);  // it cannot act on a cancel now

  ApiResponse first = (*app)->post(task_path(id) + "/cancel", "");
  ASSERT_EQ(first.status, 202) << first.body;
  EXPECT_EQ(str(as_object(first.json()), "status"), "running") << first.body;
  const std::string requested_at = str(as_object(first.json()), "cancel_requested_at");
  ApiResponse second = (*app)->post(task_path(id) + "/cancel", "");
  ASSERT_EQ(second.status, 202) << second.body;
  EXPECT_EQ(str(as_object(second.json()), "status"), "running") << second.body;
  EXPECT_EQ(str(as_object(second.json()), "cancel_requested_at"), requested_at);

  worker.kill(SIGCONT);
  TaskTrace trace = (*app)->wait_for_task(id, seconds(60));
  EXPECT_EQ(trace.status(), "cancelled") << json::serialize(trace.task);
  EXPECT_EQ(str(trace.task, "cancel_requested_at"), requested_at);
  EXPECT_EQ((*app)->post(task_path(id) + "/cancel", "").status, 409);
  worker.kill(SIGTERM);
  EXPECT_EQ(worker.wait(), 0);
  EXPECT_EQ((*app)->stop(), 0);
}

}  // namespace
}  // namespace skillsync::it
