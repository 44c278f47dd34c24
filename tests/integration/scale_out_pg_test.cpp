// Scale-out on PostgreSQL (issue 7): two API processes (`serve --no-workers`)
// and two `skillsync worker` processes share one throwaway PostgreSQL 15 and
// one master key. Eight tasks are created through both APIs at once; one
// worker is killed with SIGKILL in the middle of a task. Every task must end
// `completed` exactly once with exactly its file's rows, whichever process
// ran it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto.hpp"
#include "common/secret.hpp"
#include "source/s3/s3.hpp"
#include "support/fault_proxy.hpp"
#include "support/http_client.hpp"
#include "support/postgres_server.hpp"
#include "support/process.hpp"
#include "support/s3rver.hpp"

namespace skillsync::it {
namespace {

namespace json = boost::json;
using testsupport::ChildProcess;
using testsupport::TempDir;

constexpr int kTasks = 8;
constexpr int kRowsPerFile = 40000;

// One skillsync process of the deployment and the address it announced.
struct Node {
  std::unique_ptr<ChildProcess> process;
  std::string base_url;  // "http://127.0.0.1:N": the API, or the worker's health endpoint
};

std::string learning_csv(int file) {
  std::string csv = "employee_external_id,language,external_id,timestamp,course_id,source\n";
  csv.reserve(static_cast<size_t>(kRowsPerFile) * 70);
  for (int i = 0; i < kRowsPerFile; ++i) {
    csv += "emp-" + std::to_string(file) + "-" + std::to_string(i % 500) + ",en,l-" +
           std::to_string(i) + ",2021-01-01T00:00:00Z,course-" + std::to_string(i) + ",src\n";
  }
  return csv;
}

class ScaleOut : public ::testing::Test {
 protected:
  void SetUp() override {
    store_url_ = testsupport::PostgresServer::instance().create_database();
    db_ = store_url_.substr(store_url_.rfind('/') + 1);
    s3_ = std::make_unique<testsupport::S3rverProcess>(
        testsupport::S3rverOptions{{"scale-out"}, "", true});
    // The processes read S3 through a proxy throttled to 500 kB/s per
    // connection: a file (2.3 MB) takes seconds, so a worker can be killed
    // between two of its task's checkpoints (uploads go straight to S3).
    proxy_ = std::make_unique<testsupport::FaultProxy>(s3_->port());
    proxy_->set_default(testsupport::Fault::throttle(500 * 1000));
    // One master key for every process: whichever worker runs a task must
    // open the credentials an API process sealed.
    master_key_ = dir_.file("master.key");
    std::ofstream(master_key_, std::ios::binary) << crypto::random_bytes(32);
    ::chmod(master_key_.c_str(), 0600);  // skillsync refuses a key others can read
    api_key_ = "it_" + crypto::hex(crypto::random_bytes(16));
  }

  // Starts `skillsync <command> ...` and waits for the line that names its
  // address; `name` keeps each process's logs apart.
  Node start(const std::string& command, const std::string& name) {
    std::vector<std::string> argv = {SKILLSYNC_BINARY,    command,      "--store",
                                     store_url_,          "--data-dir", dir_.file(name),
                                     "--master-key-file", master_key_,  "--s3-endpoint",
                                     proxy_->endpoint(),  "--workers",  "2"};
    std::regex announced;
    if (command == "serve") {
      argv.insert(argv.end(), {"--no-workers", "--listen", "127.0.0.1:0"});
      announced = std::regex(R"(listening on http://(127\.0\.0\.1:\d+))");
    } else {
      argv.insert(argv.end(), {"--health-listen", "127.0.0.1:0"});
      announced = std::regex(R"(health on http://(127\.0\.0\.1:\d+)/healthz)");
    }
    Node node;
    node.process = std::make_unique<ChildProcess>(
        argv,
        std::map<std::string, std::string>{{"SKILLSYNC_BOOTSTRAP_API_KEY", api_key_},
                                           // A killed worker's task is taken over quickly.
                                           {"SKILLSYNC_TASK_LEASE", "3"}},
        dir_.path(), name);
    const std::string log_path = node.process->stderr_path();
    std::smatch m;
    std::string log;
    const bool up = testsupport::wait_until(
        [&] {
          log = testsupport::read_file(log_path);
          return std::regex_search(log, m, announced) || !node.process->running();
        },
        std::chrono::seconds(20));
    if (!up || !std::regex_search(log, m, announced)) {
      ADD_FAILURE() << name << " did not start; its log:\n" << log;
      return node;
    }
    node.base_url = "http://" + m[1].str();
    return node;
  }

