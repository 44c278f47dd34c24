// One load followed across processes (issue 15): an API process
// (`serve --no-workers`) and a `skillsync worker` share a throwaway
// PostgreSQL; both log JSON lines. The trace id of the POST's W3C
// traceparent is on the API's request line, stored with the task, and on
// the worker's lines about that task; the worker's health listener serves
// its metrics (the rows it loaded) and the API's /metrics reads the task
// counts of the shared store.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <fstream>
#include <regex>
#include <sstream>

#include "common/crypto.hpp"
#include "common/secret.hpp"
#include "source/s3/s3.hpp"
#include "support/http_client.hpp"
#include "support/postgres_server.hpp"
#include "support/process.hpp"
#include "support/s3rver.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;
using testsupport::ChildProcess;

constexpr int kRows = 120;
const std::string kTraceId = "0af7651916cd43dd8448eb211c80319c";

// The JSON lines of a log whose message contains `needle`.
std::vector<json::object> lines_with(const std::string& log, const std::string& needle) {
  std::vector<json::object> out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    boost::system::error_code ec;
    auto v = json::parse(line, ec);
    if (ec || !v.is_object()) continue;
    const auto* m = v.as_object().if_contains("message");
    if (m != nullptr && m->is_string() && m->as_string().find(needle) != json::string::npos) {
      out.push_back(v.as_object());
    }
  }
  return out;
}

std::string field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
}

class TracingAcrossProcesses : public ::testing::Test {
 protected:
  void SetUp() override {
    store_url_ = testsupport::PostgresServer::instance().create_database();
    s3_ = std::make_unique<testsupport::S3rverProcess>(
        testsupport::S3rverOptions{{"traced"}, "", false});
    master_key_ = dir_.file("master.key");
    std::ofstream(master_key_, std::ios::binary) << crypto::random_bytes(32);
    ::chmod(master_key_.c_str(), 0600);
    api_key_ = "it_" + crypto::hex(crypto::random_bytes(16));
  }

  // Starts `skillsync <command>` with JSON logs; returns its base URL ("" on failure).
  std::string start(const std::string& command, std::unique_ptr<ChildProcess>& process) {
    std::vector<std::string> argv = {SKILLSYNC_BINARY,    command,        "--store",
                                     store_url_,          "--data-dir",   dir_.file(command),
                                     "--master-key-file", master_key_,    "--s3-endpoint",
                                     s3_->endpoint(),     "--log-format", "json"};
    std::regex announced;
    if (command == "serve") {
      argv.insert(argv.end(), {"--no-workers", "--listen", "127.0.0.1:0"});
      announced = std::regex(R"(listening on http://(127\.0\.0\.1:\d+))");
    } else {
      argv.insert(argv.end(), {"--health-listen", "127.0.0.1:0"});
      announced = std::regex(R"(health on http://(127\.0\.0\.1:\d+)/healthz)");
    }
    process = std::make_unique<ChildProcess>(
        argv, std::map<std::string, std::string>{{"SKILLSYNC_BOOTSTRAP_API_KEY", api_key_}},
        dir_.path(), command);
    std::smatch m;
    std::string log;
    testsupport::wait_until(
        [&] {
          log = testsupport::read_file(process->stderr_path());
          return std::regex_search(log, m, announced) || !process->running();
        },
        std::chrono::seconds(20));
    if (!std::regex_search(log, m, announced)) {
      ADD_FAILURE() << command << " did not start; its log:\n" << log;
      return "";
    }
    return "http://" + m[1].str();
  }

  std::string upload() {
    source::s3::ClientConfig config;
    config.endpoint = s3_->endpoint();
    source::s3::S3Client client(
        config, {s3_->access_key_id(), SecretString(s3_->secret_access_key()), SecretString("")});
    std::string csv = "employee_external_id,language,external_id,timestamp,course_id\n";
    for (int i = 0; i < kRows; ++i) {
      csv +=
          "emp-t,en,t-" + std::to_string(i) + ",2021-01-01T00:00:00Z,c-" + std::to_string(i) + "\n";
    }
    EXPECT_TRUE(client.put_object({"traced", "traced.csv"}, csv).ok());
    return "s3://traced/traced.csv";
  }

