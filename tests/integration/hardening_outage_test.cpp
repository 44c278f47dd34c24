// Hardening against a short S3 outage (issue 13, item 6): the S3 server is
// killed while a task downloads its object and started again 10 s later on
// the same port and data; the task keeps retrying (until
// --s3-retry-deadline, 15 min by default), resumes where it stopped, and
// completes with exactly the file's rows.
// Cost: about 15-20 s (the outage itself, then up to one 10 s backoff).
#include <gtest/gtest.h>

#include <thread>

#include "integration/it_env.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;
using testsupport::Fault;

class HardeningOutageTest : public StackTest<HardeningOutageTest> {
 public:
  static StackOptions stack_options() {
    StackOptions o;
    o.workers = 1;
    // Only to hold the download in its middle while S3 goes down.
    o.fault_proxy = true;
    return o;
  }
};

TEST_F(HardeningOutageTest, TaskSurvivesAnS3RestartMidDownload) {
  // Larger than what the socket buffers between S3 and skillsync hold, so
  // that killing S3 does cut the download.
  const LearningFile file = make_learning_file(unique_id("outage"), 200000, 60);
  ASSERT_GT(file.csv.size(), size_t{20} << 20);
  const std::string uri = stack().upload(unique_id("outage") + ".csv", file.csv);
  // The GET delivers 100 kB, then holds still for 3 s: S3 dies in between.
  stack().proxy().script({Fault::stall_for(100000, std::chrono::seconds(3))});
  const uint64_t bytes_before = stack().proxy().response_bytes();
  const auto& s3 = stack().s3();
  ApiResponse created =
      app().post_task(uri, s3.access_key_id(), s3.secret_access_key(), std::nullopt, false);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = str(as_object(created.json()), "task_id");
  // Mid-download: the object's first 100 kB have reached skillsync.
  ASSERT_TRUE(testsupport::wait_until(
      [&] { return stack().proxy().response_bytes() - bytes_before >= 100000; },
      std::chrono::seconds(10)));

  stack().s3().kill();
  // The outage (the time is the point of the test, not a wait for an event).
  std::this_thread::sleep_for(std::chrono::seconds(10));
  const TaskTrace during = app().wait_for_task(id, std::chrono::milliseconds(1));
  EXPECT_NE(during.status(), "failed")
      << "the task gave up during the outage: " << json::serialize(during.task);
  stack().s3().restart();

  TaskTrace trace = app().wait_for_task(id, std::chrono::seconds(60));
  ASSERT_EQ(trace.status(), "completed") << json::serialize(trace.task);
  EXPECT_EQ(num(obj(trace.task, "progress"), "rows_loaded"), static_cast<int64_t>(file.rows));
  EXPECT_EQ(num(obj(trace.task, "progress"), "rows_rejected"), 0);
  const std::vector<json::object> events = list_all_events(app(), file.employee);
  EXPECT_EQ(events.size(), file.rows);
  EXPECT_EQ(events_checksum(events), file.checksum);
}

}  // namespace
}  // namespace skillsync::it
