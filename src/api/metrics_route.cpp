// GET /metrics and the store's scrape-time gauges (see metrics_route.hpp).
#include "api/metrics_route.hpp"

#include "api/api_internal.hpp"
#include "metrics/skillsync_metrics.hpp"

namespace skillsync::api {
namespace {

bool is_metrics_path(std::string_view target) {
  return target.substr(0, target.find('?')) == "/metrics";
}

}  // namespace

HttpResponse metrics_response(const HttpRequest& r) {
  if (r.method != "GET" && r.method != "HEAD") return internal::method_not_allowed();
  metrics::skillsync();  // registered even before the first event
  return HttpResponse{
      200, std::string(metrics::kContentType), metrics::default_registry().render(), {}};
}

RequestHandler with_metrics_route(RequestHandler inner, bool serve_metrics) {
  return [inner = std::move(inner), serve_metrics](const HttpRequest& r) -> HttpResponse {
    if (!is_metrics_path(r.target)) return inner(r);
    if (!serve_metrics) {
      return internal::error(404, Errc::kNotFound, "metrics are not served on this listener");
    }
    return metrics_response(r);
  };
}

RequestHandler metrics_only_handler() {
  return [](const HttpRequest& r) -> HttpResponse {
    if (!is_metrics_path(r.target)) {
      return internal::error(404, Errc::kNotFound, "this listener serves only GET /metrics");
    }
    return metrics_response(r);
  };
}

StoreMetrics::StoreMetrics(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {
  auto& registry = metrics::default_registry();
  tasks_id_ = registry.add_gauge_callback(
      "skillsync_tasks", "File Load Tasks of every tenant by current status", {"status"},
      [this]() -> std::optional<std::vector<metrics::Sample>> {
        auto s = stats();
        if (!s.ok()) return std::nullopt;
        std::vector<metrics::Sample> out;
        for (size_t i = 0; i < s->by_status.size(); ++i) {
          out.push_back({{std::string(store::to_string(static_cast<store::TaskStatus>(i)))},
                         static_cast<double>(s->by_status[i])});
        }
        return out;
      });
  oldest_id_ = registry.add_gauge_callback(
      "skillsync_oldest_pending_task_age_seconds",
      "Seconds since the oldest pending File Load Task was created; 0 when none is pending", {},
      [this]() -> std::optional<std::vector<metrics::Sample>> {
        auto s = stats();
        if (!s.ok()) return std::nullopt;
        double age = 0;
        if (s->oldest_pending_created_at) {
          age = std::max<double>(0, double(clock_.now() - *s->oldest_pending_created_at) / 1e6);
        }
        return std::vector<metrics::Sample>{{{}, age}};
      });
}

StoreMetrics::~StoreMetrics() {
  metrics::default_registry().remove_callback(tasks_id_);
  metrics::default_registry().remove_callback(oldest_id_);
}

Result<store::TaskStats> StoreMetrics::stats() { return store_.task_stats(); }

}  // namespace skillsync::api
