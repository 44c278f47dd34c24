// Network faults end to end (issue 4): the real binary reads the real S3
// server through a fault-injecting proxy. Connections cut mid-object, stalls,
// refused connections and 503 SlowDown bursts are retried (resuming with
// Range and If-Match, so no byte is read twice) and the task completes with
// exactly the file's rows; faults that outlast the retries fail the task
// with the right code and load nothing.
//
// FaultE2eTest runs the binary with its default timeouts (ClientConfig in
// source/s3/s3.hpp: stall_timeout 60 s, backoff 200 ms..10 s, retry_deadline
// 15 min); a task's reads retry until the retry deadline, however many
// attempts that takes (source/s3_opener.cpp), so faults that never end are
// tested in the short-timeout suite.
// FaultE2eShortTimeoutTest starts it with --s3-stall-timeout 2 and
// --s3-retry-deadline 5 (through their environment variables), so that a
// stall is abandoned in seconds and a stall that never ends fails the task
// once the retry deadline has passed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <thread>

#include "integration/it_env.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testsupport::Fault;
using SteadyClock = std::chrono::steady_clock;

// The short timeouts of FaultE2eShortTimeoutTest (--s3-stall-timeout,
// --s3-retry-deadline).
constexpr seconds kShortStallTimeout{2};
constexpr seconds kShortRetryDeadline{5};

// The fixture of both suites; `Derived` picks the binary's options.
template <class Derived>
class FaultFixture : public StackTest<Derived> {
 public:
  static StackOptions stack_options() {
    StackOptions o;
    o.fault_proxy = true;
    o.env["SKILLSYNC_RATE_LIMIT"] = "0";
    return o;
  }

 protected:
  using StackTest<Derived>::stack;
  using StackTest<Derived>::app;

  void SetUp() override {
    StackTest<Derived>::SetUp();
    stack().proxy().clear_script();
    stack().proxy().set_default(Fault::pass());
    stack().proxy().clear_log();
  }
  void TearDown() override {
    if (::testing::Test::HasFailure()) {
      for (const auto& head : stack().proxy().request_heads()) {
        std::cerr << "--- proxied request ---\n" << head.substr(0, head.find("\r\n")) << "\n";
      }
    }
    StackTest<Derived>::TearDown();
  }

  // A ~4.6 MB file of 60,000 rows, uploaded straight to S3.
  struct Uploaded {
    LearningFile file;
    std::string uri;
  };
  Uploaded upload(size_t rows = 60000) {
    Uploaded u{make_learning_file(unique_id("emp-fault"), rows), ""};
    u.uri = stack().upload(unique_id("fault") + ".csv", u.file.csv);
    return u;
  }

  // Runs a task for `uri` with the proxy's next connections failing as
  // `script` says (no access check at POST, so every connection is a GET).
  TaskTrace run(const std::string& uri, const std::vector<Fault>& script,
                Fault otherwise = Fault::pass(), seconds timeout = seconds(180)) {
    stack().proxy().script(script);
    stack().proxy().set_default(otherwise);
    ApiResponse r = app().post_task(uri, stack().s3().access_key_id(),
                                    stack().s3().secret_access_key(), std::nullopt, false);
    EXPECT_EQ(r.status, 201) << r.body;
    TaskTrace trace;
    if (r.status != 201) return trace;
    trace = app().wait_for_task(str(as_object(r.json()), "task_id"), timeout);
    stack().proxy().set_default(Fault::pass());
    EXPECT_FALSE(trace.timed_out) << json::serialize(trace.task);
    return trace;
  }

  void expect_completed_exactly(const TaskTrace& trace, const Uploaded& u) {
    ASSERT_EQ(trace.status(), "completed") << json::serialize(trace.task);
    const json::object& p = obj(trace.task, "progress");
    EXPECT_EQ(num(p, "rows_loaded"), static_cast<int64_t>(u.file.rows));
    EXPECT_EQ(num(p, "rows_rejected"), 0);
    EXPECT_EQ(num(p, "bytes_read"), static_cast<int64_t>(u.file.csv.size()));
    std::vector<json::object> events = list_all_events(app(), u.file.employee);
    EXPECT_EQ(events.size(), u.file.rows);
    EXPECT_EQ(events_checksum(events), u.file.checksum);
  }

