// Hardening against a full data disk (issue 13, item 9): the data directory
// is a small tmpfs, filled up while a task loads. The task's end cannot be
// recorded: the log says so and that it is retried, and the API shows the
// task running (not a log that says "failed" beside an API that says
// "running" for the whole lease). Once space is freed the end is recorded
// within seconds, the log and the API agree, and the store passes SQLite's
// integrity check. Mounting needs root (the test command runs as root);
// elsewhere the test is skipped, saying so.
// Cost: about 6 s.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "integration/it_env.hpp"
#include "source/s3/s3.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;
using testsupport::Fault;

// A tmpfs of `size` mounted on a fresh directory; unmounted on destruction.
class SmallDisk {
 public:
  explicit SmallDisk(const std::string& size) {
    mounted_ =
        run_command({"/usr/bin/mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir_.path()})
            .exit_code == 0;
  }
  ~SmallDisk() {
    if (mounted_) run_command({"/usr/bin/umount", "-l", dir_.path()});
  }
  bool mounted() const { return mounted_; }
  const std::string& path() const { return dir_.path(); }

  // Writes a file of zeros until the disk is full.
  void fill() {
    std::FILE* f = std::fopen((dir_.path() + "/filler").c_str(), "wb");
    const std::string block(64 * 1024, '\0');
    while (f != nullptr && std::fwrite(block.data(), 1, block.size(), f) == block.size()) {
    }
    for (size_t n = 4096; f != nullptr && n > 0; n /= 2) {
      while (std::fwrite(block.data(), 1, n, f) == n && std::fflush(f) == 0) {
      }
      std::clearerr(f);
    }
    if (f != nullptr) std::fclose(f);
  }
  void free_space() { std::filesystem::remove(dir_.path() + "/filler"); }

 private:
  testsupport::TempDir dir_{"skillsync-disk-"};
  bool mounted_ = false;
};

std::string integrity_check(const std::string& db_path) {
  sqlite3* db = nullptr;
  std::string result = "cannot open";
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
      result = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return result;
}

TEST(HardeningDiskTest, AFullDiskLeavesTheApiAndTheLogInAgreementAndTheStoreIntact) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root";
  SmallDisk disk("24m");
  ASSERT_TRUE(disk.mounted());
  testsupport::S3rverOptions s3_options;
  s3_options.buckets = {"disk"};
  testsupport::S3rverProcess s3(s3_options);
  testsupport::FaultProxy proxy(s3.port());
  SkillsyncOptions options;
  options.s3_endpoint = proxy.endpoint();
  options.bootstrap_api_key = "sk_it_" + random_token(32);
  options.data_dir = disk.path();
  options.workers = 1;
  auto started = SkillsyncProcess::start(options);
  ASSERT_TRUE(started.ok()) << started.error().message;
  SkillsyncProcess& app = **started;

  const LearningFile file = make_learning_file(unique_id("disk"), 30000, 20);
  source::s3::ClientConfig config;
  config.endpoint = s3.endpoint();
  source::s3::S3Client client(config, {s3.access_key_id(), SecretString(s3.secret_access_key()),
                                       SecretString(std::string())});
  ASSERT_TRUE(client.put_object({"disk", "disk.csv"}, file.csv).ok());
  // The download holds still after 100 kB, while the disk fills up.
  proxy.script({Fault::stall_for(100000, std::chrono::seconds(2))});
  ApiResponse created = app.post_task("s3://disk/disk.csv", s3.access_key_id(),
                                      s3.secret_access_key(), std::nullopt, false);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = str(as_object(created.json()), "task_id");
  ASSERT_TRUE(testsupport::wait_until([&] { return proxy.response_bytes() >= 100000; },
                                      std::chrono::seconds(10)));
  disk.fill();

  // The end cannot be recorded: the log says it is retried, the API shows
  // the task still running, and no line claims it ended.
  ASSERT_TRUE(app.wait_for_log("task " + id + ": cannot record its end", std::chrono::seconds(30)))
      << app.log_tail();
  EXPECT_EQ(str(as_object(app.get("/integrations/file-load-tasks/" + id).json()), "status"),
            "running");
  EXPECT_EQ(app.log().find("task " + id + " failed"), std::string::npos)
      << "the log says the task failed while the API shows it running";

  disk.free_space();
  TaskTrace trace = app.wait_for_task(id, std::chrono::seconds(20));
  ASSERT_EQ(trace.status(), "failed") << json::serialize(trace.task);
  EXPECT_TRUE(app.wait_for_log("task " + id + " failed", std::chrono::seconds(5)));
  EXPECT_EQ(app.stop(), 0) << app.log_tail();
  EXPECT_EQ(integrity_check(disk.path() + "/skillsync.db"), "ok");
}

}  // namespace
}  // namespace skillsync::it
