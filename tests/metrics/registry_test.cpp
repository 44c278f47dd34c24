// Registry: counters, gauges, histograms and callback families, their
// children by label values, and thread safety of the hot-path calls.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "metrics/metrics.hpp"
#include "metrics/skillsync_metrics.hpp"

namespace skillsync::metrics {
namespace {

TEST(Registry, ACounterFamilyHasOneChildPerLabelValues) {
  Registry r;
  auto& f = r.counter("x_total", "help", {"a", "b"});
  f.with({"1", "2"}).inc();
  f.with({"1", "2"}).inc(4);
  f.with({"1", "3"}).inc();
  EXPECT_EQ(f.with({"1", "2"}).value(), 5u);
  EXPECT_EQ(f.with({"1", "3"}).value(), 1u);
  EXPECT_EQ(&f.with({"1", "2"}), &f.with(std::vector<std::string>{"1", "2"}));
}

TEST(Registry, RegisteringANameAgainReturnsTheSameFamily) {
  Registry r;
  auto& a = r.counter("x_total", "help", {"a"});
  auto& b = r.counter("x_total", "other help", {"a"});
  EXPECT_EQ(&a, &b);
}

TEST(Registry, GaugesSetAndAdd) {
  Registry r;
  Gauge& g = r.gauge("g", "help").with({});
  g.set(2.5);
  g.add(-1);
  EXPECT_DOUBLE_EQ(g.value(), 1.5);
}

TEST(Histogram, BucketsAreInclusiveUpperBoundsAndCumulative) {
  const double bounds[] = {1, 5};
  Histogram h(bounds);
  h.observe(0.5);
  h.observe(1);  // le="1" includes 1
  h.observe(3);
  h.observe(100);
  auto s = h.snapshot();
  EXPECT_EQ(s.cumulative, (std::vector<uint64_t>{2, 3, 4}));
  EXPECT_EQ(s.count, 4u);
  EXPECT_DOUBLE_EQ(s.sum, 104.5);
}

TEST(Registry, ConcurrentIncrementsAreAllCounted) {
  Registry r;
  auto& f = r.counter("c_total", "help", {"t"});
  const double bounds[] = {0.5};
  auto& h = r.histogram("h_seconds", "help", {}, bounds);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) {
        f.with({t % 2 == 0 ? "even" : "odd"}).inc();
        h.with({}).observe(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(f.with({"even"}).value() + f.with({"odd"}).value(), 40000u);
  EXPECT_EQ(h.with({}).snapshot().count, 40000u);
  EXPECT_DOUBLE_EQ(h.with({}).snapshot().sum, 40000);
}

TEST(Registry, ACallbackFamilyIsReadAtRenderTimeAndCanBeRemoved) {
  Registry r;
  int calls = 0;
  uint64_t id = r.add_gauge_callback("cb", "help", {"k"}, [&]() {
    ++calls;
    return std::optional<std::vector<Sample>>({{{"v"}, double(calls)}});
  });
  EXPECT_NE(r.render().find("cb{k=\"v\"} 1\n"), std::string::npos);
  EXPECT_NE(r.render().find("cb{k=\"v\"} 2\n"), std::string::npos);
  r.remove_callback(id);
  EXPECT_EQ(r.render().find("cb"), std::string::npos);
}

TEST(Registry, AFailingCallbackLeavesItsFamilyOutOfTheScrape) {
  Registry r;
  r.counter("ok_total", "help").with({}).inc();
  r.add_gauge_callback("broken", "help", {}, [] { return std::optional<std::vector<Sample>>(); });
  const std::string text = r.render();
  EXPECT_EQ(text.find("broken"), std::string::npos);
  EXPECT_NE(text.find("ok_total 1\n"), std::string::npos);
}

TEST(SkillsyncMetrics, TaskEndsCountByEntityTypeStatusAndRowOutcome) {
  SkillsyncMetrics& m = skillsync();
  const uint64_t loaded = m.rows.with({"loaded"}).value();
  const uint64_t finished = m.tasks_finished.with({"learning", "completed"}).value();
  record_task_end("learning", "completed", 1.5, 10, 2, 1);
  EXPECT_EQ(m.rows.with({"loaded"}).value(), loaded + 10);
  EXPECT_EQ(m.tasks_finished.with({"learning", "completed"}).value(), finished + 1);
  const std::string text = default_registry().render();
  EXPECT_NE(text.find("skillsync_build_info{version=\""), std::string::npos);
  EXPECT_NE(
      text.find("skillsync_task_duration_seconds_bucket{entity_type=\"learning\",le=\"2.5\"}"),
      std::string::npos);
}

}  // namespace
}  // namespace skillsync::metrics
