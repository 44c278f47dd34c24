// File Load Tasks end to end: CSV files uploaded to a real S3 server, loaded
// by the real skillsync binary, read back through the Skill Event API.
#include <gtest/gtest.h>

#include "integration/it_env.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;

class LoadTest : public StackTest<LoadTest> {};

json::value parse(std::string_view text) { return json::parse(text); }

// Byte offset of the line that starts with `prefix` (after a '\n').
size_t line_offset(const std::string& file, const std::string& prefix) {
  size_t at = file.find("\n" + prefix);
  EXPECT_NE(at, std::string::npos) << prefix;
  return at + 1;
}

void expect_event(const json::object& e, const std::string& employee, const std::string& id,
                  const std::string& timestamp, const std::string& language,
                  const json::value& content, const std::optional<std::string>& source,
                  const std::optional<std::string>& task_id) {
  SCOPED_TRACE("event " + id + ": " + json::serialize(e));
  EXPECT_EQ(str(e, "employee_external_id"), employee);
  EXPECT_EQ(str(e, "external_id"), id);
  EXPECT_EQ(str(e, "event_type"), "learning");
  EXPECT_EQ(str(e, "timestamp"), timestamp);
  EXPECT_EQ(str(e, "language"), language);
  EXPECT_EQ(e.contains("content") ? e.at("content") : json::value(), content);
  if (source) {
    EXPECT_EQ(str(e, "source"), *source);
  } else {
    EXPECT_TRUE(is_null(e, "source"));
  }
  if (task_id) {
    EXPECT_EQ(str(e, "task_id"), *task_id);
  } else {
    EXPECT_TRUE(is_null(e, "task_id"));
  }
  EXPECT_FALSE(str(e, "created_at").empty());
  EXPECT_FALSE(str(e, "updated_at").empty());
}

json::object titled(std::string_view title, std::string_view description) {
  json::object content;
  content["learning_title"] = title;
  content["learning_description"] = description;
  return content;
}

void expect_progress(const json::object& task, int64_t rows_read, int64_t rows_loaded,
                     int64_t rows_rejected, int64_t bytes) {
  const json::object& p = obj(task, "progress");
  EXPECT_EQ(num(p, "rows_read"), rows_read);
  EXPECT_EQ(num(p, "rows_loaded"), rows_loaded);
  EXPECT_EQ(num(p, "rows_rejected"), rows_rejected);
  EXPECT_EQ(num(p, "bytes_read"), bytes);
  EXPECT_EQ(num(p, "bytes_total"), bytes);
}

// The seed's example, exactly: the file, the body, the polling, the read-back.
TEST_F(LoadTest, SeedExampleLoadsEndToEnd) {
  const std::string csv =
      "employee_external_id,language,external_id,timestamp,course_id,source\n"
      "employee-1,en,learning-1,2021-01-01T00:00:00Z,course-1,source-1\n"
      "employee-2,en,learning-2,2021-01-01T00:00:00Z,course-2,source-2\n";
  const std::string uri = stack().upload("file-name.csv", csv);

  ApiResponse created = stack().post_task(uri);
  ASSERT_EQ(created.status, 201) << created.body;
  const json::value created_json = created.json();
  const json::object& c = as_object(created_json);
  const std::string task_id = str(c, "task_id");
  ASSERT_FALSE(task_id.empty());
  EXPECT_EQ(str(c, "status"), "pending");
  EXPECT_EQ(str(c, "uri"), uri);
  EXPECT_EQ(str(c, "entity_type"), "learning");
  EXPECT_EQ(str(c, "method"), "s3_iam_user");

  TaskTrace trace = app().wait_for_task(task_id);
  ASSERT_FALSE(trace.timed_out) << json::serialize(trace.task);
  ASSERT_EQ(trace.status(), "completed") << json::serialize(trace.task);
  // pending -> running -> completed, of which polling may miss the middle.
  std::vector<std::string> seen = {"pending"};
  for (const auto& s : trace.distinct()) seen.push_back(s);
  for (size_t i = 1; i < seen.size(); ++i) {
    EXPECT_LE(status_rank(seen[i - 1]), status_rank(seen[i]))
        << seen[i - 1] << " was followed by " << seen[i];
    EXPECT_NE(status_rank(seen[i]), -1) << seen[i];
  }
  const json::object& t = trace.task;
  expect_progress(t, 2, 2, 0, static_cast<int64_t>(csv.size()));
  EXPECT_TRUE(is_null(t, "error"));
  EXPECT_TRUE(as_array(t.at("row_errors")).empty());
  EXPECT_FALSE(str(t, "started_at").empty());
  EXPECT_FALSE(str(t, "finished_at").empty());
  EXPECT_EQ(str(t, "task_id"), task_id);

  ApiResponse list = app().get("/employees/employee-1/skill_events");
  ASSERT_EQ(list.status, 200) << list.body;
  const json::value list_json = list.json();
  const json::array& items = as_array(as_object(list_json).at("items"));
  ASSERT_EQ(items.size(), 1u) << list.body;
  EXPECT_TRUE(is_null(as_object(list_json), "next_cursor"));
  expect_event(as_object(items[0]), "employee-1", "learning-1", "2021-01-01T00:00:00Z", "en",
               parse(R"({"course_id":"course-1"})"), "source-1", task_id);

  ApiResponse one = app().get("/employees/employee-1/skill_events/learning-1");
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.json(), items[0]);

  ApiResponse second = app().get("/employees/employee-2/skill_events/learning-2");
  ASSERT_EQ(second.status, 200) << second.body;
  expect_event(as_object(second.json()), "employee-2", "learning-2", "2021-01-01T00:00:00Z", "en",
               parse(R"({"course_id":"course-2"})"), "source-2", task_id);
  // Events are keyed by employee: learning-2 is not employee-1's.
  EXPECT_EQ(app().get("/employees/employee-1/skill_events/learning-2").status, 404);
}

