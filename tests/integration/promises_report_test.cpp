// The CSV error report's limits (docs/api.md, GET .../errors with
// Accept: text/csv): at most 100,000 rows and 64 MiB; past either, the body
// ends after the last whole row and the answer carries X-Truncated: true.
// The limits are not options, so each test builds a task past one of them
// cheaply: 100,005 one-byte rows that are all rejected, and rows that a
// 20,005-column header (unknown columns ignored) pads to 20 KB each.
#include <gtest/gtest.h>

#include "integration/it_env.hpp"
#include "support/http_client.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;
using std::chrono::seconds;

constexpr size_t kMaxRows = 100000;
constexpr size_t kMaxBytes = size_t{64} << 20;

class PromisesReportTest : public StackTest<PromisesReportTest> {
 protected:
  // Loads `csv` (every data row rejected) with `options`; the task id.
  std::string load_rejected(const std::string& csv, size_t rows, json::object options = {}) {
    const std::string uri = stack().upload(unique_id("report") + ".csv", csv);
    ApiResponse created = stack().post_task_body(stack().task_body(uri, std::move(options)));
    EXPECT_EQ(created.status, 201) << created.body;
    const std::string id = str(as_object(created.json()), "task_id");
    TaskTrace t = app().wait_for_task(id, seconds(180));
    EXPECT_FALSE(t.timed_out);
    EXPECT_EQ(t.status(), "completed_with_errors") << json::serialize(t.task);
    EXPECT_EQ(num(obj(t.task, "progress"), "rows_rejected"), static_cast<int64_t>(rows));
    return id;
  }
  testsupport::HttpResponse report(const std::string& id) {
    return testsupport::request(
        "GET", app().base_url() + "/integrations/file-load-tasks/" + id + "/errors",
        {{"Authorization", "Bearer " + app().api_key()}, {"Accept", "text/csv"}});
  }
};

// The report's lines (CRLF ends), the header first.
std::vector<std::string> lines_of(const std::string& body) {
  std::vector<std::string> lines;
  size_t at = 0;
  for (size_t end; (end = body.find("\r\n", at)) != std::string::npos; at = end + 2) {
    lines.push_back(body.substr(at, end - at));
  }
  EXPECT_EQ(at, body.size()) << "the body does not end after a whole row";
  return lines;
}

const std::string kHeader = "employee_external_id,language,external_id,timestamp,course_id";

TEST_F(PromisesReportTest, AReportUnderTheLimitsIsWholeWithoutXTruncated) {
  const std::string id = load_rejected(kHeader + "\na\nb\nc\n", 3);
  testsupport::HttpResponse r = report(id);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.count("x-truncated"), 0u);
  EXPECT_EQ(lines_of(r.body).size(), 4u) << r.body;
}

TEST_F(PromisesReportTest, MoreThan100000RejectedRowsAreCutAtTheRowLimit) {
  constexpr size_t kRows = kMaxRows + 5;
  std::string csv = kHeader + "\n";
  for (size_t i = 0; i < kRows; ++i) csv += "a\n";  // one field: wrong_field_count
  const std::string id = load_rejected(csv, kRows);
  testsupport::HttpResponse r = report(id);
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.headers["x-truncated"], "true");
  const std::vector<std::string> lines = lines_of(r.body);
  ASSERT_EQ(lines.size(), kMaxRows + 1) << "the header and exactly 100,000 rows";
  EXPECT_EQ(lines[0], kHeader + ",error_line,error_column,error_code,error_message");
  // In file order: data row n is on line n + 1; the last one kept is the
  // 100,000th.
  EXPECT_TRUE(lines[1].starts_with("a,,,,,2,,wrong_field_count,")) << lines[1];
  EXPECT_TRUE(lines.back().starts_with("a,,,,,100001,,wrong_field_count,")) << lines.back();
}

TEST_F(PromisesReportTest, AReportOver64MiBIsCutAfterTheLastWholeRow) {
  // 5 known columns and 20,000 ignored ones: every rejected one-byte row is
  // padded to the header's width in the report (20,004 delimiters).
  constexpr size_t kExtra = 20000;
  constexpr size_t kRows = 4000;  // ~80 MB of report
  std::string header = kHeader;
  for (size_t i = 0; i < kExtra; ++i) header += ",x" + std::to_string(i);
  std::string csv = header + "\n";
  for (size_t i = 0; i < kRows; ++i) csv += "a\n";
  const std::string id = load_rejected(csv, kRows, {{"ignore_unknown_columns", true}});
  testsupport::HttpResponse r = report(id);
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.headers["x-truncated"], "true");
  EXPECT_LE(r.body.size(), kMaxBytes);
  const std::vector<std::string> lines = lines_of(r.body);
  ASSERT_GT(lines.size(), 2u);
  const size_t rows = lines.size() - 1;
  EXPECT_LT(rows, kRows) << "cut by size, not by rows";
  // The next row would not have fit: the body is as full as whole rows allow.
  EXPECT_GT(r.body.size() + lines.back().size() + 2, kMaxBytes) << rows << " rows";
  // Every row kept is whole: its one field padded to the file's 20,005
  // columns, then its line number and code.
  const std::string padded = "a" + std::string(kExtra + 5, ',');
  for (const std::string* l : {&lines[1], &lines.back()}) {
    EXPECT_TRUE(l->starts_with(padded)) << l->substr(0, 40);
    EXPECT_NE(l->find(",,wrong_field_count,", padded.size()), std::string::npos)
        << l->substr(padded.size());
  }
  RecordProperty("rows_in_64_mib", static_cast<int>(rows));
}

}  // namespace
}  // namespace skillsync::it
