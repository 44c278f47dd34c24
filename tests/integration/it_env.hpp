// Shared pieces of the integration tests: a Stack (one real S3 server and
// one real skillsync process talking to it), fixture uploads, unique names
// and JSON accessors that fail the test instead of throwing.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "common/result.hpp"
#include "integration/skillsync_process.hpp"
#include "support/fault_proxy.hpp"
#include "support/process.hpp"
#include "support/s3rver.hpp"

namespace skillsync::it {

struct StackOptions {
  // Non-empty: the S3 server requires this session token on every request.
  std::string session_token;
  int workers = 2;
  // Extra environment of skillsync (SKILLSYNC_TASK_LEASE, SKILLSYNC_RATE_LIMIT, ...).
  std::map<std::string, std::string> env;
  // True: skillsync reads S3 through a FaultProxy (Stack::proxy(), passing
  // everything until told otherwise); uploads still go straight to S3.
  bool fault_proxy = false;
};

// How Stack::restart_app ends the running server.
enum class StopHow { kSigterm, kKill9 };

class Stack {
 public:
  // Starts S3rver (with one bucket, bucket()) and then skillsync against it,
  // with a random bootstrap API key. Never throws.
  static Result<std::unique_ptr<Stack>> start(StackOptions options = {});

  testsupport::S3rverProcess& s3() { return *s3_; }
  SkillsyncProcess& app() { return *app_; }
  const std::string& bucket() const { return bucket_; }

  // Uploads `body` as s3://bucket()/key with the server's own credentials and
  // returns that URI. Fails the current test when the upload fails.
  std::string upload(const std::string& key, std::string_view body);
  std::string uri(const std::string& key) const { return "s3://" + bucket_ + "/" + key; }

  // POSTs a task for `uri` with the S3 server's real credentials (and its
  // session token when it requires one).
  ApiResponse post_task(const std::string& uri);

  // The seed's task body for `uri` with the S3 server's real credentials and
  // `options` (left out when empty).
  boost::json::object task_body(const std::string& uri, boost::json::object options = {}) const;
  // POSTs `body` as a task, with an Idempotency-Key header unless `key` is empty.
  ApiResponse post_task_body(const boost::json::object& body,
                             const std::string& idempotency_key = "");

  // The fault proxy between skillsync and S3. REQUIRES: options.fault_proxy
  testsupport::FaultProxy& proxy() { return *proxy_; }

  // Ends the server (SIGTERM, or SIGKILL as a crash) and starts it again on
  // the same data directory, S3 endpoint, key and environment. Returns the
  // exit code of the ended process (-9 after a SIGKILL).
  Result<int> restart_app(StopHow how);

 private:
  std::unique_ptr<testsupport::S3rverProcess> s3_;
  std::unique_ptr<testsupport::FaultProxy> proxy_;
  std::unique_ptr<testsupport::TempDir> data_;  // outlives app_, for restarts
  SkillsyncOptions app_options_;
  std::unique_ptr<SkillsyncProcess> app_;
  std::string bucket_ = "skillsync-it";
};

// A CSV of valid learning rows for one employee, and what loading it must give.
struct LearningFile {
  std::string employee;
  std::string csv;
  size_t rows = 0;
  std::string checksum;  // events_checksum() of exactly the file's rows
};

// `rows` rows for `employee`: external ids "<id_prefix>-<n>" (distinct),
// distinct canonical timestamps, a course_id and a source per row; `pad`
// more characters in every source, for bigger files.
LearningFile make_learning_file(const std::string& employee, size_t rows, size_t pad = 0,
                                const std::string& id_prefix = "ev");

// An order-independent SHA-256 (hex) over every event's employee, external
// id, timestamp, language, content and source: equal for two sets of events
// exactly when they hold the same rows, each as often.
std::string events_checksum(const std::vector<boost::json::object>& events);

// "prefix-<random hex>": unique within and across runs, a valid external id.
std::string unique_id(std::string_view prefix);

// A random printable string of `n` characters from [A-Za-z0-9].
std::string random_token(size_t n);

// Accessors for JSON test data. A missing member or a wrong type fails the
// current test (non-fatally) and yields an empty value.
const boost::json::object& as_object(const boost::json::value& v);
const boost::json::array& as_array(const boost::json::value& v);
std::string str(const boost::json::object& o, std::string_view key);
int64_t num(const boost::json::object& o, std::string_view key);
const boost::json::object& obj(const boost::json::object& o, std::string_view key);
bool is_null(const boost::json::object& o, std::string_view key);

// Status of a task as a rank: pending 0, running 1, terminal 2 (-1 unknown).
int status_rank(const std::string& status);

// Submits a task for `uri` and waits for it to end. Fails the test when the
// POST is not a 201 or the task does not end in time.
TaskTrace run_task(Stack& stack, const std::string& uri,
                   std::chrono::milliseconds timeout = std::chrono::seconds(60));

// GET /employees/{employee}/skill_events?limit=1000, all pages: the items.
std::vector<boost::json::object> list_all_events(SkillsyncProcess& app,
                                                 const std::string& employee);

// The first AddressSanitizer / UndefinedBehaviorSanitizer / LeakSanitizer
// report in a server log and what follows it, or "" when there is none.
std::string sanitizer_report(const std::string& log);

// A fixture whose test suite shares one Stack, started in SetUpTestSuite
// with Derived::stack_options(). CRTP so that each suite has its own stack.
template <class Derived>
class StackTest : public ::testing::Test {
 protected:
  static StackOptions stack_options() { return {}; }
  static void SetUpTestSuite() {
    auto started = Stack::start(Derived::stack_options());
    if (started.ok()) {
      stack_ = std::move(*started);
    } else {
      start_error_ = started.error().message;
    }
  }
  // A clean shutdown is part of the contract (and, on a sanitizer build,
  // LeakSanitizer reports at exit show up as a non-zero exit code).
  static void TearDownTestSuite() {
    if (stack_ != nullptr) {
      const int code = stack_->app().stop();
      if (code != 0) {
        ADD_FAILURE() << "skillsync exited with " << code << "; log tail:\n"
                      << stack_->app().log_tail();
      }
    }
    stack_.reset();
  }
  void SetUp() override {
    ASSERT_TRUE(stack_ != nullptr) << "the test stack did not start: " << start_error_;
  }
  void TearDown() override {
    if (stack_ == nullptr) return;
    EXPECT_EQ(sanitizer_report(stack_->app().log()), "") << "the server reported a bug";
    if (HasFailure()) {
      std::cerr << "--- skillsync log tail ---\n" << stack_->app().log_tail() << "\n";
    }
  }
  Stack& stack() { return *stack_; }
  SkillsyncProcess& app() { return stack_->app(); }

 private:
  static inline std::unique_ptr<Stack> stack_;
  static inline std::string start_error_;
};

}  // namespace skillsync::it
