// metrics: counters, gauges and histograms with labels, rendered in the
// Prometheus text exposition format 0.0.4.
//
// Contracts:
// - Every metric is thread safe. Counter::inc, Gauge::set and
//   Histogram::observe are lock-free atomics: cheap enough for hot paths.
//   Family::with() takes a lock (shared for a child that exists already);
//   hot paths look their child up once and keep the reference, which stays
//   valid as long as the Registry.
// - Names and label names follow Prometheus's rules ([a-zA-Z_:][a-zA-Z0-9_:]*,
//   counters end in "_total", units in names: "_seconds", "_bytes"). Label
//   VALUES must come from small, known sets (a status, a route template, an
//   entity type): never an id, a key, a URI or anything a client chooses.
// - render() writes every family with its HELP and TYPE lines, label values
//   and HELP text escaped, histograms as cumulative `_bucket{le=...}` series
//   ending with le="+Inf", then `_sum` and `_count`.
// - Callback families (add_gauge_callback) are computed at render time, for
//   values read elsewhere (a store); the callback may fail, and then the
//   family is left out of that scrape.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace skillsync::metrics {

class Counter {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double v) { value_.fetch_add(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Buckets are upper bounds (inclusive, as Prometheus's `le`), ascending;
// the +Inf bucket is implicit.
class Histogram {
 public:
  explicit Histogram(std::span<const double> bounds);
  void observe(double value);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf (== count)
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1, not cumulative
  std::atomic<double> sum_{0};
};

// The buckets of HTTP request durations: 5 ms to 10 s.
inline constexpr double kHttpDurationBuckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                  0.5,   1,    2.5,   5,    10};

enum class Type { kCounter, kGauge, kHistogram };

// One family: a name, its help, its label names and one child per set of
// label values.
template <class M>
class Family {
 public:
  Family(std::vector<std::string> label_names, std::function<std::unique_ptr<M>()> make)
      : label_names_(std::move(label_names)), make_(std::move(make)) {}

  // The child for these label values (one per label name, in order),
  // created on first use. Values beyond the label names are ignored;
  // missing ones are "".
  M& with(std::initializer_list<std::string_view> values);
  M& with(const std::vector<std::string>& values);

  const std::vector<std::string>& label_names() const { return label_names_; }
  // Calls f(values, metric) for each child, ordered by label values.
  void for_each(const std::function<void(const std::vector<std::string>&, const M&)>& f) const;

 private:
  std::vector<std::string> label_names_;
  std::function<std::unique_ptr<M>()> make_;
  mutable std::shared_mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<M>> children_;
};

// A sample of a callback family: label values (one per label name) and value.
struct Sample {
  std::vector<std::string> labels;
  double value = 0;
};
// Returns the samples, or nullopt when they cannot be read now.
using SampleCallback = std::function<std::optional<std::vector<Sample>>()>;

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Registers a family, or returns the one already registered under `name`
  // (which must be of the same kind).
  Family<Counter>& counter(std::string name, std::string help,
                           std::vector<std::string> label_names = {});
  Family<Gauge>& gauge(std::string name, std::string help,
                       std::vector<std::string> label_names = {});
  Family<Histogram>& histogram(std::string name, std::string help,
                               std::vector<std::string> label_names,
                               std::span<const double> bounds);

  // A gauge family computed at render time. Returns an id for
  // remove_callback(); registering a name again replaces its callback.
  uint64_t add_gauge_callback(std::string name, std::string help,
                              std::vector<std::string> label_names, SampleCallback callback);
  void remove_callback(uint64_t id);

  // The text exposition format 0.0.4, families in name order.
  std::string render() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The process-wide registry that skillsync's own metrics live in.
Registry& default_registry();

// The Content-Type of render()'s output.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

// --- text format pieces (exposed for tests) ---
// HELP text: backslash and newline escaped.
std::string escape_help(std::string_view text);
// Label values: backslash, double quote and newline escaped.
std::string escape_label_value(std::string_view value);
// A sample value: shortest round-trip decimal, "+Inf", "-Inf" or "NaN".
std::string format_value(double value);

// --- Family template members ---
template <class M>
M& Family<M>::with(std::initializer_list<std::string_view> values) {
  std::vector<std::string> key;
  key.reserve(label_names_.size());
  auto it = values.begin();
  for (size_t i = 0; i < label_names_.size(); ++i) {
    key.emplace_back(it != values.end() ? std::string(*it++) : std::string());
  }
  return with(key);
}

template <class M>
M& Family<M>::with(const std::vector<std::string>& values) {
  std::vector<std::string> key(values.begin(),
                               values.begin() + std::min(values.size(), label_names_.size()));
  key.resize(label_names_.size());
  {
    std::shared_lock lock(mu_);
    if (auto it = children_.find(key); it != children_.end()) return *it->second;
  }
  std::unique_lock lock(mu_);
  auto& slot = children_[key];
  if (!slot) slot = make_();
  return *slot;
}

template <class M>
void Family<M>::for_each(
    const std::function<void(const std::vector<std::string>&, const M&)>& f) const {
  std::shared_lock lock(mu_);
  for (const auto& [labels, metric] : children_) f(labels, *metric);
}

}  // namespace skillsync::metrics
