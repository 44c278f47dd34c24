// api/metrics_route: GET /metrics, the Prometheus scrape endpoint (text
// format 0.0.4, no key needed, like /healthz), and the gauges read from the
// store at scrape time.
//
// Where it is served: on the API listener (with_metrics_route), or on its
// own listener (--metrics-listen: metrics_only_handler, and the API answers
// 404 for /metrics), or nowhere (--metrics off: 404); on a worker, on its
// health listener.
#pragma once

#include <cstdint>

#include "api/api.hpp"
#include "common/time.hpp"
#include "store/store.hpp"

namespace skillsync::api {

// The answer to GET /metrics (405 for another method).
HttpResponse metrics_response(const HttpRequest& r);

// Wraps `inner`: a request for the path /metrics gets metrics_response()
// when `serve_metrics`, a 404 otherwise; every other request goes to `inner`.
RequestHandler with_metrics_route(RequestHandler inner, bool serve_metrics);

// Serves GET /metrics only; every other path is a 404.
RequestHandler metrics_only_handler();

// Registers, while it lives, the gauges read from `store` at scrape time:
// skillsync_tasks{status} (every tenant's tasks by current status) and
// skillsync_oldest_pending_task_age_seconds (0 when none is pending), each
// from a Store::task_stats() call (one aggregate query) at every scrape, so
// a scrape always shows the store as it is. A store that cannot answer
// leaves them out of the scrape.
// REQUIRES: `store` and `clock` outlive the object.
class StoreMetrics {
 public:
  StoreMetrics(store::Store& store, const Clock& clock);
  ~StoreMetrics();
  StoreMetrics(const StoreMetrics&) = delete;
  StoreMetrics& operator=(const StoreMetrics&) = delete;

 private:
  Result<store::TaskStats> stats();

  store::Store& store_;
  const Clock& clock_;
  uint64_t tasks_id_ = 0;
  uint64_t oldest_id_ = 0;
};

}  // namespace skillsync::api
