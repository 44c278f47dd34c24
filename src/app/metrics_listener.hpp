// app/metrics_listener: the metrics of `serve` and `worker`: GET /metrics
// on the main listener or on an address of its own (--metrics-listen,
// served by one thread until the object is destroyed), and the store's
// scrape-time gauges.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "api/api.hpp"
#include "api/metrics_route.hpp"
#include "app/serve.hpp"
#include "common/result.hpp"
#include "store/store.hpp"

namespace skillsync::app {

class MetricsListener {
 public:
  // Binds `listen` (host:port; port 0 picks a free one) and starts serving.
  static Result<std::unique_ptr<MetricsListener>> start(const std::string& listen);
  ~MetricsListener();
  const std::string& address() const { return address_; }  // the bound host:port

 private:
  explicit MetricsListener(api::ApiConfig config);
  api::HttpServer server_;
  std::thread thread_;
  std::string address_;
};

// What a process keeps alive for its metrics.
struct ProcessMetrics {
  std::optional<api::StoreMetrics> store_gauges;
  std::unique_ptr<MetricsListener> listener;  // --metrics-listen only
};

// Per config.metrics and config.metrics_listen: wraps `handler` (the main
// listener's) so that /metrics is served there or answers 404, registers
// the store's gauges and starts the --metrics-listen listener ("cannot
// listen" errors). REQUIRES: `store` outlives the result.
Result<std::unique_ptr<ProcessMetrics>> start_metrics(const ServeConfig& config,
                                                      store::Store& store,
                                                      api::RequestHandler& handler);

}  // namespace skillsync::app
