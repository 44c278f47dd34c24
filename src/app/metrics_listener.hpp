// app/metrics_listener: GET /metrics on an address of its own
// (--metrics-listen), served by one thread until the object is destroyed.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "api/api.hpp"
#include "common/result.hpp"

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

}  // namespace skillsync::app
