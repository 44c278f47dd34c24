// Operating skillsync (issue 15): GET /metrics after a real load (rows,
// tasks, bytes, S3 and HTTP requests counted, no id in any label), where
// /metrics is served (API listener, --metrics-listen, --metrics off, a
// worker's health listener), request ids and W3C trace ids followed from
// the API's request line to the worker's task lines in JSON logs.
#include <gtest/gtest.h>

#include <csignal>
#include <optional>
#include <regex>
#include <sstream>

#include "integration/it_env.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;

// The value of one series (`name{labels}` exactly as rendered), or nullopt.
std::optional<double> sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

double value_or_zero(const std::string& text, const std::string& series) {
  return sample(text, series).value_or(0);
}

// Every JSON line of a log.
std::vector<json::object> json_lines(const std::string& log) {
  std::vector<json::object> out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    boost::system::error_code ec;
    auto v = json::parse(line, ec);
    if (!ec && v.is_object()) out.push_back(v.as_object());
  }
  return out;
}

std::string field(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
}

class ObservabilityTest : public StackTest<ObservabilityTest> {
 public:
  static StackOptions stack_options() {
    StackOptions o;
    o.env["SKILLSYNC_LOG_FORMAT"] = "json";
    return o;
  }

 protected:
  testsupport::HttpResponse scrape() {
    // No key: /metrics is open like /healthz.
    auto r = testsupport::request("GET", app().base_url() + "/metrics");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    return r;
  }

  // A scrape once the worker has counted one more finished task in `series`
  // than `before` shows: a worker counts a task just after recording its end,
  // so the API can show it finished a moment before /metrics counts it.
  std::string scrape_once_counted(const std::string& before, const std::string& series) {
    const double want = value_or_zero(before, series) + 1;
    std::string after;
    testsupport::wait_until(
        [&] {
          after = scrape().body;
          return value_or_zero(after, series) >= want;
        },
        std::chrono::seconds(10));
    return after;
  }
};

TEST_F(ObservabilityTest, AScrapeAfterALoadCountsItsRowsTaskBytesAndRequests) {
  const std::string before = scrape().body;
  LearningFile file = make_learning_file(unique_id("emp-metrics"), 250);
  const std::string uri = stack().upload(unique_id("metrics") + ".csv", file.csv);
  TaskTrace trace = run_task(stack(), uri);
  ASSERT_EQ(trace.status(), "completed") << json::serialize(trace.task);
  const std::string task_id = str(trace.task, "task_id");
  const std::string after = scrape_once_counted(
      before, R"(skillsync_tasks_finished_total{entity_type="learning",status="completed"})");

  auto delta = [&](const std::string& series) {
    return value_or_zero(after, series) - value_or_zero(before, series);
  };
  EXPECT_EQ(delta(R"(skillsync_rows_total{outcome="loaded"})"), 250);
  EXPECT_EQ(delta(R"(skillsync_rows_total{outcome="rejected"})"), 0);
  EXPECT_EQ(delta(R"(skillsync_tasks_finished_total{entity_type="learning",status="completed"})"),
            1);
  EXPECT_EQ(delta(R"(skillsync_task_duration_seconds_count{entity_type="learning"})"), 1);
  EXPECT_EQ(delta("skillsync_source_read_bytes_total"), static_cast<double>(file.csv.size()));
  EXPECT_GE(delta(R"(skillsync_s3_requests_total{method="GET",status="200"})"), 1);
  EXPECT_GE(value_or_zero(after, R"(skillsync_tasks{status="completed"})"), 1);
  EXPECT_EQ(sample(after, R"(skillsync_tasks{status="pending"})"), 0.0);
  EXPECT_EQ(sample(after, "skillsync_oldest_pending_task_age_seconds"), 0.0);
  EXPECT_TRUE(sample(after, R"(skillsync_build_info{version="0.1.0"})").has_value()) << after;
  // The polls of the task, by route template, never by path.
  EXPECT_GE(
      delta(
          R"(skillsync_http_requests_total{method="GET",route="/integrations/file-load-tasks/{task_id}",status="200"})"),
      1);
  EXPECT_GE(
      delta(
          R"(skillsync_http_request_duration_seconds_bucket{method="POST",route="/integrations/file-load-tasks",le="10"})"),
      1);
  EXPECT_EQ(after.find(task_id), std::string::npos) << "a task id in a label";
  EXPECT_EQ(after.find(stack().bucket()), std::string::npos) << "a URI in a label";
  EXPECT_EQ(after.find(app().api_key()), std::string::npos);
  EXPECT_EQ(after.find(file.employee), std::string::npos);
}

