// webhooks_runtime: wires webhooks into `serve` and `worker` — the
// options (--webhook-allow-host, --public-url, --webhook-max-attempts), the
// API's webhook settings, and the outbox dispatcher of a process that runs
// tasks (stopped with the process, before the store closes).
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "api/webhook_routes.hpp"
#include "app/serve.hpp"
#include "common/result.hpp"
#include "store/store.hpp"
#include "tasks/task_service.hpp"

namespace skillsync::app {

void add_webhook_options(CLI::App* cmd, ServeConfig& c);

class WebhookRuntime {
 public:
  ~WebhookRuntime();
  // The settings the API's webhook routes use.
  std::shared_ptr<const api::WebhookSettings> settings() const { return settings_; }
  // Starts the dispatcher (processes that run tasks only).
  void start_dispatcher();
  void stop();

 private:
  friend Result<std::unique_ptr<WebhookRuntime>> make_webhook_runtime(const ServeConfig&,
                                                                      store::Store&,
                                                                      const tasks::MasterKey&,
                                                                      const std::string&);
  struct Parts;
  std::shared_ptr<api::WebhookSettings> settings_;
  std::unique_ptr<Parts> parts_;
};

// `listen` is the API's bound host:port (the default public URL's host).
// Fails ("invalid_argument") on a bad --webhook-allow-host or --public-url.
Result<std::unique_ptr<WebhookRuntime>> make_webhook_runtime(const ServeConfig& config,
                                                             store::Store& store,
                                                             const tasks::MasterKey& key,
                                                             const std::string& listen);

}  // namespace skillsync::app