// RFC 4180 in full: BOM, CRLF, quoted commas, quotes and line breaks, a blank
// line between records, UTF-8 text and a last record without a line break.
TEST_F(LoadTest, QuotedFieldsCrlfAndBomDecodeExactly) {
  const std::string emp = unique_id("emp-quoted");
  const std::string csv =
      "\xEF\xBB\xBF"
      "employee_external_id,language,external_id,timestamp,learning_title,"
      "learning_description,source\r\n" +
      emp +
      ",en,q-1,2021-02-01T10:00:00Z,\"Title, with comma\",\"Line one\r\nLine two, "
      "\"\"quoted\"\"\",src\r\n" +
      "\r\n" + emp +
      ",fr,q-2,2021-02-02,\"Caf\xC3\xA9 \"\"au lait\"\" \xE2\x98\x95\",\"multi\nline\n\n"
      "with a blank line inside\",\r\n" +
      emp +
      ",de,q-3,2021-02-03T12:00:00+02:00,plain title,\"ends in a quote \"\"\",\"src, "
      "quoted\"";
  TaskTrace trace = run_task(stack(), stack().upload(unique_id("quoted") + ".csv", csv));
  ASSERT_EQ(trace.status(), "completed") << json::serialize(trace.task);
  expect_progress(trace.task, 3, 3, 0, static_cast<int64_t>(csv.size()));
  const std::string task_id = str(trace.task, "task_id");

  std::vector<json::object> items = list_all_events(app(), emp);
  ASSERT_EQ(items.size(), 3u);
  const json::object c1 = titled("Title, with comma", "Line one\r\nLine two, \"quoted\"");
  const json::object c2 =
      titled("Caf\xC3\xA9 \"au lait\" \xE2\x98\x95", "multi\nline\n\nwith a blank line inside");
  const json::object c3 = titled("plain title", "ends in a quote \"");
  expect_event(items[0], emp, "q-1", "2021-02-01T10:00:00Z", "en", c1, "src", task_id);
  expect_event(items[1], emp, "q-2", "2021-02-02T00:00:00Z", "fr", c2, std::nullopt, task_id);
  expect_event(items[2], emp, "q-3", "2021-02-03T10:00:00Z", "de", c3, "src, quoted", task_id);
}

