// Crashes: the server is killed with SIGKILL twice in the middle of a load
// (each time after the API has shown a new checkpoint, while the source is
// throttled so that the load cannot finish first), restarted on the same
// data directory each time, and the task still ends `completed` with
// exactly the file's rows, each once, after one attempt per process.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "integration/it_env.hpp"

namespace skillsync::it {
namespace {
using std::chrono::milliseconds;
using std::chrono::seconds;

// The task's document, or an empty object when the server does not answer.
boost::json::object task_of(SkillsyncProcess& app, const std::string& id) {
  ApiResponse r = app.get("/integrations/file-load-tasks/" + id);
  boost::json::value v = r.json();
  return r.status == 200 && v.is_object() ? v.get_object() : boost::json::object{};
}

int64_t rows_read_of(const boost::json::object& task) {
  const auto* p = task.if_contains("progress");
  if (p == nullptr || !p->is_object()) return -1;
  const auto* n = p->get_object().if_contains("rows_read");
  return n != nullptr && n->is_int64() ? n->get_int64() : -1;
}

std::string status_field(const boost::json::object& task) {
  const auto* s = task.if_contains("status");
  return s != nullptr && s->is_string() ? std::string(s->get_string()) : std::string();
}

TEST(CrashTest, KillNineDuringALoadLosesAndDuplicatesNothing) {
  StackOptions stack_options;
  stack_options.fault_proxy = true;
  stack_options.workers = 1;
  stack_options.env["SKILLSYNC_TASK_LEASE"] = "2";  // a dead worker's task moves on quickly
  auto started = Stack::start(stack_options);
  ASSERT_TRUE(started.ok()) << started.error().message;
  Stack& stack = **started;

  // 200,000 rows for one employee, each with a distinct external id: ten
  // checkpoints of 20,000 rows (about 0.9 MB each).
  constexpr int kRows = 200000;
  std::string csv = "employee_external_id,language,external_id,timestamp,course_id\n";
  csv.reserve(kRows * 48);
  for (int i = 0; i < kRows; ++i) {
    csv += "crash-emp,en,row-" + std::to_string(i) + ",2021-01-01T00:00:00Z,c" +
           std::to_string(i % 97) + "\n";
  }
  const std::string uri = stack.upload("rows.csv", csv);
  // 1 MB/s: the file takes about 9 s to read, so at least two checkpoints
  // (a second each) separate each kill below from the end of the load.
  stack.proxy().set_default(testsupport::Fault::throttle(1000 * 1000));

  ApiResponse posted = stack.post_task(uri);
  ASSERT_EQ(posted.status, 201) << posted.body;
  const std::string task_id = str(as_object(posted.json()), "task_id");

  // Kill k (k = 1, 2) waits until the task, in attempt k, has checkpointed
  // 20,000 * (2k - 1) rows, then kills; the restarted server must find the
  // task unfinished, and resume it (attempt k + 1) from that checkpoint.
  int64_t killed_at = 0;
  for (int kill = 1; kill <= 2; ++kill) {
    const int64_t threshold = int64_t{20000} * (2 * kill - 1);
    boost::json::object task;
    ASSERT_TRUE(testsupport::wait_until(
        [&] {
          task = task_of(stack.app(), task_id);
          return num(task, "attempts") == kill && rows_read_of(task) >= threshold;
        },
        seconds(120), milliseconds(20)))
        << "kill " << kill << ": the load never reached " << threshold
        << " rows: " << boost::json::serialize(task) << "\n"
        << stack.app().log_tail();
    ASSERT_EQ(status_field(task), "running") << boost::json::serialize(task);
    ASSERT_LT(rows_read_of(task), kRows) << boost::json::serialize(task);
    killed_at = rows_read_of(task);
    auto restarted = stack.restart_app(StopHow::kKill9);
    ASSERT_TRUE(restarted.ok()) << restarted.error().message;
    // The kill landed mid-load: the new process finds the task unfinished,
    // with the progress of its last checkpoint.
    task = task_of(stack.app(), task_id);
    EXPECT_TRUE(status_field(task) == "running" || status_field(task) == "pending")
        << boost::json::serialize(task);
    EXPECT_GE(rows_read_of(task), killed_at) << boost::json::serialize(task);
    EXPECT_LT(rows_read_of(task), kRows) << boost::json::serialize(task);
  }
  stack.proxy().set_default(testsupport::Fault::pass());  // the rest at full speed

  TaskTrace trace = stack.app().wait_for_task(task_id, seconds(120));
  ASSERT_FALSE(trace.timed_out) << stack.app().log_tail();
  EXPECT_EQ(trace.status(), "completed") << stack.app().log_tail();
  const auto& progress = obj(trace.task, "progress");
  EXPECT_EQ(num(progress, "rows_read"), kRows);
  EXPECT_EQ(num(progress, "rows_loaded"), kRows);
  EXPECT_EQ(num(progress, "rows_rejected"), 0);
  EXPECT_EQ(num(progress, "bytes_read"), static_cast<int64_t>(csv.size()));
  // One attempt per process that ran it: the first, and one after each kill.
  EXPECT_EQ(num(trace.task, "attempts"), 3) << boost::json::serialize(trace.task);
  // Each restart resumed where the checkpoint stood instead of starting over:
  // the resumed GETs asked for a Range.
  int ranged = 0;
  for (std::string head : stack.proxy().request_heads()) {
    std::transform(head.begin(), head.end(), head.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (head.starts_with("get ") && head.find("\nrange: bytes=") != std::string::npos) ++ranged;
  }
  EXPECT_GE(ranged, 2) << "the restarts did not resume from their checkpoints";

  // Every row once: the ids read back are exactly row-0 .. row-(kRows-1).
  std::vector<boost::json::object> events = list_all_events(stack.app(), "crash-emp");
  ASSERT_EQ(events.size(), static_cast<size_t>(kRows));
  std::vector<bool> seen(kRows, false);
  for (const auto& e : events) {
    std::string id = str(e, "external_id");
    int n = std::stoi(id.substr(4));
    ASSERT_FALSE(seen[n]) << id << " twice";
    seen[n] = true;
    EXPECT_EQ(str(as_object(e.at("content")), "course_id"), "c" + std::to_string(n % 97));
  }
  EXPECT_EQ(stack.app().stop(), 0);
}

}  // namespace
}  // namespace skillsync::it
