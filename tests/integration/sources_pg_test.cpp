// Recurring sources on PostgreSQL (issue 18): one API process and two
// `skillsync worker` processes (each runs the source scheduler) share one
// throwaway PostgreSQL 15. Checks are asked for again and again from two
// threads while both workers claim due sources, and one worker is killed
// with SIGKILL mid-way: every object must be loaded exactly once (one
// ledger row, one task, its rows once), whichever process checked it; with
// batch per_check, each check's new objects in one task.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

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
using testsupport::TempDir;

constexpr int kRows = 2000;
constexpr const char* kBucket = "sources-pg";

struct Node {
  std::unique_ptr<ChildProcess> process;
  std::string base_url;
};

class SourcesPg : public ::testing::Test {
 protected:
  void SetUp() override {
    store_url_ = testsupport::PostgresServer::instance().create_database();
    db_ = store_url_.substr(store_url_.rfind('/') + 1);
    s3_ = std::make_unique<testsupport::S3rverProcess>(
        testsupport::S3rverOptions{{kBucket}, "", true});
    master_key_ = dir_.file("master.key");
    std::ofstream(master_key_, std::ios::binary) << crypto::random_bytes(32);
    ::chmod(master_key_.c_str(), 0600);
    api_key_ = "it_" + crypto::hex(crypto::random_bytes(16));
  }

