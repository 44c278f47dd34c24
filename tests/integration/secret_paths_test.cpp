// Every task path with recognisable secrets: success, failure (bad objects,
// a wrong secret), cancel mid-load and a crash (kill -9 mid-load, restart,
// completes). Afterwards no secret (nor its base64) is in any log line of
// any skillsync process, any API answer, or the raw bytes of any file of the
// data directory (database, -wal, -shm), while the server runs and after it
// stopped.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "common/crypto.hpp"
#include "integration/it_env.hpp"
#include "source/s3/s3.hpp"
#include "support/fault_proxy.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/s3rver.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

// Standard base64 with padding, from the base64url the crypto module has.
std::string base64_std(const std::string& bytes) {
  std::string s = crypto::base64url(bytes);
  for (char& c : s) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (s.size() % 4 != 0) s += '=';
  return s;
}

// The ways a secret could be written down by mistake.
std::vector<std::string> forms_of(const std::string& secret) {
  std::string b64 = base64_std(secret);
  // Without padding too: a longer blob carries no '=' after these bytes.
  std::string unpadded = b64.substr(0, b64.find('='));
  return {secret, b64, unpadded, crypto::base64url(secret)};
}

// Every regular file under `dir`, by name, with its bytes.
std::vector<std::pair<std::string, std::string>> files_in(const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) {
      out.emplace_back(e.path().filename().string(), testsupport::read_file(e.path().string()));
    }
  }
  return out;
}

// Lines of `log` that are JSON objects.
size_t count_json_lines(const std::string& log) {
  size_t n = 0;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    boost::system::error_code ec;
    auto v = json::parse(line, ec);
    n += !ec && v.is_object() && v.as_object().contains("message");
  }
  return n;
}

class SecretPathsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testsupport::S3rverOptions s3_options;
    s3_options.buckets = {"secrets"};
    s3_options.session_token = token_;
    s3_ = std::make_unique<testsupport::S3rverProcess>(s3_options);
    // Reads past the first 64 KiB of an answer crawl, so that the cancel
    // and the crash happen in the middle of a load.
    proxy_ = std::make_unique<testsupport::FaultProxy>(s3_->port());
    proxy_->set_default(testsupport::Fault::throttle(512 * 1024, 64 * 1024));
    options_.s3_endpoint = proxy_->endpoint();
    options_.bootstrap_api_key = "sk_it_" + random_token(32);
    options_.data_dir = data_.path();
    options_.workers = 2;
    options_.env["SKILLSYNC_TASK_LEASE"] = "2";  // a killed worker's task moves on quickly
    if (json_logs()) options_.env["SKILLSYNC_LOG_FORMAT"] = "json";
    start();
  }
  // True: the server logs JSON lines (--log-format json), which carry more
  // fields (request ids, trace ids, routes) than the text lines.
  virtual bool json_logs() const { return false; }
  void every_path();
  void TearDown() override {
    if (app_) retire(/*crashed=*/false);
  }

  void start() {
    auto started = SkillsyncProcess::start(options_);
    ASSERT_TRUE(started.ok()) << started.error().message;
    app_ = std::move(*started);
  }
  // Stops (or has killed) the process and keeps its logs and answers.
  void retire(bool crashed) {
    if (crashed) {
      app_->kill9();
    } else {
      EXPECT_EQ(app_->stop(), 0) << app_->log_tail();
    }
    EXPECT_EQ(sanitizer_report(app_->log()), "") << "the server reported a bug";
    logs_.push_back(app_->log());
    logs_.push_back(app_->stdout_log());
    for (auto& b : app_->seen_bodies()) bodies_.push_back(std::move(b));
    app_.reset();
  }

  void upload(const std::string& key, std::string_view body) {
    source::s3::ClientConfig config;
    config.endpoint = s3_->endpoint();
    source::s3::S3Client client(
        config,
        {s3_->access_key_id(), SecretString(s3_->secret_access_key()), SecretString(token_)});
    ASSERT_TRUE(client.put_object({"secrets", key}, body).ok());
  }

  std::string post(const std::string& key, const std::string& secret) {
    ApiResponse r = app_->post_task("s3://secrets/" + key, s3_->access_key_id(), secret, token_,
                                    /*validate_access=*/false);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? str(as_object(r.json()), "task_id") : "";
  }

  // Reads every answer a task has: itself, its errors as JSON and CSV.
  void read_all_about(const std::string& id) {
    const std::string path = "/integrations/file-load-tasks/" + id;
    EXPECT_EQ(app_->get(path).status, 200);
    EXPECT_EQ(app_->get(path + "/errors").status, 200);
    testsupport::HttpResponse csv = testsupport::request(
        "GET", app_->base_url() + path + "/errors",
        {{"Authorization", "Bearer " + app_->api_key()}, {"Accept", "text/csv"}});
    EXPECT_EQ(csv.status, 200);
    bodies_.push_back(csv.body);
  }

  // Waits until the task is running and has read some bytes.
  void wait_until_loading(const std::string& id) {
    const bool loading = testsupport::wait_until(
        [&] {
          json::value v = app_->get("/integrations/file-load-tasks/" + id).json();
          if (!v.is_object()) return false;
          const auto& t = v.get_object();
          return str(t, "status") == "running" && num(obj(t, "progress"), "bytes_read") > 0;
        },
        20s, 20ms);
    ASSERT_TRUE(loading) << app_->log_tail();
  }

  // `running`: the server is up, so its write-ahead log must be there too.
  void expect_nowhere(const std::vector<std::string>& secrets, const std::string& when,
                      bool running = false) {
    SCOPED_TRACE(when);
    const auto files = files_in(data_.path());
    bool has_db = false;
    bool has_wal = false;
    for (const auto& [name, bytes] : files) {
      has_db |= name == "skillsync.db";
      // Right after a task ends the WAL is truncated (it may be empty).
      has_wal |= name == "skillsync.db-wal";
    }
    EXPECT_TRUE(has_db) << "the database was scanned";
    if (running) {
      EXPECT_TRUE(has_wal) << "the write-ahead log was scanned";
    }
    for (const std::string& secret : secrets) {
      ASSERT_GE(secret.size(), 16u);
      for (const std::string& form : forms_of(secret)) {
        for (const auto& [name, bytes] : files) {
          EXPECT_EQ(bytes.find(form), std::string::npos) << "a secret is in " << name;
        }
        for (const std::string& log : logs_) {
          EXPECT_EQ(log.find(form), std::string::npos) << "a secret is in a log:\n" << log;
        }
        for (const std::string& body : bodies_) {
          EXPECT_EQ(body.find(form), std::string::npos) << "a secret is in an answer: " << body;
        }
      }
    }
  }

  const std::string token_ = "SECRET-PATHS-TOKEN-" + random_token(32);
  const std::string wrong_secret_ = "SECRET-PATHS-WRONG-" + random_token(32);
  testsupport::TempDir data_{"skillsync-it-secrets-"};
  std::unique_ptr<testsupport::S3rverProcess> s3_;
  std::unique_ptr<testsupport::FaultProxy> proxy_;
  SkillsyncOptions options_;
  std::unique_ptr<SkillsyncProcess> app_;
  std::vector<std::string> logs_;
  std::vector<std::string> bodies_;
};

std::string gzip_garbage() {
  // gzip's magic and method, then bytes that are no deflate stream.
  std::string s = "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03";
  for (int i = 0; i < 200; ++i) s += static_cast<char>(0xff - i);
  return s;
}

class SecretPathsJsonLogsTest : public SecretPathsTest {
 protected:
  bool json_logs() const override { return true; }
};

TEST_F(SecretPathsTest, NoSecretSurvivesSuccessFailureCancelOrCrash) { every_path(); }