TEST_F(ObservabilityTest, RejectedAndSupersededRowsAreCountedByOutcome) {
  const std::string before = scrape().body;
  const std::string e = unique_id("emp-outcomes");
  // Three good rows, two with the same key (one superseded), and a bad one.
  const std::string csv = "employee_external_id,language,external_id,timestamp,course_id\n" + e +
                          ",en,x-1,2021-01-01T00:00:00Z,c-1\n" + e +
                          ",en,x-1,2021-01-02T00:00:00Z,c-2\n" + e +
                          ",en,x-2,2021-01-01T00:00:00Z,c-3\n" + e + ",en,x-3,not-a-time,c-4\n";
  TaskTrace trace = run_task(stack(), stack().upload(unique_id("outcomes") + ".csv", csv));
  ASSERT_EQ(trace.status(), "completed_with_errors") << json::serialize(trace.task);
  const std::string after = scrape_once_counted(
      before,
      R"(skillsync_tasks_finished_total{entity_type="learning",status="completed_with_errors"})");
  auto delta = [&](const std::string& series) {
    return value_or_zero(after, series) - value_or_zero(before, series);
  };
  EXPECT_EQ(delta(R"(skillsync_rows_total{outcome="loaded"})"), 3);
  EXPECT_EQ(delta(R"(skillsync_rows_total{outcome="rejected"})"), 1);
  EXPECT_EQ(delta(R"(skillsync_rows_total{outcome="superseded"})"), 1);
  EXPECT_EQ(
      delta(
          R"(skillsync_tasks_finished_total{entity_type="learning",status="completed_with_errors"})"),
      1);
}