  void expect_failed_empty(const TaskTrace& trace, const Uploaded& u, const std::string& code) {
    ASSERT_EQ(trace.status(), "failed") << json::serialize(trace.task);
    EXPECT_EQ(str(obj(trace.task, "error"), "code"), code) << json::serialize(trace.task);
    EXPECT_EQ(num(obj(trace.task, "progress"), "rows_loaded"), 0) << json::serialize(trace.task);
    EXPECT_TRUE(list_all_events(app(), u.file.employee).empty());
  }
};

class FaultE2eTest : public FaultFixture<FaultE2eTest> {};

class FaultE2eShortTimeoutTest : public FaultFixture<FaultE2eShortTimeoutTest> {
 public:
  static StackOptions stack_options() {
    StackOptions o = FaultFixture<FaultE2eShortTimeoutTest>::stack_options();
    o.env["SKILLSYNC_S3_STALL_TIMEOUT"] = std::to_string(kShortStallTimeout.count());
    o.env["SKILLSYNC_S3_RETRY_DEADLINE"] = std::to_string(kShortRetryDeadline.count());
    return o;
  }
};

// The value of header `name` (any case) in a request head; "" when absent.
std::string header_value(const std::string& head, std::string name) {
  std::string lower = head;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  const size_t at = lower.find("\r\n" + name + ":");
  if (at == std::string::npos) return "";
  size_t begin = at + name.size() + 3;
  while (begin < head.size() && head[begin] == ' ') ++begin;
  return head.substr(begin, head.find("\r\n", begin) - begin);
}

// Every GET after the first resumes where the previous one stopped, bound to
// the first answer's ETag: a range that starts further on each time when
// every failed connection had delivered bytes (`each_further`), else never
// further back.
void expect_resumed_gets(const std::vector<std::string>& heads, size_t expected_gets,
                         bool each_further = true) {
  std::vector<std::string> gets;
  for (const auto& h : heads) {
    if (h.starts_with("GET ")) gets.push_back(h);
  }
  ASSERT_EQ(gets.size(), expected_gets);
  EXPECT_EQ(header_value(gets[0], "range"), "") << gets[0];
  uint64_t last = 0;
  for (size_t i = 1; i < gets.size(); ++i) {
    const std::string range = header_value(gets[i], "range");
    ASSERT_TRUE(range.starts_with("bytes=") && range.ends_with("-")) << gets[i];
    const uint64_t from = std::stoull(range.substr(6));
    if (each_further || i == 1) {
      EXPECT_GT(from, last) << "GET " << i << " does not resume further on: " << range;
    } else {
      EXPECT_GE(from, last) << "GET " << i << " resumes further back: " << range;
    }
    last = from;
    EXPECT_FALSE(header_value(gets[i], "if-match").empty()) << gets[i];
  }
}

TEST_F(FaultE2eTest, ConnectionCutThreeTimesInOneObjectResumesWithRangeAndIfMatch) {
  const Uploaded u = upload();
  TaskTrace t = run(u.uri, {Fault::cut(700000), Fault::cut(700000), Fault::cut(700000)});
  expect_completed_exactly(t, u);
  expect_resumed_gets(stack().proxy().request_heads(), 4);
}

TEST_F(FaultE2eTest, AShortStallIsWaitedOutOnTheSameConnection) {
  const Uploaded u = upload();
  TaskTrace t = run(u.uri, {Fault::stall_for(500000, seconds(3))});
  expect_completed_exactly(t, u);
  expect_resumed_gets(stack().proxy().request_heads(), 1);
}