TEST_F(SecretPathsJsonLogsTest, NoSecretSurvivesSuccessFailureCancelOrCrash) {
  every_path();
  // The logs were JSON lines indeed (the crash may cut a last line short).
  size_t json_lines = 0;
  for (const auto& log : logs_) json_lines += count_json_lines(log);
  EXPECT_GT(json_lines, 20u);
}

void SecretPathsTest::every_path() {
  ASSERT_NE(app_, nullptr);
  const std::string header = "employee_external_id,language,external_id,timestamp,course_id\n";
  upload("good.csv", header + "emp-s,en,s-1,2021-01-01,c-1\nemp-s,en,s-2,not-a-time,c-2\n");
  upload("broken.csv.gz", gzip_garbage());
  std::string big = header;
  for (int i = 0; i < 40000; ++i) {
    big += "emp-big,en,row-" + std::to_string(i) + ",2021-01-01T00:00:00Z,c" +
           std::to_string(i % 97) + "\n";
  }
  upload("big.csv", big);  // about 2 MB: 4 s at the proxy's pace
  const std::string secret = s3_->secret_access_key();

  // Success (with a bad row, so the error report has content).
  const std::string ok_id = post("good.csv", secret);
  // Failures: no such object, not gzip inside, a wrong secret.
  const std::string missing_id = post("absent.csv", secret);
  const std::string broken_id = post("broken.csv.gz", secret);
  const std::string wrong_id = post("good.csv", wrong_secret_);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {ok_id, "completed_with_errors"},
      {missing_id, "failed"},
      {broken_id, "failed"},
      {wrong_id, "failed"}};
  for (const auto& [id, status] : expected) {
    TaskTrace t = app_->wait_for_task(id);
    EXPECT_EQ(t.status(), status) << json::serialize(t.task);
    read_all_about(id);
  }

  // Cancel in the middle of a load.
  const std::string cancel_id = post("big.csv", secret);
  wait_until_loading(cancel_id);
  EXPECT_EQ(app_->post("/integrations/file-load-tasks/" + cancel_id + "/cancel", "").status, 202);
  TaskTrace cancelled = app_->wait_for_task(cancel_id);
  EXPECT_EQ(cancelled.status(), "cancelled") << json::serialize(cancelled.task);
  read_all_about(cancel_id);

  // A crash in the middle of a load: the restarted server completes it.
  const std::string crash_id = post("big.csv", secret);
  wait_until_loading(crash_id);
  retire(/*crashed=*/true);
  // While nothing runs, the sealed credentials are all the database holds.
  expect_nowhere({secret, token_}, "after the crash");
  start();
  ASSERT_NE(app_, nullptr);
  TaskTrace crashed = app_->wait_for_task(crash_id, 120s);
  EXPECT_EQ(crashed.status(), "completed") << json::serialize(crashed.task);
  EXPECT_EQ(num(obj(crashed.task, "progress"), "rows_loaded"), 40000);
  EXPECT_GE(num(crashed.task, "attempts"), 2);
  read_all_about(crash_id);
  EXPECT_EQ(app_->get("/integrations/file-load-tasks?limit=100").status, 200);

  const std::vector<std::string> secrets = {secret, token_, wrong_secret_,
                                            *options_.bootstrap_api_key};
  // The server is running: the database, its -wal and -shm as they are now.
  logs_.push_back(app_->log());
  expect_nowhere(secrets, "while the server runs", /*running=*/true);
  logs_.pop_back();
  retire(/*crashed=*/false);
  expect_nowhere(secrets, "after the server stopped");

  // The checks above looked at real material: the logs name the tasks and
  // the answers include the error report of the bad row.
  std::string all_logs;
  for (const auto& l : logs_) all_logs += l;
  for (const std::string& id : {ok_id, wrong_id, cancel_id, crash_id}) {
    EXPECT_NE(all_logs.find(id), std::string::npos) << id;
  }
  bool saw_report = false;
  for (const auto& b : bodies_) saw_report |= b.find("not-a-time") != std::string::npos;
  EXPECT_TRUE(saw_report);
}

}  // namespace
}  // namespace skillsync::it
