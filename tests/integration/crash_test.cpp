// Crashes: the server is killed with SIGKILL at random moments during a
// load, restarted on the same data directory each time, and the task still
// ends `completed` with exactly the file's rows, each once.
#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "integration/it_env.hpp"
#include "integration/skillsync_process.hpp"
#include "source/s3/s3.hpp"
#include "support/process.hpp"
#include "support/s3rver.hpp"

namespace skillsync::it {
namespace {

TEST(CrashTest, KillNineDuringALoadLosesAndDuplicatesNothing) {
  testsupport::S3rverOptions s3_options;
  s3_options.buckets = {"crash"};
  testsupport::S3rverProcess s3(s3_options);
  testsupport::TempDir data("skillsync-crash-");
  const std::string key = "sk_it_" + random_token(32);
  SkillsyncOptions options;
  options.s3_endpoint = s3.endpoint();
  options.bootstrap_api_key = key;
  options.data_dir = data.path();
  options.workers = 1;
  options.env["SKILLSYNC_TASK_LEASE"] = "2";  // a dead worker's task moves on quickly

  // 200,000 rows for one employee, each with a distinct external id.
  constexpr int kRows = 200000;
  std::string csv = "employee_external_id,language,external_id,timestamp,course_id\n";
  csv.reserve(kRows * 48);
  for (int i = 0; i < kRows; ++i) {
    csv += "crash-emp,en,row-" + std::to_string(i) + ",2021-01-01T00:00:00Z,c" +
           std::to_string(i % 97) + "\n";
  }
  {
    source::s3::ClientConfig config;
    config.endpoint = s3.endpoint();
    source::s3::S3Client client(config, {s3.access_key_id(), SecretString(s3.secret_access_key()),
                                         SecretString(s3.session_token())});
    ASSERT_TRUE(client.put_object({"crash", "rows.csv"}, csv).ok());
  }

  auto app = SkillsyncProcess::start(options);
  ASSERT_TRUE(app.ok()) << app.error().message;
  auto posted = (*app)->post_task("s3://crash/rows.csv", s3.access_key_id(), s3.secret_access_key(),
                                  s3.session_token());
  ASSERT_EQ(posted.status, 201) << posted.body;
  const std::string task_id = str(as_object(posted.json()), "task_id");

  std::mt19937 rng(std::random_device{}());
  int kills = 0;
  std::string status;
  for (int round = 0; round < 12 && kills < 3; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 700));
    auto t = (*app)->get("/integrations/file-load-tasks/" + task_id);
    status = str(as_object(t.json()), "status");
    if (status != "pending" && status != "running") break;
    (*app)->kill9();
    ++kills;
    app = SkillsyncProcess::start(options);
    ASSERT_TRUE(app.ok()) << app.error().message;
  }
  TaskTrace trace = (*app)->wait_for_task(task_id, std::chrono::seconds(120));
  ASSERT_FALSE(trace.timed_out) << (*app)->log_tail();
  EXPECT_EQ(trace.status(), "completed") << (*app)->log_tail();
  const auto& progress = obj(trace.task, "progress");
  EXPECT_EQ(num(progress, "rows_read"), kRows);
  EXPECT_EQ(num(progress, "rows_loaded"), kRows);
  EXPECT_EQ(num(progress, "rows_rejected"), 0);
  EXPECT_EQ(num(progress, "bytes_read"), static_cast<int64_t>(csv.size()));
  EXPECT_GE(num(trace.task, "attempts"), 1);
  RecordProperty("kills", kills);

  // Every row once: the ids read back are exactly row-0 .. row-(kRows-1).
  std::vector<boost::json::object> events = list_all_events(**app, "crash-emp");
  ASSERT_EQ(events.size(), static_cast<size_t>(kRows));
  std::vector<bool> seen(kRows, false);
  for (const auto& e : events) {
    std::string id = str(e, "external_id");
    int n = std::stoi(id.substr(4));
    ASSERT_FALSE(seen[n]) << id << " twice";
    seen[n] = true;
    EXPECT_EQ(str(as_object(e.at("content")), "course_id"), "c" + std::to_string(n % 97));
  }
  EXPECT_EQ((*app)->stop(), 0);
}

}  // namespace
}  // namespace skillsync::it