  testsupport::TempDir dir_;
  std::string store_url_;
  std::unique_ptr<testsupport::S3rverProcess> s3_;
  std::string master_key_;
  std::string api_key_;
};

TEST_F(TracingAcrossProcesses, ATraceIdFollowsALoadFromTheApiProcessToTheWorker) {
  const std::string uri = upload();
  std::unique_ptr<ChildProcess> api, worker;
  const std::string api_url = start("serve", api);
  const std::string worker_url = start("worker", worker);
  ASSERT_FALSE(api_url.empty() || worker_url.empty());

  json::object creds{{"aws_access_key_id", s3_->access_key_id()},
                     {"aws_secret_access_key", s3_->secret_access_key()}};
  json::object body{
      {"entity_type", "learning"}, {"method", "s3_iam_user"}, {"uri", uri}, {"credentials", creds}};
  const std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + api_key_}};
  std::map<std::string, std::string> headers = auth;
  headers["Content-Type"] = "application/json";
  headers["traceparent"] = "00-" + kTraceId + "-b7ad6b7169203331-01";
  auto created = testsupport::request("POST", api_url + "/integrations/file-load-tasks", headers,
                                      json::serialize(body));
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string request_id = created.headers["x-request-id"];
  const json::object task = json::parse(created.body).as_object();
  EXPECT_EQ(field(task, "trace_id"), kTraceId);
  const std::string id = field(task, "task_id");

  json::object last;
  ASSERT_TRUE(testsupport::wait_until(
      [&] {
        auto r = testsupport::request("GET", api_url + "/integrations/file-load-tasks/" + id, auth);
        if (r.status != 200) return false;
        last = json::parse(r.body).as_object();
        return field(last, "status") == "completed" || field(last, "status") == "failed";
      },
      std::chrono::seconds(60), std::chrono::milliseconds(100)));
  EXPECT_EQ(field(last, "status"), "completed") << json::serialize(last);

  // The API process: the request line, with the request id and the trace id.
  auto posted = lines_with(testsupport::read_file(api->stderr_path()),
                           "POST /integrations/file-load-tasks 201");
  ASSERT_EQ(posted.size(), 1u);
  EXPECT_EQ(field(posted[0], "trace_id"), kTraceId);
  EXPECT_EQ(field(posted[0], "request_id"), request_id);
  // The worker: every line about the task carries its trace id.
  const std::string worker_log = testsupport::read_file(worker->stderr_path());
  auto about = lines_with(worker_log, "task " + id);
  ASSERT_GE(about.size(), 2u) << worker_log;  // running on ..., completed
  for (const json::object& line : about) {
    EXPECT_EQ(field(line, "trace_id"), kTraceId) << json::serialize(line);
    EXPECT_EQ(field(line, "task_id"), id);
  }

  // Metrics: the worker counted the rows it loaded; both read the shared store.
  // (A worker counts a task just after it logs and records its end.)
  const std::string loaded =
      "skillsync_rows_total{outcome=\"loaded\"} " + std::to_string(kRows) + "\n";
  testsupport::HttpResponse worker_metrics;
  EXPECT_TRUE(testsupport::wait_until(
      [&] {
        worker_metrics = testsupport::request("GET", worker_url + "/metrics");
        return worker_metrics.body.find(loaded) != std::string::npos;
      },
      std::chrono::seconds(10), std::chrono::milliseconds(20)))
      << worker_metrics.body;
  auto api_metrics = testsupport::request("GET", api_url + "/metrics");
  EXPECT_NE(api_metrics.body.find("skillsync_tasks{status=\"completed\"} 1\n"), std::string::npos)
      << api_metrics.body;
  EXPECT_NE(api_metrics.body.find("skillsync_rows_total{outcome=\"loaded\"} 0\n"),
            std::string::npos)
      << "the API process loads nothing itself";
  api->kill(SIGTERM);
  worker->kill(SIGTERM);
  api->wait();
  worker->wait();
}

}  // namespace
}  // namespace skillsync::it
