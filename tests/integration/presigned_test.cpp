// method "s3_presigned_url" end to end: a URL presigned for the real S3
// server is loaded by the real binary, and its query (the signature) never
// shows up in an answer, the task list, the server log or the database.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/time.hpp"
#include "integration/it_env.hpp"
#include "source/s3/s3.hpp"
#include "support/process.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;

class PresignedTest : public StackTest<PresignedTest> {
 protected:
  std::string presign(const std::string& key, std::chrono::seconds expires, Micros at) {
    source::s3::ClientConfig config;
    config.endpoint = stack().s3().endpoint();
    source::s3::Credentials creds{
        stack().s3().access_key_id(), SecretString(stack().s3().secret_access_key()), {}};
    auto url = source::s3::presign_get(config, {stack().bucket(), key}, creds, expires, at);
    EXPECT_TRUE(url.ok()) << url.error().message;
    return url.ok() ? *url : "";
  }
  ApiResponse post(const std::string& url, std::optional<bool> validate_access = std::nullopt) {
    json::object body{{"entity_type", "learning"}, {"method", "s3_presigned_url"}, {"uri", url}};
    if (validate_access) body["options"] = json::object{{"validate_access", *validate_access}};
    return app().post("/integrations/file-load-tasks", json::serialize(body));
  }
  std::string redacted(const std::string& key) const {
    return stack_endpoint_ + "/" + bucket_ + "/" + key;
  }
  void SetUp() override {
    StackTest<PresignedTest>::SetUp();
    stack_endpoint_ = stack().s3().endpoint();
    bucket_ = stack().bucket();
  }
  std::string stack_endpoint_;
  std::string bucket_;
};

const std::string kHeader = "employee_external_id,language,external_id,timestamp,course_id\n";

// The bytes of every SQLite file in `dir` (database, WAL, journal).
std::string database_bytes(const std::string& dir) {
  std::string all;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".db") != std::string::npos) all += testsupport::read_file(entry.path().string());
  }
  return all;
}

TEST_F(PresignedTest, LoadsThroughTheUrlAndNeverShowsItsQuery) {
  const std::string e = unique_id("emp-presigned");
  const std::string key = unique_id("presigned") + ".csv";
  const std::string csv = kHeader + e + ",en,x1,2021-01-01,c1\n" + e + ",en,x2,not-a-date,c2\n" +
                          e + ",en,x3,2021-01-03,c3\n";
  stack().upload(key, csv);
  const std::string url = presign(key, std::chrono::hours(1), SystemClock::instance().now());
  const size_t q = url.find('?');
  ASSERT_NE(q, std::string::npos);
  const std::string query = url.substr(q + 1);
  const std::string signature = url.substr(url.find("X-Amz-Signature=") + 16, 64);
  ASSERT_EQ(signature.size(), 64u);

  ApiResponse created = post(url);
  ASSERT_EQ(created.status, 201) << created.body;
  const json::value created_json = created.json();
  const json::object& task = as_object(created_json);
  EXPECT_EQ(str(task, "method"), "s3_presigned_url");
  EXPECT_EQ(str(task, "uri"), redacted(key));
  TaskTrace trace = app().wait_for_task(str(task, "task_id"));
  ASSERT_EQ(trace.status(), "completed_with_errors") << json::serialize(trace.task);
  const json::object& p = obj(trace.task, "progress");
  EXPECT_EQ(num(p, "rows_loaded"), 2);
  EXPECT_EQ(num(p, "rows_rejected"), 1);
  EXPECT_EQ(num(p, "bytes_total"), static_cast<int64_t>(csv.size()));
  EXPECT_EQ(list_all_events(app(), e).size(), 2u);
  const json::object& row_error = as_object(as_array(trace.task.at("row_errors")).at(0));
  EXPECT_FALSE(row_error.contains("file")) << "only prefix loads name files";

  // Every place the task shows up.
  ASSERT_EQ(app().get("/integrations/file-load-tasks").status, 200);
  ASSERT_EQ(app().get("/integrations/file-load-tasks/" + str(task, "task_id") + "/errors").status,
            200);
  const std::string log = app().log();
  const std::string db = database_bytes(app().data_dir());
  EXPECT_NE(log.find(str(task, "task_id")), std::string::npos) << "the log records the task";
  for (const std::string& secret : {signature, query}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << "the URL's query is in the server log";
    EXPECT_EQ(db.find(secret), std::string::npos) << "the URL's query is in the database";
    for (const std::string& body : app().seen_bodies()) {
      EXPECT_EQ(body.find(secret), std::string::npos) << "the URL's query is in " << body;
    }
  }
}

TEST_F(PresignedTest, AnExpiredUrlIsRefusedWithS3sCode) {
  const std::string key = unique_id("expired") + ".csv";
  stack().upload(key, kHeader);
  const Micros an_hour_ago = SystemClock::instance().now() - 3600LL * 1000000;
  const std::string url = presign(key, std::chrono::seconds(60), an_hour_ago);
  const std::string signature = url.substr(url.find("X-Amz-Signature=") + 16, 64);

  ApiResponse refused = post(url);
  ASSERT_EQ(refused.status, 422) << refused.body;
  const json::value refused_json = refused.json();
  const json::object& detail =
      as_object(as_array(obj(as_object(refused_json), "error").at("details")).at(0));
  EXPECT_EQ(str(detail, "field"), "uri");
  EXPECT_EQ(str(detail, "code"), "AccessDenied");
  EXPECT_NE(str(detail, "message").find("Request has expired"), std::string::npos) << refused.body;
  EXPECT_EQ(refused.body.find(signature), std::string::npos) << refused.body;

  // Without the check, the load itself fails with the same code.
  ApiResponse created = post(url, false);
  ASSERT_EQ(created.status, 201) << created.body;
  TaskTrace trace = app().wait_for_task(str(as_object(created.json()), "task_id"));
  ASSERT_EQ(trace.status(), "failed") << json::serialize(trace.task);
  EXPECT_EQ(str(obj(trace.task, "error"), "code"), "AccessDenied");
  EXPECT_EQ(app().log().find(signature), std::string::npos);
}

TEST_F(PresignedTest, CredentialsAndForeignHostsAreRefused) {
  const std::string key = unique_id("foreign") + ".csv";
  const std::string url = presign(key, std::chrono::hours(1), SystemClock::instance().now());
  json::object body{{"entity_type", "learning"},
                    {"method", "s3_presigned_url"},
                    {"uri", url},
                    {"credentials", json::object{{"aws_access_key_id", "AKIAX"},
                                                 {"aws_secret_access_key",
                                                  "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}}}};
  ApiResponse with_creds = app().post("/integrations/file-load-tasks", json::serialize(body));
  ASSERT_EQ(with_creds.status, 422) << with_creds.body;
  EXPECT_NE(with_creds.body.find("not_allowed"), std::string::npos) << with_creds.body;

  // Not the configured endpoint: refused even without the access check.
  const std::string elsewhere =
      "http://127.0.0.2:" + std::to_string(stack().s3().port()) + url.substr(url.find('/', 7));
  ApiResponse foreign = post(elsewhere, false);
  ASSERT_EQ(foreign.status, 422) << foreign.body;
  EXPECT_NE(foreign.body.find("invalid_presigned_url"), std::string::npos) << foreign.body;
}

}  // namespace
}  // namespace skillsync::it