  Node start(const std::string& command, const std::string& name) {
    std::vector<std::string> argv = {SKILLSYNC_BINARY,    command,      "--store",
                                     store_url_,          "--data-dir", dir_.file(name),
                                     "--master-key-file", master_key_,  "--s3-endpoint",
                                     s3_->endpoint(),     "--workers",  "2"};
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
                                           // A killed worker's leases run out quickly.
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

  testsupport::HttpResponse call(const std::string& method, const std::string& path,
                                 const std::string& body = "") {
    return testsupport::request(
        method, api_.base_url + path,
        {{"Authorization", "Bearer " + api_key_}, {"Content-Type", "application/json"}}, body);
  }

  void upload(int file) {
    source::s3::ClientConfig config;
    config.endpoint = s3_->endpoint();
    source::s3::Credentials creds{s3_->access_key_id(), SecretString(s3_->secret_access_key()),
                                  SecretString("")};
    source::s3::S3Client client(config, creds);
    std::string csv = "employee_external_id,language,external_id,timestamp,course_id\n";
    for (int i = 0; i < kRows; ++i) {
      csv +=
          "emp-" + std::to_string(file) + ",en,r" + std::to_string(i) + ",2021-01-01T00:00:00Z,c\n";
    }
    const std::string key = "exports/learning_" + std::to_string(100 + file) + ".csv";
    Status s = client.put_object({kBucket, key}, csv);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  }

  std::string sql(const std::string& statement) {
    return testsupport::PostgresServer::instance().exec(db_, statement);
  }

  // Every ledger row of the source has a finished task, and there are `n`.
  bool all_loaded(const std::string& id, int n) {
    return sql("SELECT count(*) FROM source_files f JOIN tasks t ON t.id = f.task_id"
               " WHERE f.source_id = '" +
               id +
               "' AND t.status IN ('completed', 'failed',"
               " 'completed_with_errors', 'cancelled')") == std::to_string(n);
  }

  void two_workers_check_one_source(bool per_check);

  TempDir dir_;
  std::string db_;
  std::string store_url_;
  std::unique_ptr<testsupport::S3rverProcess> s3_;
  std::string master_key_;
  std::string api_key_;
  Node api_;
};

// per_check: each check's new files go to one task; the files' tasks are
// those of the ledger, and their objects are the ledger's rows.
void SourcesPg::two_workers_check_one_source(bool per_check) {
  constexpr int kFirst = 10, kMore = 4;
  for (int i = 0; i < kFirst; ++i) upload(i);
  api_ = start("serve", "api");
  Node worker_a = start("worker", "worker-a");
  Node worker_b = start("worker", "worker-b");
  ASSERT_FALSE(api_.base_url.empty() || worker_a.base_url.empty() || worker_b.base_url.empty());

  json::object creds{{"aws_access_key_id", s3_->access_key_id()},
                     {"aws_secret_access_key", s3_->secret_access_key()}};
  auto created =
      call("POST", "/integrations/sources",
           json::serialize(json::object{{"name", "pg"},
                                        {"entity_type", "learning"},
                                        {"uri", std::string("s3://") + kBucket + "/exports/"},
                                        {"pattern", "learning_*.csv"},
                                        {"schedule", {{"every", "10s"}}},
                                        {"batch", per_check ? "per_check" : "per_file"},
                                        {"credentials", creds}}));
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id(json::parse(created.body).at("source_id").as_string());

  // Two threads keep asking for checks while both workers' schedulers claim.
  // They hold off while files are uploaded: the S3 test server lists an
  // object while its PUT is still writing it (at 0 bytes), which a check
  // would rightly record as skipped (zero_bytes); real S3 shows an object
  // only once it is whole.
  std::atomic<bool> stop{false}, uploading{false};
  std::vector<std::thread> runners;
  for (int t = 0; t < 2; ++t) {
    runners.emplace_back([&] {
      while (!stop) {
        if (!uploading) call("POST", "/integrations/sources/" + id + "/run");
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
  }
  // Kill worker A once the first tasks run (its check, or its task, dies).
  ASSERT_TRUE(testsupport::wait_until(
      [&] {
        return sql("SELECT count(*) FROM tasks WHERE source_id = '" + id +
                   "' AND status <> 'pending'") != "0";
      },
      std::chrono::seconds(60), std::chrono::milliseconds(100)));
  worker_a.process->kill(SIGKILL);
  worker_a.process->wait();
  uploading = true;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a check asked for just now ends
  for (int i = kFirst; i < kFirst + kMore; ++i) upload(i);
  uploading = false;
  const bool done =
      testsupport::wait_until([&] { return all_loaded(id, kFirst + kMore); },
                              std::chrono::seconds(120), std::chrono::milliseconds(200));
  stop = true;
  for (auto& t : runners) t.join();
  ASSERT_TRUE(done)
      << "ledger rows: " << sql("SELECT count(*) FROM source_files WHERE source_id = '" + id + "'")
      << "; unfinished tasks (id, status, worker, attempts, lease expiry):\n"
      << sql("SELECT string_agg(id || ' ' || status || ' ' || coalesce(worker_id, '-')"
             " || ' ' || attempts || ' ' || coalesce(lease_expires_at_us::text, '-'),"
             " E'\\n') FROM tasks WHERE status NOT IN ('completed', 'failed',"
             " 'completed_with_errors', 'cancelled')")
      << "\nworker B's log:\n"
      << testsupport::read_file(worker_b.process->stderr_path());

  const std::string n = std::to_string(kFirst + kMore);
  EXPECT_EQ(sql("SELECT count(*) FROM source_files WHERE source_id = '" + id + "'"), n);
  EXPECT_EQ(sql("SELECT count(DISTINCT key) FROM source_files WHERE source_id = '" + id + "'"), n);
  const std::string tasks = sql("SELECT count(*) FROM tasks WHERE source_id = '" + id + "'");
  EXPECT_EQ(sql("SELECT count(DISTINCT task_id) FROM source_files WHERE source_id = '" + id + "'"),
            tasks);
  EXPECT_EQ(
      sql("SELECT count(*) FROM tasks WHERE source_id = '" + id + "' AND status = 'completed'"),
      tasks);
  EXPECT_EQ(sql("SELECT sum(rows_loaded) FROM tasks WHERE source_id = '" + id + "'"),
            std::to_string((kFirst + kMore) * kRows));
  if (per_check) {
    EXPECT_EQ(sql("SELECT count(*) FROM task_objects o JOIN source_files f ON f.task_id ="
                  " o.task_id AND f.key = o.key AND f.etag = o.etag WHERE f.source_id = '" +
                  id + "'"),
              n);
    EXPECT_LT(std::stoi(tasks), kFirst + kMore);
  } else {
    EXPECT_EQ(tasks, n);
  }
  EXPECT_EQ(sql("SELECT count(*) FROM events"), std::to_string((kFirst + kMore) * kRows));
  // The ledger as the API shows it agrees.
  auto files = call("GET", "/integrations/sources/" + id + "/files?limit=1000");
  ASSERT_EQ(files.status, 200) << files.body;
  EXPECT_EQ(json::parse(files.body).at("items").as_array().size(),
            static_cast<size_t>(kFirst + kMore));
  // The surviving worker checked the source.
  EXPECT_NE(
      testsupport::read_file(worker_b.process->stderr_path()).find("source " + id + " checked"),
      std::string::npos);
}

TEST_F(SourcesPg, TwoWorkersCheckingOneSourceLoadEveryFileOnce) {
  two_workers_check_one_source(false);
}

TEST_F(SourcesPg, TwoWorkersCheckingOnePerCheckSourceLoadEveryFileOnce) {
  two_workers_check_one_source(true);
}

}  // namespace
}  // namespace skillsync::it
