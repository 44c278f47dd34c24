// GET /metrics as a route: where it answers, with what, and the store's
// scrape-time gauges read from a real SQLite store.
#include <gtest/gtest.h>

#include "api/metrics_route.hpp"
#include "support/sqlite_store_test.hpp"

namespace skillsync::api {
namespace {

HttpRequest request(std::string method, std::string target) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  return r;
}

RequestHandler teapot() {
  return [](const HttpRequest&) { return HttpResponse{418, "text/plain", "inner", {}}; };
}

TEST(MetricsRoute, ServesTheTextFormatWithoutAKeyAndPassesEverythingElseOn) {
  RequestHandler h = with_metrics_route(teapot(), true);
  HttpResponse r = h(request("GET", "/metrics"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find("# TYPE skillsync_rows_total counter\n"), std::string::npos);
  EXPECT_EQ(h(request("POST", "/metrics")).status, 405);
  EXPECT_EQ(h(request("GET", "/metrics?x=1")).status, 200);
  EXPECT_EQ(h(request("GET", "/metricsx")).status, 418);
  EXPECT_EQ(h(request("GET", "/healthz")).status, 418);
}

TEST(MetricsRoute, MovedOrOffItIsA404AndTheRestStillPassesOn) {
  RequestHandler h = with_metrics_route(teapot(), false);
  EXPECT_EQ(h(request("GET", "/metrics")).status, 404);
  EXPECT_EQ(h(request("GET", "/integrations/file-load-tasks")).status, 418);
  RequestHandler only = metrics_only_handler();
  EXPECT_EQ(only(request("GET", "/metrics")).status, 200);
  EXPECT_EQ(only(request("GET", "/healthz")).status, 404);
}

class FixedClock final : public Clock {
 public:
  Micros now() const override { return now_; }
  Micros now_ = 100'000'000;
};

class StoreGauges : public testsupport::SqliteStoreTest {};

TEST_F(StoreGauges, CountTasksByStatusAndTheOldestPendingAgeAtEveryScrape) {
  FixedClock clock;
  auto scrape = [] { return metrics_response(request("GET", "/metrics")).body; };
  {
    StoreMetrics gauges(*store_, clock);
    EXPECT_NE(scrape().find("skillsync_tasks{status=\"pending\"} 0\n"), std::string::npos);
    EXPECT_NE(scrape().find("skillsync_oldest_pending_task_age_seconds 0\n"), std::string::npos);
    store::Task t;
    t.id = "t-1";
    t.entity_type = "learning";
    t.method = "s3_iam_user";
    t.uri = "s3://b/k.csv";
    t.created_at = 40'000'000;
    ASSERT_TRUE(store_->create_task(t).ok());
    const std::string text = scrape();
    EXPECT_NE(text.find("skillsync_tasks{status=\"pending\"} 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("skillsync_oldest_pending_task_age_seconds 60\n"), std::string::npos)
        << text;
  }
  EXPECT_EQ(scrape().find("skillsync_tasks{"), std::string::npos) << "gone with its store";
}

}  // namespace
}  // namespace skillsync::api
