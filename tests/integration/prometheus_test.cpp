// skillsync as Prometheus sees it, with Debian's `prometheus` package
// (installed by scripts/install-deps.sh --test): `promtool check metrics`
// accepts a scrape taken after a load, and a real Prometheus server on
// 127.0.0.1 (its own config, temporary storage, 1 s scrape interval)
// scrapes skillsync until its query API answers
// skillsync_rows_total{outcome="loaded"} with the rows the load stored.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

#include "integration/it_env.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;

constexpr const char* kPromtool = "/usr/bin/promtool";
constexpr const char* kPrometheus = "/usr/bin/prometheus";

class PrometheusTest : public StackTest<PrometheusTest> {};

// The loaded-rows value of a Prometheus query answer, or -1.
double query_value(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return -1;
  const auto* data = v.as_object().if_contains("data");
  if (data == nullptr || !data->is_object()) return -1;
  const auto* result = data->as_object().if_contains("result");
  if (result == nullptr || !result->is_array() || result->as_array().size() != 1) return -1;
  const auto& value = result->as_array()[0].as_object().at("value").as_array();
  return std::stod(std::string(value.at(1).as_string()));
}

TEST_F(PrometheusTest, PromtoolAcceptsAScrapeAndPrometheusQueriesTheLoadedRows) {
  LearningFile file = make_learning_file(unique_id("emp-prom"), 321);
  TaskTrace trace = run_task(stack(), stack().upload(unique_id("prom") + ".csv", file.csv));
  ASSERT_EQ(trace.status(), "completed") << json::serialize(trace.task);
  // A request that fails and one to an unknown path: more series to lint.
  EXPECT_EQ(app().get("/integrations/file-load-tasks/flt_nope").status, 404);
  EXPECT_EQ(app().get("/nowhere").status, 404);

  testsupport::TempDir dir("skillsync-prom-");
  auto scrape = testsupport::request("GET", app().base_url() + "/metrics");
  ASSERT_EQ(scrape.status, 200);
  std::ofstream(dir.file("scrape.txt")) << scrape.body;
  CommandResult lint = run_command(
      {"/bin/sh", "-c", std::string(kPromtool) + " check metrics < " + dir.file("scrape.txt")});
  EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err << "\nscrape:\n" << scrape.body;
  EXPECT_EQ(lint.out + lint.err, "") << "promtool has remarks";

  // A real Prometheus server scraping skillsync every second.
  const std::string target = app().base_url().substr(std::string("http://").size());
  std::ofstream(dir.file("prometheus.yml"))
      << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
      << "scrape_configs:\n  - job_name: skillsync\n    metrics_path: /metrics\n"
      << "    static_configs:\n      - targets: ['" << target << "']\n";
  const int port = testsupport::free_port();
  const std::string web = "127.0.0.1:" + std::to_string(port);
  testsupport::ChildProcess prometheus(
      {kPrometheus, "--config.file=" + dir.file("prometheus.yml"),
       "--storage.tsdb.path=" + dir.file("tsdb"), "--web.listen-address=" + web},
      {}, dir.path(), "prometheus");
  const std::string query =
      "http://" + web + "/api/v1/query?query=skillsync_rows_total%7Boutcome%3D%22loaded%22%7D";
  double seen = -1;
  const bool equal = testsupport::wait_until(
      [&] {
        seen = query_value(testsupport::request("GET", query).body);
        return seen == 321 || !prometheus.running();
      },
      std::chrono::seconds(60), std::chrono::milliseconds(250));
  EXPECT_TRUE(equal && seen == 321)
      << "Prometheus answered " << seen << "; its log:\n"
      << testsupport::read_file(prometheus.stderr_path()).substr(0, 4000);
  prometheus.kill(SIGTERM);
  prometheus.wait();
}

}  // namespace
}  // namespace skillsync::it