TEST_F(ObservabilityTest, ARequestIdIsReturnedAndATraceIdFollowsTheTaskToItsWorker) {
  // A valid X-Request-Id comes back as sent; an invalid one is replaced.
  auto mine =
      testsupport::request("GET", app().base_url() + "/healthz", {{"X-Request-Id", "it.1-a_B"}});
  EXPECT_EQ(mine.headers["x-request-id"], "it.1-a_B");
  auto bad = testsupport::request("GET", app().base_url() + "/healthz", {{"X-Request-Id", "a b"}});
  const std::string generated = bad.headers["x-request-id"];
  EXPECT_FALSE(generated.empty());
  EXPECT_NE(generated, "a b");

  const std::string trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  const std::string request_id = unique_id("req");
  LearningFile file = make_learning_file(unique_id("emp-trace"), 10);
  const std::string uri = stack().upload(unique_id("trace") + ".csv", file.csv);
  ApiResponse created = app().post_with_headers(
      "/integrations/file-load-tasks", json::serialize(stack().task_body(uri)),
      {{"traceparent", "00-" + trace_id + "-00f067aa0ba902b7-01"}, {"X-Request-Id", request_id}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.header("x-request-id"), request_id);
  const json::object task = as_object(created.json());
  EXPECT_EQ(str(task, "trace_id"), trace_id);
  const std::string task_id = str(task, "task_id");
  TaskTrace trace = app().wait_for_task(task_id);
  EXPECT_EQ(trace.status(), "completed");
  EXPECT_EQ(str(trace.task, "trace_id"), trace_id);
  // An invalid traceparent is ignored: no trace id on the task.
  ApiResponse untraced = app().post_with_headers(
      "/integrations/file-load-tasks", json::serialize(stack().task_body(uri)),
      {{"traceparent", "00-" + trace_id + "-0000000000000000-01"}});
  ASSERT_EQ(untraced.status, 201) << untraced.body;
  EXPECT_FALSE(as_object(untraced.json()).contains("trace_id"));
  app().wait_for_task(str(as_object(untraced.json()), "task_id"));

  // The API's request line and the worker's task lines carry the trace id.
  ASSERT_TRUE(app().wait_for_log("task " + task_id + " completed", std::chrono::seconds(10)));
  bool request_line = false, created_line = false, worker_line = false;
  for (const json::object& line : json_lines(app().log())) {
    EXPECT_FALSE(field(line, "time").empty());
    EXPECT_FALSE(field(line, "level").empty());
    if (field(line, "request_id") == request_id &&
        field(line, "route") == "/integrations/file-load-tasks") {
      request_line = true;
      EXPECT_EQ(field(line, "trace_id"), trace_id);
      EXPECT_EQ(line.at("status").as_int64(), 201);
      EXPECT_TRUE(line.at("duration_ms").is_number());
    }
    const std::string message = field(line, "message");
    if (message.find("task " + task_id + " pending") != std::string::npos) {
      created_line = field(line, "trace_id") == trace_id && field(line, "request_id") == request_id;
    }
    if (message.find("task " + task_id + " completed") != std::string::npos) {
      worker_line = field(line, "trace_id") == trace_id && field(line, "task_id") == task_id &&
                    field(line, "tenant") == "default";
    }
  }
  EXPECT_TRUE(request_line) << "no request line with the request id";
  EXPECT_TRUE(created_line) << "the API's 'pending' line lacks the trace or request id";
  EXPECT_TRUE(worker_line) << "the worker's 'completed' line lacks the trace id, task or tenant";
}

// Where /metrics is served: processes without an S3 server (no task runs).
class MetricsPlacementTest : public ::testing::Test {
 protected:
  std::unique_ptr<SkillsyncProcess> start(std::map<std::string, std::string> env) {
    SkillsyncOptions o;
    o.s3_endpoint = "http://127.0.0.1:9";
    o.bootstrap_api_key = "sk_it_" + random_token(32);
    o.env = std::move(env);
    auto started = SkillsyncProcess::start(o);
    EXPECT_TRUE(started.ok()) << started.error().message;
    return started.ok() ? std::move(*started) : nullptr;
  }
};

TEST_F(MetricsPlacementTest, MetricsListenMovesMetricsOffTheApiListener) {
  const std::string metrics_addr = "127.0.0.1:" + std::to_string(testsupport::free_port());
  auto app = start({{"SKILLSYNC_METRICS_LISTEN", metrics_addr}});
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(testsupport::request("GET", app->base_url() + "/metrics").status, 404);
  auto own = testsupport::request("GET", "http://" + metrics_addr + "/metrics");
  EXPECT_EQ(own.status, 200);
  EXPECT_NE(own.body.find("# TYPE skillsync_http_requests_total counter"), std::string::npos);
  EXPECT_EQ(testsupport::request("GET", "http://" + metrics_addr + "/healthz").status, 404);
  EXPECT_EQ(app->stop(), 0);
}

TEST_F(MetricsPlacementTest, MetricsOffServesThemNowhere) {
  auto app = start({{"SKILLSYNC_METRICS", "off"}});
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(testsupport::request("GET", app->base_url() + "/metrics").status, 404);
  EXPECT_EQ(app->stop(), 0);
}

TEST_F(MetricsPlacementTest, AWorkerServesMetricsOnItsHealthListener) {
  testsupport::TempDir dir;
  testsupport::ChildProcess worker(
      {skillsync_binary(), "worker", "--data-dir", dir.file("data"), "--health-listen",
       "127.0.0.1:0", "--s3-endpoint", "http://127.0.0.1:9"},
      {}, dir.path(), "worker");
  const std::regex announced(R"(health on http://(127\.0\.0\.1:\d+)/healthz)");
  std::smatch m;
  std::string log;
  ASSERT_TRUE(testsupport::wait_until(
      [&] {
        log = testsupport::read_file(worker.stderr_path());
        return std::regex_search(log, m, announced) || !worker.running();
      },
      std::chrono::seconds(20)));
  ASSERT_TRUE(std::regex_search(log, m, announced)) << log;
  auto r = testsupport::request("GET", "http://" + m[1].str() + "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("skillsync_tasks{status=\"pending\"} 0"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("skillsync_build_info{"), std::string::npos);
  worker.kill(SIGTERM);
  worker.wait();
}

}  // namespace
}  // namespace skillsync::it
