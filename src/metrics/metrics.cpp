// Registry and the Prometheus text exposition format 0.0.4 (see metrics.hpp).
#include "metrics/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <variant>

namespace skillsync::metrics {

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds.begin(), bounds.end()),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds.size() + 1)) {
  std::sort(bounds_.begin(), bounds_.end());
}

void Histogram::observe(double value) {
  // A handful of bounds: a linear scan beats a binary search here.
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.bounds = bounds_;
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  // _count is the +Inf bucket, so that the two always agree in a scrape.
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::string escape_help(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec != std::errc()) return "NaN";
  return std::string(buf, end);
}

namespace {

const char* type_name(Type t) {
  switch (t) {
    case Type::kCounter:
      return "counter";
    case Type::kGauge:
      return "gauge";
    default:
      return "histogram";
  }
}

// `{a="x",b="y"}` (with `extra` appended as one more label), or "" when
// there is no label at all.
std::string label_set(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      std::string_view extra_name = {}, std::string_view extra_value = {}) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    out += out.empty() ? "{" : ",";
    out += names[i] + "=\"" + escape_label_value(values[i]) + "\"";
  }
  if (!extra_name.empty()) {
    out += out.empty() ? "{" : ",";
    out += std::string(extra_name) + "=\"" + escape_label_value(extra_value) + "\"";
  }
  if (!out.empty()) out += "}";
  return out;
}

void render_histogram(std::string& out, const std::string& name,
                      const std::vector<std::string>& names, const std::vector<std::string>& values,
                      const Histogram& h) {
  const Histogram::Snapshot s = h.snapshot();
  for (size_t i = 0; i < s.cumulative.size(); ++i) {
    const std::string le = i < s.bounds.size() ? format_value(s.bounds[i]) : "+Inf";
    out += name + "_bucket" + label_set(names, values, "le", le) + " " +
           std::to_string(s.cumulative[i]) + "\n";
  }
  out += name + "_sum" + label_set(names, values) + " " + format_value(s.sum) + "\n";
  out += name + "_count" + label_set(names, values) + " " + std::to_string(s.count) + "\n";
}

}  // namespace

struct Registry::Impl {
  struct Callback {
    uint64_t id;
    std::vector<std::string> label_names;
    SampleCallback fn;
  };
  using Metric = std::variant<std::unique_ptr<Family<Counter>>, std::unique_ptr<Family<Gauge>>,
                              std::unique_ptr<Family<Histogram>>, Callback>;
  struct Entry {
    Type type;
    std::string help;
    Metric metric;
  };
  std::mutex mu;  // guards the map, not the families' children
  std::map<std::string, Entry> entries;
  uint64_t next_id = 1;

  template <class M>
  Family<M>& family(std::string name, std::string help, Type type, std::vector<std::string> labels,
                    std::function<std::unique_ptr<M>()> make) {
    std::lock_guard lock(mu);
    auto it = entries.find(name);
    if (it == entries.end()) {
      Entry e{type, std::move(help),
              std::make_unique<Family<M>>(std::move(labels), std::move(make))};
      it = entries.emplace(std::move(name), std::move(e)).first;
    }
    return *std::get<std::unique_ptr<Family<M>>>(it->second.metric);
  }

  void render_entry(std::string& out, const std::string& name, const Entry& e) const;
};

void Registry::Impl::render_entry(std::string& out, const std::string& name, const Entry& e) const {
  std::string body;
  if (const auto* c = std::get_if<std::unique_ptr<Family<Counter>>>(&e.metric)) {
    (*c)->for_each([&](const std::vector<std::string>& values, const Counter& m) {
      body +=
          name + label_set((*c)->label_names(), values) + " " + std::to_string(m.value()) + "\n";
    });
  } else if (const auto* g = std::get_if<std::unique_ptr<Family<Gauge>>>(&e.metric)) {
    (*g)->for_each([&](const std::vector<std::string>& values, const Gauge& m) {
      body += name + label_set((*g)->label_names(), values) + " " + format_value(m.value()) + "\n";
    });
  } else if (const auto* h = std::get_if<std::unique_ptr<Family<Histogram>>>(&e.metric)) {
    (*h)->for_each([&](const std::vector<std::string>& values, const Histogram& m) {
      render_histogram(body, name, (*h)->label_names(), values, m);
    });
  } else {
    const auto& cb = std::get<Callback>(e.metric);
    auto samples = cb.fn();
    if (!samples) return;  // unreadable now: leave the family out of this scrape
    for (const Sample& s : *samples) {
      body += name + label_set(cb.label_names, s.labels) + " " + format_value(s.value) + "\n";
    }
  }
  out += "# HELP " + name + " " + escape_help(e.help) + "\n";
  out += "# TYPE " + name + " " + type_name(e.type) + "\n";
  out += body;
}

Registry::Registry() : impl_(std::make_unique<Impl>()) {}
Registry::~Registry() = default;

Family<Counter>& Registry::counter(std::string name, std::string help,
                                   std::vector<std::string> label_names) {
  return impl_->family<Counter>(std::move(name), std::move(help), Type::kCounter,
                                std::move(label_names), [] { return std::make_unique<Counter>(); });
}

Family<Gauge>& Registry::gauge(std::string name, std::string help,
                               std::vector<std::string> label_names) {
  return impl_->family<Gauge>(std::move(name), std::move(help), Type::kGauge,
                              std::move(label_names), [] { return std::make_unique<Gauge>(); });
}

Family<Histogram>& Registry::histogram(std::string name, std::string help,
                                       std::vector<std::string> label_names,
                                       std::span<const double> bounds) {
  std::vector<double> b(bounds.begin(), bounds.end());
  return impl_->family<Histogram>(std::move(name), std::move(help), Type::kHistogram,
                                  std::move(label_names),
                                  [b] { return std::make_unique<Histogram>(b); });
}

uint64_t Registry::add_gauge_callback(std::string name, std::string help,
                                      std::vector<std::string> label_names,
                                      SampleCallback callback) {
  std::lock_guard lock(impl_->mu);
  const uint64_t id = impl_->next_id++;
  impl_->entries.insert_or_assign(
      std::move(name),
      Impl::Entry{Type::kGauge, std::move(help),
                  Impl::Callback{id, std::move(label_names), std::move(callback)}});
  return id;
}

void Registry::remove_callback(uint64_t id) {
  std::lock_guard lock(impl_->mu);
  std::erase_if(impl_->entries, [id](const auto& kv) {
    const auto* cb = std::get_if<Impl::Callback>(&kv.second.metric);
    return cb != nullptr && cb->id == id;
  });
}

std::string Registry::render() const {
  std::string out;
  std::lock_guard lock(impl_->mu);
  for (const auto& [name, entry] : impl_->entries) impl_->render_entry(out, name, entry);
  return out;
}

Registry& default_registry() {
  static Registry* registry = new Registry();  // never destroyed: used until exit
  return *registry;
}

}  // namespace skillsync::metrics