TEST_F(FaultE2eShortTimeoutTest, AStallLongerThanTheStallTimeoutIsAbandonedAndResumed) {
  const Uploaded u = upload();
  const auto started = SteadyClock::now();
  TaskTrace t = run(u.uri, {Fault::stall_for(500000, seconds(60))});
  const auto took = std::chrono::duration_cast<seconds>(SteadyClock::now() - started);
  expect_completed_exactly(t, u);
  expect_resumed_gets(stack().proxy().request_heads(), 2);
  // Given up after the stall timeout, not after the stall itself ended.
  EXPECT_LT(took, seconds(30));
  RecordProperty("took_s", static_cast<int>(took.count()));
}

TEST_F(FaultE2eShortTimeoutTest, AStallThatNeverEndsFailsTheTaskAfterTheRetryDeadline) {
  const Uploaded u = upload();
  // 500 kB, then nothing; every reconnect gets no answer at all.
  const auto started = SteadyClock::now();
  TaskTrace t = run(u.uri, {Fault::stall_for(500000, seconds(600))},
                    Fault::stall_for(0, seconds(600)), seconds(60));
  const auto took = std::chrono::duration_cast<seconds>(SteadyClock::now() - started);
  expect_failed_empty(t, u, "timeout");
  const std::string message = str(obj(t.task, "error"), "message");
  EXPECT_NE(message.find("retry_deadline"), std::string::npos) << message;
  EXPECT_NE(message.find("at byte"), std::string::npos) << message;
  EXPECT_EQ(message.find(stack().s3().secret_access_key()), std::string::npos);
  // The deadline, overrun by at most one stall timeout, plus the task's own
  // start and end.
  EXPECT_GE(took, kShortRetryDeadline);
  EXPECT_LT(took, kShortRetryDeadline + kShortStallTimeout + seconds(8));
  EXPECT_GE(stack().proxy().connections(), 2) << "the stall was retried before giving up";
  RecordProperty("took_s", static_cast<int>(took.count()));
}

TEST_F(FaultE2eTest, RefusedConnectionsForAWhileAtTheStartAndMidObject) {
  const Uploaded u = upload();
  TaskTrace t = run(u.uri, {Fault::refuse(), Fault::refuse(), Fault::refuse()});
  expect_completed_exactly(t, u);
  EXPECT_EQ(stack().proxy().connections(), 4);

  stack().proxy().clear_log();
  const Uploaded v = upload();
  t = run(v.uri, {Fault::cut(900000), Fault::refuse(), Fault::refuse(), Fault::refuse()});
  expect_completed_exactly(t, v);
  EXPECT_EQ(stack().proxy().connections(), 5);
  expect_resumed_gets(stack().proxy().request_heads(), 2);  // refused ones carry no request
}

TEST_F(FaultE2eTest, SlowDownBurstsAtTheStartAndMidObject) {
  const Uploaded u = upload();
  const Fault s = Fault::slow_down();
  TaskTrace t = run(u.uri, {s, s, s, s});
  expect_completed_exactly(t, u);
  EXPECT_EQ(stack().proxy().connections(), 5);

  stack().proxy().clear_log();
  const Uploaded v = upload();
  t = run(v.uri, {Fault::cut(900000), s, s, s});
  expect_completed_exactly(t, v);
  // The 503s delivered no byte: their retries ask for the same range.
  expect_resumed_gets(stack().proxy().request_heads(), 5, false);
}

TEST_F(FaultE2eShortTimeoutTest, FaultsThatOutlastTheRetryDeadlineFailAndLoadNothing) {
  const Uploaded u = upload();
  // Retried until --s3-retry-deadline, then "timeout" naming the last error.
  auto expect_timeout = [&](const TaskTrace& t, const std::string& last_error) {
    expect_failed_empty(t, u, "timeout");
    const std::string message = str(obj(t.task, "error"), "message");
    EXPECT_NE(message.find(last_error), std::string::npos) << message;
  };
  // Refused for good, from the first byte and from the middle of the object.
  expect_timeout(run(u.uri, {}, Fault::refuse()), "connection");
  expect_timeout(run(u.uri, {Fault::cut(900000)}, Fault::refuse()), "connection");
  // S3 keeps answering 503 SlowDown: the message names S3's code.
  expect_timeout(run(u.uri, {}, Fault::slow_down()), "SlowDown");
  expect_timeout(run(u.uri, {Fault::cut(900000)}, Fault::slow_down()), "SlowDown");
  // After all that the proxy passes again and the same object loads whole.
  expect_completed_exactly(run(u.uri, {}), u);
}