  testsupport::HttpResponse call(const Node& api, const std::string& method,
                                 const std::string& path, const std::string& body = "") {
    return testsupport::request(
        method, api.base_url + path,
        {{"Authorization", "Bearer " + api_key_}, {"Content-Type", "application/json"}}, body);
  }

  std::string upload(int file) {
    source::s3::ClientConfig config;
    config.endpoint = s3_->endpoint();
    source::s3::Credentials creds{s3_->access_key_id(), SecretString(s3_->secret_access_key()),
                                  SecretString("")};
    source::s3::S3Client client(config, creds);
    const std::string key = "part-" + std::to_string(file) + ".csv";
    Status s = client.put_object({"scale-out", key}, learning_csv(file));
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return "s3://scale-out/" + key;
  }

  std::string task_body(const std::string& uri) {
    json::object creds{{"aws_access_key_id", s3_->access_key_id()},
                       {"aws_secret_access_key", s3_->secret_access_key()}};
    return json::serialize(json::object{{"entity_type", "learning"},
                                        {"method", "s3_iam_user"},
                                        {"uri", uri},
                                        {"credentials", creds}});
  }

  std::string sql(const std::string& statement) {
    return testsupport::PostgresServer::instance().exec(db_, statement);
  }

  TempDir dir_;
  std::string db_;
  std::string store_url_;
  std::unique_ptr<testsupport::S3rverProcess> s3_;
  std::unique_ptr<testsupport::FaultProxy> proxy_;
  std::string master_key_;
  std::string api_key_;
};

TEST_F(ScaleOut, EveryTaskCompletesExactlyOnceWhenAWorkerIsKilledMidTask) {
  std::vector<std::string> uris;
  for (int i = 0; i < kTasks; ++i) uris.push_back(upload(i));

  Node api_a = start("serve", "api-a");
  Node api_b = start("serve", "api-b");
  Node worker_a = start("worker", "worker-a");
  Node worker_b = start("worker", "worker-b");
  ASSERT_FALSE(api_a.base_url.empty() || api_b.base_url.empty() || worker_a.base_url.empty() ||
               worker_b.base_url.empty());

  // A worker serves only its health check.
  EXPECT_EQ(testsupport::request("GET", worker_a.base_url + "/healthz").status, 200);
  EXPECT_EQ(testsupport::request("GET", worker_a.base_url + "/integrations/file-load-tasks",
                                 {{"Authorization", "Bearer " + api_key_}})
                .status,
            404);

  // Eight POSTs at once, alternating between the two API processes.
  std::vector<std::string> ids(kTasks);
  std::vector<std::thread> posters;
  for (int i = 0; i < kTasks; ++i) {
    posters.emplace_back([&, i] {
      auto r = call(i % 2 == 0 ? api_a : api_b, "POST", "/integrations/file-load-tasks",
                    task_body(uris[static_cast<size_t>(i)]));
      EXPECT_EQ(r.status, 201) << r.body;
      json::value v = json::parse(r.body);
      ids[static_cast<size_t>(i)] = std::string(v.at("task_id").as_string());
    });
  }
  for (auto& t : posters) t.join();
  for (const auto& id : ids) ASSERT_FALSE(id.empty());

  // Kill worker A in the middle of a task: once it has claimed one (it logs
  // "task X running on <worker id>") and the API shows that task running
  // with its first checkpoint (20,000 of 40,000 rows) written.
  const std::string log_a = worker_a.process->stderr_path();
  std::smatch m;
  std::string claimed_log;
  ASSERT_TRUE(testsupport::wait_until(
      [&] {
        claimed_log = testsupport::read_file(log_a);
        return std::regex_search(claimed_log, m, std::regex(R"(task (\S+) running on)"));
      },
      std::chrono::seconds(30)))
      << claimed_log;
  const std::string interrupted = m[1].str();
  json::object before_kill;
  ASSERT_TRUE(testsupport::wait_until(
      [&] {
        auto r = call(api_a, "GET", "/integrations/file-load-tasks/" + interrupted);
        if (r.status != 200) return false;
        before_kill = json::parse(r.body).as_object();
        return before_kill.at("progress").at("rows_read").to_number<int64_t>() >= 20000;
      },
      std::chrono::seconds(60), std::chrono::milliseconds(20)))
      << json::serialize(before_kill);
  worker_a.process->kill(SIGKILL);
  worker_a.process->wait();
  // The kill landed mid-task: seen running, with rows still to read.
  EXPECT_EQ(before_kill.at("status").as_string(), "running") << json::serialize(before_kill);
  EXPECT_LT(before_kill.at("progress").at("rows_read").to_number<int64_t>(), kRowsPerFile)
      << json::serialize(before_kill);
  EXPECT_EQ(before_kill.at("attempts").to_number<int64_t>(), 1) << json::serialize(before_kill);

  // Every task ends, through either API, with exactly its rows.
  for (int i = 0; i < kTasks; ++i) {
    const std::string& id = ids[static_cast<size_t>(i)];
    json::object task;
    const bool done = testsupport::wait_until(
        [&] {
          auto r = call(i % 2 == 0 ? api_b : api_a, "GET", "/integrations/file-load-tasks/" + id);
          if (r.status != 200) return false;
          task = json::parse(r.body).as_object();
          const auto status = task.at("status").as_string();
          return status != "pending" && status != "running";
        },
        std::chrono::seconds(120), std::chrono::milliseconds(200));
    ASSERT_TRUE(done) << "task " << id << " did not finish: " << json::serialize(task);
    EXPECT_EQ(task.at("status").as_string(), "completed") << json::serialize(task);
    EXPECT_EQ(task.at("progress").at("rows_loaded").to_number<int64_t>(), kRowsPerFile)
        << json::serialize(task);
    EXPECT_EQ(task.at("progress").at("rows_rejected").to_number<int64_t>(), 0);
    EXPECT_EQ(sql("SELECT count(*) FROM events WHERE task_id = '" + id + "'"),
              std::to_string(kRowsPerFile))
        << "task " << id;
    if (id == interrupted) {
      EXPECT_EQ(task.at("attempts").to_number<int64_t>(), 2)
          << "the killed worker's task was taken over: " << json::serialize(task);
    }
  }
  // Nothing twice, nothing extra; every stage is gone.
  EXPECT_EQ(sql("SELECT count(*) FROM events"), std::to_string(kTasks * kRowsPerFile));
  EXPECT_EQ(sql("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'stage\\_%'"), "0");
  // A process with another master key could open none of these tasks'
  // credentials: it refuses to start.
  const std::string other_key = dir_.file("other.key");
  std::ofstream(other_key, std::ios::binary) << crypto::random_bytes(32);
  ::chmod(other_key.c_str(), 0600);
  ChildProcess wrong_key(
      {SKILLSYNC_BINARY, "worker", "--store", store_url_, "--data-dir", dir_.file("worker-c"),
       "--master-key-file", other_key, "--health-listen", "127.0.0.1:0"},
      {}, dir_.path(), "worker-c");
  const int wrong_key_status = wrong_key.wait();
  EXPECT_TRUE(WIFEXITED(wrong_key_status) && WEXITSTATUS(wrong_key_status) == 1);
  EXPECT_NE(testsupport::read_file(wrong_key.stderr_path()).find("same --master-key-file"),
            std::string::npos)
      << testsupport::read_file(wrong_key.stderr_path());
  // The surviving worker ran the interrupted task to its end.
  EXPECT_NE(testsupport::read_file(worker_b.process->stderr_path()).find("task " + interrupted),
            std::string::npos);
}

}  // namespace
}  // namespace skillsync::it
