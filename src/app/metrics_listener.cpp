// MetricsListener (see metrics_listener.hpp).
#include "app/metrics_listener.hpp"

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
  auto bound = m->server_.bind();
  if (!bound.ok()) return bound.error();
  m->address_ = *bound;
  m->thread_ = std::thread([raw = m.get()] { raw->server_.run(); });
  return m;
}

MetricsListener::~MetricsListener() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace skillsync::app