TEST_F(FaultE2eTest, FaultsPastTheAccessCheckDeadlineRefuseThePost) {
  // The check at POST time (a HEAD) has a short overall deadline (5 s; its
  // bound is PromisesHttpTest.TheAccessCheckAtPostIsCappedAtFiveSeconds):
  // an S3 that stalls past it makes the POST answer 422 with "timeout".
  const Uploaded u = upload(10);
  stack().proxy().set_default(Fault::stall_for(0, seconds(30)));
  const auto started = SteadyClock::now();
  ApiResponse r = stack().post_task(u.uri);
  const auto took = std::chrono::duration_cast<milliseconds>(SteadyClock::now() - started);
  stack().proxy().set_default(Fault::pass());
  ASSERT_EQ(r.status, 422) << r.body;
  const json::value v = r.json();
  const auto& details = as_array(obj(as_object(v), "error").at("details"));
  ASSERT_EQ(details.size(), 1u) << r.body;
  EXPECT_EQ(str(as_object(details[0]), "code"), "timeout") << r.body;
  EXPECT_LT(took, milliseconds(15000)) << "the access check outlasted its deadline";
}

// The S3 test server honours If-Match as S3 does (tests/support/s3rver/
// launch.js), so the resumed GET of a replaced object is answered 412 and
// the task fails through that path, not the client's ETag fallback.
TEST_F(FaultE2eTest, AnObjectReplacedMidLoadFailsWithObjectChanged) {
  const Uploaded u = upload();
  const std::string key = u.uri.substr(u.uri.find('/', 5) + 1);
  const LearningFile other = make_learning_file(u.file.employee, 60000, 1, "changed");
  // The first GET delivers 500 kB, waits 5 s (the object is replaced then),
  // and is cut: the resumed GET carries If-Match with the old ETag.
  stack().proxy().script({Fault::cut_after_pause(500000, seconds(5))});
  ApiResponse r = app().post_task(u.uri, stack().s3().access_key_id(),
                                  stack().s3().secret_access_key(), std::nullopt, false);
  ASSERT_EQ(r.status, 201) << r.body;
  // The first answer (the version the load pins) has come.
  ASSERT_TRUE(testsupport::wait_until(
      [&] {
        const auto lines = stack().proxy().response_status_lines();
        return !lines.empty() && lines[0].starts_with("HTTP/1.1 200");
      },
      seconds(20)))
      << "the first GET was never answered";
  const std::string first_if_match = header_value(stack().proxy().request_heads()[0], "if-match");
  EXPECT_EQ(first_if_match, "") << "the first GET has nothing to match yet";
  stack().upload(key, other.csv);
  ASSERT_EQ(stack().proxy().connections(), 1) << "replaced after the first GET was cut";
  TaskTrace t = app().wait_for_task(str(as_object(r.json()), "task_id"), seconds(60));
  ASSERT_FALSE(t.timed_out);
  expect_failed_empty(t, u, "object_changed");
  const auto heads = stack().proxy().request_heads();
  const auto statuses = stack().proxy().response_status_lines();
  ASSERT_GE(heads.size(), 2u);
  EXPECT_NE(header_value(heads.back(), "if-match"), "") << heads.back();
  EXPECT_NE(header_value(heads.back(), "range"), "") << heads.back();
  EXPECT_TRUE(statuses.back().starts_with("HTTP/1.1 412")) << statuses.back();
}

}  // namespace
}  // namespace skillsync::it
