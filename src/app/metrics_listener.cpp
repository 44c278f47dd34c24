// MetricsListener (see metrics_listener.hpp).
#include "app/metrics_listener.hpp"

#include <spdlog/spdlog.h>

#include "api/metrics_route.hpp"

namespace skillsync::app {

MetricsListener::MetricsListener(api::ApiConfig config)
    : server_(std::move(config), api::metrics_only_handler()) {}

Result<std::unique_ptr<MetricsListener>> MetricsListener::start(const std::string& listen) {
  api::ApiConfig config;
  config.listen = listen;
  config.threads = 1;
  config.max_connections = 64;
  std::unique_ptr<MetricsListener> m(new MetricsListener(std::move(config)));
  SKILLSYNC_ASSIGN_OR_RETURN(auto bound, m->server_.bind());
  m->address_ = bound;
  m->thread_ = std::thread([raw = m.get()] { raw->server_.run(); });
  return m;
}

Result<std::unique_ptr<ProcessMetrics>> start_metrics(const ServeConfig& config,
                                                      store::Store& store,
                                                      api::RequestHandler& handler) {
  const bool on = config.metrics == "on";
  handler = api::with_metrics_route(std::move(handler), on && config.metrics_listen.empty());
  auto m = std::make_unique<ProcessMetrics>();
  if (!on) return m;
  m->store_gauges.emplace(store, SystemClock::instance());
  if (config.metrics_listen.empty()) return m;
  auto listener = MetricsListener::start(config.metrics_listen);
  if (!listener.ok())
    return Error{"listen_failed", "--metrics-listen: " + listener.error().message};
  m->listener = std::move(*listener);
  spdlog::info("metrics on http://{}/metrics", m->listener->address());
  return m;
}

MetricsListener::~MetricsListener() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace skillsync::app
