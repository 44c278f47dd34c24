// S3 failures fail the task with S3's own error code, and load nothing.
#include <gtest/gtest.h>

#include "integration/it_env.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;

class S3ErrorsTest : public StackTest<S3ErrorsTest> {};

struct Case {
  std::string name;
  std::string uri;
  std::string access_key_id;
  std::string secret;
  std::string expected_code;
};

TEST_F(S3ErrorsTest, S3FailuresFailTheTaskWithS3sCode) {
  const std::string e = unique_id("emp-s3err");
  const std::string csv = "employee_external_id,language,external_id,timestamp,course_id\n" + e +
                          ",en,s-1,2021-01-01T00:00:00Z,course-1\n";
  const std::string uri = stack().upload(unique_id("exists") + ".csv", csv);
  const auto& s3 = stack().s3();
  const std::vector<Case> cases = {
      {"wrong secret", uri, s3.access_key_id(), "wrong" + s3.secret_access_key(),
       "SignatureDoesNotMatch"},
      {"unknown key id", uri, "AKIA" + random_token(16), s3.secret_access_key(),
       "InvalidAccessKeyId"},
      {"missing key", stack().uri(unique_id("absent") + ".csv"), s3.access_key_id(),
       s3.secret_access_key(), "NoSuchKey"},
      {"missing bucket", "s3://" + unique_id("no-such-bucket") + "/a.csv", s3.access_key_id(),
       s3.secret_access_key(), "NoSuchBucket"},
  };
  // Submitted together: the two workers run them side by side.
  std::vector<std::string> task_ids;
  for (const Case& c : cases) {
    // By default the POST checks access first (a HEAD) and refuses the task.
    ApiResponse refused = app().post_task(c.uri, c.access_key_id, c.secret);
    ASSERT_EQ(refused.status, 422) << c.name << ": " << refused.body;
    const json::value refusal = refused.json();
    const auto& details = as_array(obj(as_object(refusal), "error").at("details"));
    ASSERT_EQ(details.size(), 1u) << refused.body;
    EXPECT_EQ(str(as_object(details[0]), "field"), "uri");
    EXPECT_FALSE(str(as_object(details[0]), "code").empty());
    // With the check off, the worker meets the same failure and names S3's code.
    ApiResponse r = app().post_task(c.uri, c.access_key_id, c.secret, std::nullopt, false);
    ASSERT_EQ(r.status, 201) << c.name << ": " << r.body;
    task_ids.push_back(str(as_object(r.json()), "task_id"));
  }
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].name);
    TaskTrace trace = app().wait_for_task(task_ids[i]);
    ASSERT_FALSE(trace.timed_out) << json::serialize(trace.task);
    EXPECT_EQ(trace.status(), "failed") << json::serialize(trace.task);
    const json::object& error = obj(trace.task, "error");
    EXPECT_EQ(str(error, "code"), cases[i].expected_code) << json::serialize(error);
    EXPECT_FALSE(str(error, "message").empty());
    const json::object& progress = obj(trace.task, "progress");
    EXPECT_EQ(num(progress, "rows_read"), 0);
    EXPECT_EQ(num(progress, "rows_loaded"), 0);
    EXPECT_TRUE(as_array(trace.task.at("row_errors")).empty());
  }
  EXPECT_TRUE(list_all_events(app(), e).empty());

  // The same file with the right credentials loads: the failures above were
  // the credentials' and the names', not the file's.
  TaskTrace good = run_task(stack(), uri);
  EXPECT_EQ(good.status(), "completed") << json::serialize(good.task);
  EXPECT_EQ(list_all_events(app(), e).size(), 1u);
}

}  // namespace
}  // namespace skillsync::it