// Bad rows are rejected one by one with their physical line, byte offset,
// column and code; the good rows load, the bad ones are nowhere.
TEST_F(LoadTest, RejectedRowsAreReportedAndGoodRowsLoad) {
  const std::string e = unique_id("emp-rej");
  const std::string csv = "employee_external_id,language,external_id,timestamp,course_id,source\n" +
                          e + ",en,good-1,2021-01-01T00:00:00Z,course-1,src-1\n" +         // 2
                          e + ",en,bad-ts,yesterday,course-2,src-2\n" +                    // 3
                          e + ",xx,bad-lang,2021-01-02T00:00:00Z,course-3,src-3\n" +       // 4
                          e + ",en,bad-count,2021-01-02T00:00:00Z,course-4\n" +            // 5
                          e + ",en,good-2,2021-01-03,course-5,\"multi\nline source\"\n" +  // 6-7
                          e + ",en,bad-ts-2,2021-13-01T00:00:00Z,course-6,src-6\n" +       // 8
                          e + ",en,good-3,2021-01-04T02:00:00+02:00,course-7,\n";          // 9
  TaskTrace trace = run_task(stack(), stack().upload(unique_id("rejected") + ".csv", csv));
  ASSERT_EQ(trace.status(), "completed_with_errors") << json::serialize(trace.task);
  expect_progress(trace.task, 7, 3, 4, static_cast<int64_t>(csv.size()));
  EXPECT_TRUE(is_null(trace.task, "error"));
  const std::string task_id = str(trace.task, "task_id");

  struct Expected {
    int64_t line;
    std::string prefix;
    std::optional<std::string> column;
    std::string code;
  };
  const std::vector<Expected> expected = {
      {3, e + ",en,bad-ts,", "timestamp", "invalid_timestamp"},
      {4, e + ",xx,bad-lang,", "language", "invalid_language"},
      {5, e + ",en,bad-count,", std::nullopt, "wrong_field_count"},
      {8, e + ",en,bad-ts-2,", "timestamp", "invalid_timestamp"},
  };
  const json::array& errors = as_array(trace.task.at("row_errors"));
  ASSERT_EQ(errors.size(), expected.size()) << json::serialize(errors);
  for (size_t i = 0; i < expected.size(); ++i) {
    const json::object& re = as_object(errors[i]);
    SCOPED_TRACE(json::serialize(re));
    EXPECT_EQ(num(re, "line"), expected[i].line);
    EXPECT_EQ(num(re, "byte_offset"), static_cast<int64_t>(line_offset(csv, expected[i].prefix)));
    if (expected[i].column) {
      EXPECT_EQ(str(re, "column"), *expected[i].column);
    } else {
      EXPECT_TRUE(is_null(re, "column"));
    }
    EXPECT_EQ(str(re, "code"), expected[i].code);
    EXPECT_FALSE(str(re, "message").empty());
  }

  std::vector<json::object> items = list_all_events(app(), e);
  ASSERT_EQ(items.size(), 3u);
  expect_event(items[0], e, "good-1", "2021-01-01T00:00:00Z", "en",
               parse(R"({"course_id":"course-1"})"), "src-1", task_id);
  expect_event(items[1], e, "good-2", "2021-01-03T00:00:00Z", "en",
               parse(R"({"course_id":"course-5"})"), "multi\nline source", task_id);
  expect_event(items[2], e, "good-3", "2021-01-04T00:00:00Z", "en",
               parse(R"({"course_id":"course-7"})"), std::nullopt, task_id);
  for (const char* bad : {"bad-ts", "bad-lang", "bad-count", "bad-ts-2"}) {
    EXPECT_EQ(app().get("/employees/" + e + "/skill_events/" + bad).status, 404) << bad;
  }
}

// A header without a required column fails the task before anything loads.
TEST_F(LoadTest, MissingColumnFailsTheTaskAndLoadsNothing) {
  const std::string e = unique_id("emp-missing");
  const std::string csv = "employee_external_id,language,external_id,course_id,source\n" + e +
                          ",en,m-1,course-1,src\n" + e + ",en,m-2,course-2,src\n";
  TaskTrace trace = run_task(stack(), stack().upload(unique_id("missing") + ".csv", csv));
  ASSERT_EQ(trace.status(), "failed") << json::serialize(trace.task);
  const json::object& error = obj(trace.task, "error");
  EXPECT_EQ(str(error, "code"), "missing_columns");
  EXPECT_NE(str(error, "message").find("timestamp"), std::string::npos) << str(error, "message");
  EXPECT_EQ(num(obj(trace.task, "progress"), "rows_loaded"), 0);
  EXPECT_TRUE(list_all_events(app(), e).empty());
  EXPECT_EQ(app().get("/employees/" + e + "/skill_events/m-1").status, 404);
}

// An event written through the API and then by a task is one event: the task
// becomes its writer, its content is the file's, its created_at is kept.
TEST_F(LoadTest, TaskOverwritesAnApiEventAndKeepsCreatedAt) {
  const std::string e = unique_id("emp-upsert");
  ApiResponse posted =
      app().post("/employees/" + e + "/skill_events?language=nl",
                 R"({"external_id": "u-1", "event_type": "learning", "timestamp": "2020-05-05",
          "content": {"course_id": "from-api"}, "source": "api"})");
  ASSERT_EQ(posted.status, 201) << posted.body;
  const json::value posted_json = posted.json();
  const json::object& before = as_object(posted_json);
  expect_event(before, e, "u-1", "2020-05-05T00:00:00Z", "nl", parse(R"({"course_id":"from-api"})"),
               "api", std::nullopt);

  const std::string csv = "external_id,employee_external_id,timestamp,language,course_id\n" +
                          std::string("u-1,") + e + ",2020-06-06T00:00:00Z,en,from-task-old\n" +
                          "u-1," + e + ",2020-06-07T00:00:00Z,en,from-task\n";
  TaskTrace trace = run_task(stack(), stack().upload(unique_id("upsert") + ".csv", csv));
  ASSERT_EQ(trace.status(), "completed") << json::serialize(trace.task);
  const std::string task_id = str(trace.task, "task_id");

  std::vector<json::object> items = list_all_events(app(), e);
  ASSERT_EQ(items.size(), 1u) << "an upsert must never duplicate";
  // The later row of the file wins; the absent source column leaves no source.
  expect_event(items[0], e, "u-1", "2020-06-07T00:00:00Z", "en",
               parse(R"({"course_id":"from-task"})"), std::nullopt, task_id);
  EXPECT_EQ(str(items[0], "created_at"), str(before, "created_at"));
  EXPECT_NE(str(items[0], "updated_at"), str(before, "updated_at"));
}

}  // namespace
}  // namespace skillsync::it
