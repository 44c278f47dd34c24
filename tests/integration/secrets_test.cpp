// Credentials end to end: session tokens reach S3, and no secret ever shows
// up in a log line, an API answer or the database file. Also the first
// start's generated API key.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <sstream>

#include "integration/it_env.hpp"
#include "support/process.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;

const std::string kSessionToken = "IT-SESSION-TOKEN-" + random_token(24);

class SessionTokenTest : public StackTest<SessionTokenTest> {
 public:
  static StackOptions stack_options() {
    StackOptions o;
    o.session_token = kSessionToken;
    return o;
  }
};

// The same, with the server logging JSON lines (--log-format json).
class SessionTokenJsonLogsTest : public StackTest<SessionTokenJsonLogsTest> {
 public:
  static StackOptions stack_options() {
    StackOptions o = SessionTokenTest::stack_options();
    o.env["SKILLSYNC_LOG_FORMAT"] = "json";
    return o;
  }
};

size_t count_occurrences(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// The bytes of every SQLite file in `dir` (database, WAL, journal).
std::string database_bytes(const std::string& dir) {
  std::string all;
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".db") || name.ends_with(".db-wal") || name.ends_with(".db-journal")) {
      all += testsupport::read_file(entry.path().string());
      ++files;
    }
  }
  EXPECT_GT(files, 0) << "no database file in " << dir;
  return all;
}

TEST_F(SessionTokenTest, SeedWithSessionTokenCompletes) {
  const std::string csv =
      "employee_external_id,language,external_id,timestamp,course_id,source\n"
      "employee-1,en,learning-1,2021-01-01T00:00:00Z,course-1,source-1\n"
      "employee-2,en,learning-2,2021-01-01T00:00:00Z,course-2,source-2\n";
  const std::string uri = stack().upload("file-name.csv", csv);
  const auto& s3 = stack().s3();
  ApiResponse created =
      app().post_task(uri, s3.access_key_id(), s3.secret_access_key(), kSessionToken);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(str(as_object(created.json()), "status"), "pending");
  TaskTrace trace = app().wait_for_task(str(as_object(created.json()), "task_id"));
  ASSERT_EQ(trace.status(), "completed") << json::serialize(trace.task);
  EXPECT_EQ(num(obj(trace.task, "progress"), "rows_loaded"), 2);
  ApiResponse event = app().get("/employees/employee-2/skill_events/learning-2");
  ASSERT_EQ(event.status, 200) << event.body;
  EXPECT_EQ(as_object(event.json()).at("content"), json::parse(R"({"course_id":"course-2"})"));
}

TEST_F(SessionTokenTest, MissingOrWrongSessionTokenFailsWithInvalidToken) {
  const std::string e = unique_id("emp-token");
  const std::string uri =
      stack().upload(unique_id("token") + ".csv",
                     "employee_external_id,language,external_id,timestamp,course_id\n" + e +
                         ",en,t-1,2021-01-01,c-1\n");
  const auto& s3 = stack().s3();
  for (const std::optional<std::string>& token :
       {std::optional<std::string>(), std::optional<std::string>("wrong-" + kSessionToken)}) {
    SCOPED_TRACE(token ? "wrong token" : "no token");
    ApiResponse refused = app().post_task(uri, s3.access_key_id(), s3.secret_access_key(), token);
    EXPECT_EQ(refused.status, 422) << "the POST-time access check refuses it: " << refused.body;
    ApiResponse created =
        app().post_task(uri, s3.access_key_id(), s3.secret_access_key(), token, false);
    ASSERT_EQ(created.status, 201) << created.body;
    TaskTrace trace = app().wait_for_task(str(as_object(created.json()), "task_id"));
    ASSERT_EQ(trace.status(), "failed") << json::serialize(trace.task);
    EXPECT_EQ(str(obj(trace.task, "error"), "code"), "InvalidToken") << json::serialize(trace.task);
  }
  EXPECT_TRUE(list_all_events(app(), e).empty());
}

void expect_no_secret_leaks(Stack& stack);

TEST_F(SessionTokenTest, SecretsNeverLeakToLogsAnswersOrTheDatabase) {
  expect_no_secret_leaks(stack());
}

TEST_F(SessionTokenJsonLogsTest, SecretsNeverLeakToLogsAnswersOrTheDatabase) {
  expect_no_secret_leaks(stack());
  // Every line of the log is a JSON object.
  std::istringstream lines(app().log());
  size_t n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    boost::system::error_code ec;
    auto v = json::parse(line, ec);
    EXPECT_TRUE(!ec && v.is_object()) << line;
  }
  EXPECT_GT(n, 10u);
}

