// The CSV error report's limit (docs/api.md, GET .../errors with
// Accept: text/csv): at most 100,000 rows; past it, the body ends after the
// last whole row and the answer carries X-Truncated: true. (The report is
// streamed from the store in bounded memory, so it has no byte limit.) The
// limit is not an option, so the test builds a task past it cheaply: 100,005
// one-byte rows that are all rejected.
#include <gtest/gtest.h>

#include "integration/it_env.hpp"
#include "support/http_client.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;
using std::chrono::seconds;

constexpr size_t kMaxRows = 100000;

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

}  // namespace
}  // namespace skillsync::it
