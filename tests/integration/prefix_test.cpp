// Prefix tasks end to end: every object under "s3://bucket/dir/" loaded, in
// key order, as one task by the real binary from the real S3 server.
#include <gtest/gtest.h>

#include "integration/it_env.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;

class PrefixTest : public StackTest<PrefixTest> {};

const std::string kHeader = "employee_external_id,language,external_id,timestamp,course_id\n";

ApiResponse post_prefix(Stack& stack, const std::string& uri, const std::string& secret) {
  json::object body{{"entity_type", "learning"},
                    {"method", "s3_iam_user"},
                    {"uri", uri},
                    {"credentials", json::object{{"aws_access_key_id", stack.s3().access_key_id()},
                                                 {"aws_secret_access_key", secret}}}};
  return stack.app().post("/integrations/file-load-tasks", json::serialize(body));
}

std::string course_of(const json::object& event) { return str(obj(event, "content"), "course_id"); }

TEST_F(PrefixTest, LoadsEveryObjectUnderThePrefixInKeyOrder) {
  const std::string dir = unique_id("prefix");
  const std::string e = unique_id("emp-prefix");
  const std::string one =
      kHeader + e + ",en,same,2021-01-01,from-1\n" + e + ",en,p1,2021-01-01,c\n";
  const std::string two = kHeader + e + ",en,p2,2021-01-02,c\n" + e + ",en,p2-bad,not-a-date,c\n" +
                          e + ",en,p2b,2021-01-02,c\n";
  const std::string three = kHeader + e + ",en,same,2021-01-03,from-3\n";
  // Uploaded out of order; a folder marker and a neighbour outside the prefix.
  stack().upload(dir + "/part-3.csv", three);
  stack().upload(dir + "/part-1.csv", one);
  stack().upload(dir + "/", "");
  stack().upload(dir + "/part-2.csv", two);
  stack().upload(dir + ".csv", kHeader + e + ",en,outside,2021-01-01,c\n");

  ApiResponse created = stack().post_task(stack().uri(dir + "/"));
  ASSERT_EQ(created.status, 201) << created.body;
  TaskTrace trace = app().wait_for_task(str(as_object(created.json()), "task_id"));
  ASSERT_EQ(trace.status(), "completed_with_errors") << json::serialize(trace.task);
  const json::object& p = obj(trace.task, "progress");
  const int64_t total = static_cast<int64_t>(one.size() + two.size() + three.size());
  EXPECT_EQ(num(p, "bytes_total"), total);
  EXPECT_EQ(num(p, "bytes_read"), total);
  EXPECT_EQ(num(p, "rows_read"), 6);
  EXPECT_EQ(num(p, "rows_loaded"), 5);
  EXPECT_EQ(num(p, "rows_rejected"), 1);
  EXPECT_EQ(num(p, "rows_superseded"), 1);

  const json::array& errors = as_array(trace.task.at("row_errors"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(str(as_object(errors[0]), "file"), dir + "/part-2.csv");
  EXPECT_EQ(num(as_object(errors[0]), "line"), 3) << "line numbers are per file";
  EXPECT_EQ(str(as_object(errors[0]), "column"), "timestamp");

  ApiResponse report =
      app().get("/integrations/file-load-tasks/" + str(trace.task, "task_id") + "/errors");
  ASSERT_EQ(report.status, 200) << report.body;
  const json::value report_json = report.json();
  const json::array& items = as_array(as_object(report_json).at("items"));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(str(as_object(items[0]), "file"), dir + "/part-2.csv");
  EXPECT_EQ(str(as_object(items[0]), "raw"), e + ",en,p2-bad,not-a-date,c");

  std::vector<json::object> events = list_all_events(app(), e);
  ASSERT_EQ(events.size(), 4u);  // p1, p2, p2b, same; not "outside"
  for (const auto& ev : events) {
    EXPECT_NE(str(ev, "external_id"), "outside");
    if (str(ev, "external_id") == "same") {
      EXPECT_EQ(course_of(ev), "from-3") << "the later file in key order wins";
    }
  }
}

TEST_F(PrefixTest, AFileWithAnotherHeaderFailsTheTask) {
  const std::string dir = unique_id("prefix-hdr");
  const std::string e = unique_id("emp-hdr");
  stack().upload(dir + "/a.csv", kHeader + e + ",en,a1,2021-01-01,c\n");
  stack().upload(dir + "/b.csv", "employee_external_id,language,external_id,timestamp\n" + e +
                                     ",en,b1,2021-01-01\n");
  ApiResponse created = stack().post_task(stack().uri(dir + "/"));
  ASSERT_EQ(created.status, 201) << created.body;
  TaskTrace trace = app().wait_for_task(str(as_object(created.json()), "task_id"));
  ASSERT_EQ(trace.status(), "failed") << json::serialize(trace.task);
  const json::object& error = obj(trace.task, "error");
  EXPECT_EQ(str(error, "code"), "header_mismatch");
  EXPECT_EQ(str(error, "message"), "file " + dir + "/b.csv has another header than " + dir +
                                       "/a.csv: it has 4 columns, expected 5 (missing column "
                                       "'course_id')");
  EXPECT_TRUE(list_all_events(app(), e).empty()) << "nothing of a failed task is stored";
}

TEST_F(PrefixTest, AnEmptyPrefixFailsWithNoObjects) {
  const std::string dir = unique_id("prefix-empty");
  stack().upload(dir + "/", "");  // only a folder marker
  ApiResponse created = stack().post_task(stack().uri(dir + "/"));
  ASSERT_EQ(created.status, 201) << "listing works, so the access check passes: " << created.body;
  TaskTrace trace = app().wait_for_task(str(as_object(created.json()), "task_id"));
  ASSERT_EQ(trace.status(), "failed") << json::serialize(trace.task);
  EXPECT_EQ(str(obj(trace.task, "error"), "code"), "no_objects");
  EXPECT_EQ(num(obj(trace.task, "progress"), "bytes_total"), 0);
}

TEST_F(PrefixTest, TheAccessCheckListsThePrefix) {
  const std::string dir = unique_id("prefix-access");
  stack().upload(dir + "/a.csv", kHeader);
  ApiResponse wrong =
      post_prefix(stack(), stack().uri(dir + "/"), "wrong-" + stack().s3().secret_access_key());
  ASSERT_EQ(wrong.status, 422) << wrong.body;
  const json::value wrong_json = wrong.json();
  const json::object& detail =
      as_object(as_array(obj(as_object(wrong_json), "error").at("details")).at(0));
  EXPECT_EQ(str(detail, "field"), "uri");
  EXPECT_EQ(str(detail, "code"), "SignatureDoesNotMatch");

  ApiResponse missing = post_prefix(stack(), "s3://" + unique_id("no-such-bucket") + "/d/",
                                    stack().s3().secret_access_key());
  ASSERT_EQ(missing.status, 422) << missing.body;
  EXPECT_NE(missing.body.find("NoSuchBucket"), std::string::npos) << missing.body;
}

}  // namespace
}  // namespace skillsync::it