void expect_no_secret_leaks(Stack& stack) {
  SkillsyncProcess& app = stack.app();
  const auto& s3 = stack.s3();
  const std::string e = unique_id("emp-secret");
  const std::string good =
      stack.upload(unique_id("secret") + ".csv",
                   "employee_external_id,language,external_id,timestamp,course_id\n" + e +
                       ",en,s-1,2021-01-01,c-1\n" + e + ",en,s-2,not-a-time,c-2\n");
  const std::string wrong_secret = "IT-WRONG-SECRET-" + random_token(24);

  std::vector<std::string> task_ids;
  auto submit = [&](const std::string& uri, const std::string& secret) {
    // validate_access off: the bad secret must travel the whole task path.
    ApiResponse r = app.post_task(uri, s3.access_key_id(), secret, kSessionToken, false);
    ASSERT_EQ(r.status, 201) << r.body;
    task_ids.push_back(str(as_object(r.json()), "task_id"));
  };
  submit(good, s3.secret_access_key());                                     // completes, 1 bad row
  submit(good, wrong_secret);                                               // SignatureDoesNotMatch
  submit(stack.uri(unique_id("absent") + ".csv"), s3.secret_access_key());  // NoSuchKey
  std::vector<std::string> expected = {"completed_with_errors", "failed", "failed"};
  for (size_t i = 0; i < task_ids.size(); ++i) {
    TaskTrace trace = app.wait_for_task(task_ids[i]);
    EXPECT_EQ(trace.status(), expected[i]) << json::serialize(trace.task);
  }
  // A refused body that carries the secrets must not echo them either.
  json::object credentials;
  credentials["aws_access_key_id"] = s3.access_key_id();
  credentials["aws_secret_access_key"] = s3.secret_access_key();
  credentials["aws_session_token"] = kSessionToken;
  json::object body;
  body["entity_type"] = "learning";
  body["method"] = "s3_iam_user";
  body["uri"] = "not-a-uri";
  body["credentials"] = std::move(credentials);
  ApiResponse refused = app.post("/integrations/file-load-tasks", json::serialize(body));
  EXPECT_EQ(refused.status, 422) << refused.body;

  const std::vector<std::string> secrets = {s3.secret_access_key(), wrong_secret, kSessionToken,
                                            app.api_key()};
  const std::string log = app.log();
  const std::string db = database_bytes(app.data_dir());
  const std::vector<std::string> bodies = app.seen_bodies();
  ASSERT_GE(bodies.size(), 7u);  // 3 tasks created, each polled, 1 refused
  for (const std::string& secret : secrets) {
    ASSERT_GE(secret.size(), 16u);
    EXPECT_EQ(log.find(secret), std::string::npos) << "a secret is in the server log";
    EXPECT_EQ(db.find(secret), std::string::npos) << "a secret is in the database file";
    for (const std::string& body : bodies) {
      EXPECT_EQ(body.find(secret), std::string::npos) << "a secret is in an answer: " << body;
    }
  }
  // The log does record the tasks (so the check above looked at real lines).
  for (const std::string& id : task_ids) EXPECT_NE(log.find(id), std::string::npos) << id;
}

// First start without SKILLSYNC_BOOTSTRAP_API_KEY: a key is generated, shown
// once, kept in a 0600 file, and is the same key after a restart.
TEST(FirstStartTest, GeneratedApiKeyIsWrittenOnceAndWorks) {
  testsupport::TempDir data("skillsync-it-first-");
  SkillsyncOptions options;
  options.s3_endpoint = "http://127.0.0.1:9";  // no task runs here
  options.data_dir = data.path();
  auto first = SkillsyncProcess::start(options);
  ASSERT_TRUE(first.ok()) << first.error().message;
  SkillsyncProcess& app = **first;

  const std::string key_file = data.file("initial-api-key");
  struct stat st {};
  ASSERT_EQ(::stat(key_file.c_str(), &st), 0) << key_file;
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string key = app.api_key();
  ASSERT_GE(key.size(), 20u) << "the key file holds '" << key << "'";
  EXPECT_EQ(key.find_first_of(" \t\r\n"), std::string::npos);

  const std::string employee = unique_id("emp-first");
  EXPECT_EQ(app.get("/employees/" + employee + "/skill_events").status, 200);
  EXPECT_EQ(app.request("GET", "/employees/" + employee + "/skill_events", "",
                        "Bearer " + key.substr(0, key.size() - 1))
                .status,
            401);
  EXPECT_LE(count_occurrences(app.log(), key), 1u) << app.log();
  EXPECT_EQ(database_bytes(data.path()).find(key), std::string::npos) << "keys are stored hashed";
  EXPECT_EQ(app.stop(), 0) << app.log_tail();
  EXPECT_EQ(sanitizer_report(app.log()), "");

  // A restart keeps the key and neither prints nor rewrites it.
  auto second = SkillsyncProcess::start(options);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ((*second)->api_key(), key);
  EXPECT_EQ((*second)->get("/employees/" + employee + "/skill_events").status, 200);
  EXPECT_EQ((*second)->log().find(key), std::string::npos) << (*second)->log();
  EXPECT_EQ((*second)->stop(), 0) << (*second)->log_tail();
  EXPECT_EQ(sanitizer_report((*second)->log()), "");
}

}  // namespace
}  // namespace skillsync::it
