// A larger file: progress rises while the task runs, nothing of it is visible
// until it completes, and every row arrives intact.
#include <gtest/gtest.h>

#include <array>
#include <thread>

#include "common/time.hpp"
#include "integration/it_env.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;

// skillsync reads S3 through the fault proxy, throttled in the test so that
// the load lasts seconds: many polls must see it running with partial progress.
class LargeFileTest : public StackTest<LargeFileTest> {
 public:
  static StackOptions stack_options() {
    StackOptions o;
    o.fault_proxy = true;
    // Reading 300,000 rows back takes 300 pages; a fast machine sends them
    // faster than the default 50 requests/s (the limit has tests of its own).
    o.env["SKILLSYNC_RATE_LIMIT"] = "0";
    return o;
  }
};

// The release build (where integration tests run) loads 300,000 rows; a
// debug or sanitizer build of the same tree is ~20x slower, so it loads
// fewer to stay inside the ctest timeout.
#ifdef NDEBUG
constexpr int kRows = 300000;
#else
constexpr int kRows = 50000;
#endif

std::string row_id(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%07d", i);
  return buf;
}

// Row i: distinct, increasing timestamps, so the API's order (timestamp,
// then external_id) is the file's order.
struct Row {
  std::string external_id, timestamp, course_id, source, language;
};

Row make_row(int i) {
  static const Micros kBase = days_from_civil(2020, 1, 1) * 86400LL * 1000000LL;
  static const std::array<const char*, 5> kLanguages = {"en", "nl", "fr", "de", "auto"};
  const std::string id = row_id(i);
  return {"ev-" + id, format_rfc3339(kBase + Micros{i} * 1000000LL), "course-" + id, "src-" + id,
          kLanguages[i % kLanguages.size()]};
}

std::string make_file(const std::string& employee) {
  std::string csv = "employee_external_id,language,external_id,timestamp,course_id,source\n";
  csv.reserve(size_t{kRows} * 90);
  for (int i = 0; i < kRows; ++i) {
    Row r = make_row(i);
    csv += employee + "," + r.language + "," + r.external_id + "," + r.timestamp + "," +
           r.course_id + "," + r.source + "\n";
  }
  return csv;
}

struct Progress {
  std::array<int64_t, 5>
      values{};  // bytes_total, bytes_read, rows_read, rows_loaded, rows_rejected
};

Progress read_progress(const json::object& task) {
  const json::object& p = obj(task, "progress");
  return {{num(p, "bytes_total"), num(p, "bytes_read"), num(p, "rows_read"), num(p, "rows_loaded"),
           num(p, "rows_rejected")}};
}

TEST_F(LargeFileTest, ProgressRisesRowsAppearAtOnceAndAllArriveIntact) {
  const std::string e = unique_id("emp-large");
  const std::string csv = make_file(e);
  const std::string uri = stack().upload(unique_id("large") + ".csv", csv);
  // 4 MB/s: 25 MB (300,000 rows) take about 6 s to read, a checkpoint of
  // 20,000 rows every 0.4 s; a poll takes milliseconds.
  stack().proxy().set_default(testsupport::Fault::throttle(4 * 1000 * 1000));
  ApiResponse created = stack().post_task(uri);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string task_id = str(as_object(created.json()), "task_id");
  const std::string task_path = "/integrations/file-load-tasks/" + task_id;
  const std::string first_event = "/employees/" + e + "/skill_events?limit=1";

  Progress previous;
  std::string status = "pending";
  json::object task;
  int running_polls = 0;
  int partial_polls = 0;  // running, with some but not all rows read
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(240);
  while (!is_terminal_status(status)) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << json::serialize(task);
    ApiResponse r = app().get(task_path);
    ASSERT_EQ(r.status, 200) << r.body;
    task = as_object(r.json());
    const std::string now_status = str(task, "status");
    ASSERT_LE(status_rank(status), status_rank(now_status)) << status << " -> " << now_status;
    status = now_status;
    Progress p = read_progress(task);
    for (size_t k = 0; k < p.values.size(); ++k) {
      ASSERT_LE(previous.values[k], p.values[k]) << "progress fell: " << json::serialize(task);
    }
    EXPECT_LE(p.values[1], p.values[0]) << "bytes_read > bytes_total: " << json::serialize(task);
    EXPECT_LE(p.values[3] + p.values[4], p.values[2]) << json::serialize(task);
    previous = p;
    if (status == "running") {
      ++running_polls;
      if (p.values[2] > 0 && p.values[2] < kRows) ++partial_polls;
      ApiResponse list = app().get(first_event);
      ASSERT_EQ(list.status, 200) << list.body;
      if (!as_array(as_object(list.json()).at("items")).empty()) {
        // Rows may only show once the task has completed: it must say so now.
        ApiResponse again = app().get(task_path);
        ASSERT_TRUE(is_terminal_status(str(as_object(again.json()), "status")))
            << "rows of a running task are visible: " << list.body << "\ntask: " << again.body;
      }
    }
    if (!is_terminal_status(status)) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(status, "completed") << json::serialize(task);
  const Progress done = read_progress(task);
  const int64_t size = static_cast<int64_t>(csv.size());
  EXPECT_EQ(done.values, (std::array<int64_t, 5>{size, size, kRows, kRows, 0}));
  RecordProperty("running_polls", running_polls);
  RecordProperty("partial_polls", partial_polls);
  // Progress must be written while the task runs, not only at its end: the
  // throttle makes the load last many polls.
  EXPECT_GT(partial_polls, 0) << running_polls << " polls saw the task running, none of them "
                              << "with partial progress";

  for (int i : {0, kRows / 2 + 17, kRows - 1}) {
    const Row row = make_row(i);
    ApiResponse r = app().get("/employees/" + e + "/skill_events/" + row.external_id);
    ASSERT_EQ(r.status, 200) << r.body;
    const json::value v = r.json();
    const json::object& ev = as_object(v);
    EXPECT_EQ(str(ev, "employee_external_id"), e);
    EXPECT_EQ(str(ev, "external_id"), row.external_id);
    EXPECT_EQ(str(ev, "timestamp"), row.timestamp);
    EXPECT_EQ(str(ev, "language"), row.language);
    EXPECT_EQ(json::serialize(ev.at("content")), "{\"course_id\":\"" + row.course_id + "\"}");
    EXPECT_EQ(str(ev, "source"), row.source);
    EXPECT_EQ(str(ev, "task_id"), task_id);
  }

  std::vector<json::object> all = list_all_events(app(), e);
  ASSERT_EQ(all.size(), static_cast<size_t>(kRows));
  for (int i = 0; i < kRows; ++i) {
    if (str(all[i], "external_id") != "ev-" + row_id(i)) {
      FAIL() << "item " << i << " is " << json::serialize(all[i]);
    }
  }
}

}  // namespace
}  // namespace skillsync::it
