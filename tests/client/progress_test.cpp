// The progress line and summary: pure renderings of a task's JSON.
#include <gtest/gtest.h>

#include "client/progress.hpp"

namespace skillsync::client {
namespace {

namespace json = boost::json;

json::object task(const char* status, int64_t read, int64_t total, int64_t rows) {
  return json::object{{"task_id", "flt_1"},
                      {"status", status},
                      {"started_at", "2026-01-01T00:00:00Z"},
                      {"finished_at", "2026-01-01T00:01:05.5Z"},
                      {"cancel_requested_at", nullptr},
                      {"progress",
                       {{"bytes_total", total},
                        {"bytes_read", read},
                        {"rows_read", rows},
                        {"rows_loaded", rows - 3},
                        {"rows_rejected", 3},
                        {"rows_superseded", 0}}}};
}

TEST(ProgressTest, RunningLineHasBytesPercentRowsRateElapsedAndTimeLeft) {
  const std::string line = render_progress(task("running", 40 << 20, 100 << 20, 412345), 4.0);
  EXPECT_EQ(line,
            "running   40%  40.0 MiB / 100.0 MiB | rows 412,345 read, 412,342 loaded, 3 rejected "
            "| 10.0 MiB/s | 0:04 elapsed, 0:06 left");
}

TEST(ProgressTest, NarrowTerminalGetsAShorterLine) {
  const json::object t = task("running", 40 << 20, 100 << 20, 412345);
  const std::string line = render_progress(t, 4.0, 79);
  EXPECT_EQ(line, "running 40% 40.0/100.0 MiB  412,345 rows (3 rejected)  10.0 MiB/s  ETA 0:06");
  EXPECT_LE(line.size(), 79u);
  EXPECT_EQ(render_progress(t, 4.0, 30).size(), 30u);
  EXPECT_EQ(render_progress(t, 4.0, 200), render_progress(t, 4.0));
}

TEST(ProgressTest, NothingToMeasureYetShowsDashes) {
  const std::string line = render_progress(task("running", 0, 1000, 0), 0.1);
  EXPECT_NE(line.find("| - | 0:00 elapsed, - left"), std::string::npos) << line;
}

TEST(ProgressTest, PendingWaitsForAWorker) {
  EXPECT_EQ(render_progress(task("pending", 0, 0, 0), 2.0),
            "pending  waiting for a worker | 0:02 elapsed");
}

TEST(ProgressTest, CancellingIsShown) {
  json::object t = task("running", 10, 100, 1);
  t["cancel_requested_at"] = "2026-01-01T00:00:01Z";
  EXPECT_NE(render_progress(t, 1.0).find("| cancelling"), std::string::npos);
}

TEST(ProgressTest, FinalLineHasNoTimeLeft) {
  const std::string line = render_progress(task("completed", 100, 100, 5), 2.0);
  EXPECT_EQ(line.find("left"), std::string::npos) << line;
  EXPECT_NE(line.find("100%"), std::string::npos) << line;
}

TEST(ProgressTest, SummaryAndNextStep) {
  const json::object t = task("completed_with_errors", 2048, 2048, 10);
  EXPECT_EQ(render_summary(t),
            "task flt_1 completed_with_errors in 1:05: rows 10 read, 7 loaded, 3 rejected "
            "(2.00 KiB)");
  EXPECT_NE(next_step(t).find("skillsync tasks errors flt_1 --csv errors.csv"), std::string::npos);
  json::object failed = task("failed", 0, 0, 0);
  failed["error"] = json::object{{"code", "NoSuchKey"}, {"message", "gone"}};
  EXPECT_EQ(next_step(failed), "failed: NoSuchKey: gone (details: skillsync tasks show flt_1)");
  EXPECT_EQ(next_step(task("completed", 1, 1, 1)), "");
}

TEST(ProgressTest, Formatting) {
  EXPECT_EQ(group_thousands(1000000), "1,000,000");
  EXPECT_EQ(group_thousands(999), "999");
  EXPECT_EQ(human_bytes(512), "512 B");
  EXPECT_EQ(human_bytes(1536), "1.50 KiB");
  EXPECT_EQ(human_bytes(3.5 * (1 << 30)), "3.50 GiB");
  EXPECT_EQ(human_duration(7), "0:07");
  EXPECT_EQ(human_duration(3723), "1:02:03");
  EXPECT_EQ(fit_width("abcdef", 4), "abcd");
  EXPECT_EQ(fit_width("abcdef", 0), "abcdef");
}

TEST(ProgressTest, ParsesTheApisTimes) {
  EXPECT_EQ(seconds_between("2026-01-01T23:59:59Z", "2026-01-02T00:00:01.25Z"), 2.25);
  EXPECT_EQ(parse_utc("1970-01-01T00:00:01.000001Z"), 1000001);
  EXPECT_EQ(parse_utc("yesterday"), std::nullopt);
  EXPECT_EQ(parse_utc("2026-01-01T00:00:00+02:00"), std::nullopt);
}

}  // namespace
}  // namespace skillsync::client
