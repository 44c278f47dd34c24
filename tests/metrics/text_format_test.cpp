// The Prometheus text exposition format 0.0.4 as render() writes it: HELP
// and TYPE lines, escaping, label sets, histogram series, value formatting.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "metrics/metrics.hpp"

namespace skillsync::metrics {
namespace {

TEST(TextFormat, EscapesHelpAndLabelValues) {
  EXPECT_EQ(escape_help("a\\b\nc\"d"), "a\\\\b\\nc\"d");
  EXPECT_EQ(escape_label_value("a\\b\nc\"d"), "a\\\\b\\nc\\\"d");
}

TEST(TextFormat, FormatsValuesAsPrometheusReadsThem) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(1), "1");
  EXPECT_EQ(format_value(0.005), "0.005");
  EXPECT_EQ(format_value(2.5), "2.5");
  EXPECT_EQ(format_value(1e21), "1e+21");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::nan("")), "NaN");
}

TEST(TextFormat, RendersACounterFamilyWithHelpTypeAndLabels) {
  Registry r;
  auto& f = r.counter("app_requests_total", "Requests\nby \\ code", {"code", "path"});
  f.with({"200", "/a\"b"}).inc(3);
  f.with({"500", "/"}).inc();
  EXPECT_EQ(r.render(),
            "# HELP app_requests_total Requests\\nby \\\\ code\n"
            "# TYPE app_requests_total counter\n"
            "app_requests_total{code=\"200\",path=\"/a\\\"b\"} 3\n"
            "app_requests_total{code=\"500\",path=\"/\"} 1\n");
}

TEST(TextFormat, RendersAGaugeWithoutLabels) {
  Registry r;
  r.gauge("app_temperature_celsius", "Temperature").with({}).set(-1.25);
  EXPECT_EQ(r.render(),
            "# HELP app_temperature_celsius Temperature\n"
            "# TYPE app_temperature_celsius gauge\n"
            "app_temperature_celsius -1.25\n");
}

TEST(TextFormat, RendersAHistogramAsCumulativeBucketsSumAndCount) {
  Registry r;
  const double bounds[] = {0.005, 0.1};
  auto& h = r.histogram("app_duration_seconds", "Duration", {"route"}, bounds);
  h.with({"/x"}).observe(0.001);
  h.with({"/x"}).observe(0.05);
  h.with({"/x"}).observe(7);
  EXPECT_EQ(r.render(),
            "# HELP app_duration_seconds Duration\n"
            "# TYPE app_duration_seconds histogram\n"
            "app_duration_seconds_bucket{route=\"/x\",le=\"0.005\"} 1\n"
            "app_duration_seconds_bucket{route=\"/x\",le=\"0.1\"} 2\n"
            "app_duration_seconds_bucket{route=\"/x\",le=\"+Inf\"} 3\n"
            "app_duration_seconds_sum{route=\"/x\"} 7.051\n"
            "app_duration_seconds_count{route=\"/x\"} 3\n");
}

TEST(TextFormat, FamiliesComeInNameOrderAndAnEmptyFamilyHasOnlyItsHeader) {
  Registry r;
  r.counter("b_total", "B", {"x"});
  r.counter("a_total", "A").with({}).inc();
  EXPECT_EQ(r.render(),
            "# HELP a_total A\n# TYPE a_total counter\na_total 1\n"
            "# HELP b_total B\n# TYPE b_total counter\n");
}

}  // namespace
}  // namespace skillsync::metrics
