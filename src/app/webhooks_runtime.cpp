// Webhook options and runtime wiring (webhooks_runtime.hpp).
#include "app/webhooks_runtime.hpp"

#include <unistd.h>

#include <random>

#include "common/crypto.hpp"
#include "notify/dispatcher.hpp"
#include "notify/transport.hpp"

#ifndef SKILLSYNC_VERSION
#define SKILLSYNC_VERSION "unknown"
#endif

namespace skillsync::app {

struct WebhookRuntime::Parts {
  std::unique_ptr<notify::Transport> transport;
  std::unique_ptr<notify::Deliverer> deliverer;
  std::unique_ptr<notify::Dispatcher> dispatcher;
};

void add_webhook_options(CLI::App* cmd, ServeConfig& c) {
  cmd->add_option("--webhook-allow-host", c.webhook_allow_hosts,
                  "HOST[:PORT] webhooks may reach although it is loopback/private, or over "
                  "plain http (tests, private networks); repeatable")
      ->envname("SKILLSYNC_WEBHOOK_ALLOW_HOST");
  cmd->add_option("--public-url", c.public_url,
                  "This API's public base URL, for the `source` of webhook events; default "
                  "http://<listen>")
      ->envname("SKILLSYNC_PUBLIC_URL");
  cmd->add_option("--webhook-max-attempts", c.webhook_max_attempts,
                  "Delivery attempts of a webhook event before it is given up")
      ->envname("SKILLSYNC_WEBHOOK_MAX_ATTEMPTS")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
}

WebhookRuntime::~WebhookRuntime() { stop(); }

void WebhookRuntime::start_dispatcher() { parts_->dispatcher->start(); }

void WebhookRuntime::stop() {
  if (parts_ && parts_->dispatcher) parts_->dispatcher->stop();
}

Result<std::unique_ptr<WebhookRuntime>> make_webhook_runtime(const ServeConfig& config,
                                                             store::Store& store,
                                                             const tasks::MasterKey& key,
                                                             const std::string& listen) {
  std::vector<notify::AllowedHost> allowed;
  for (const auto& h : config.webhook_allow_hosts) {
    auto a = notify::parse_allowed_host(h);
    if (!a.ok()) return Error{"invalid_argument", "--webhook-allow-host: " + a.error().message};
    allowed.push_back(*a);
  }
  std::string public_url = config.public_url.empty()
                               ? (config.tls_cert.empty() ? "http://" : "https://") + listen
                               : config.public_url;
  while (!public_url.empty() && public_url.back() == '/') public_url.pop_back();
  if (public_url.rfind("http://", 0) != 0 && public_url.rfind("https://", 0) != 0) {
    return Error{"invalid_argument", "--public-url must start with http:// or https://"};
  }
  auto rt = std::make_unique<WebhookRuntime>();
  auto settings = std::make_shared<api::WebhookSettings>();
  settings->policy = notify::EgressPolicy(std::move(allowed));
  settings->keys.current = SecretString(key.bytes());
  for (const auto& p : key.previous()) settings->keys.previous.push_back(p);
  rt->parts_ = std::make_unique<WebhookRuntime::Parts>();
  auto& parts = *rt->parts_;
  parts.transport = notify::make_curl_transport();
  notify::DeliveryConfig dc;
  dc.public_url = public_url;
  dc.user_agent = std::string("skillsync-webhooks/") + SKILLSYNC_VERSION;
  dc.max_attempts = config.webhook_max_attempts;
  auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
  auto rng_mu = std::make_shared<std::mutex>();
  parts.deliverer = std::make_unique<notify::Deliverer>(
      dc, settings->policy, settings->resolve, *parts.transport, settings->keys,
      SystemClock::instance(), [rng, rng_mu] {
        std::lock_guard lock(*rng_mu);
        return std::uniform_real_distribution<double>(0.0, 1.0)(*rng);
      });
  notify::DispatcherConfig dispatch;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  dispatch.owner = std::string(host) + ":" + std::to_string(getpid()) + ":" +
                   crypto::hex(crypto::random_bytes(4));
  parts.dispatcher = std::make_unique<notify::Dispatcher>(store.webhooks(), *parts.deliverer,
                                                          SystemClock::instance(), dispatch);
  notify::Dispatcher* d = parts.dispatcher.get();
  settings->wake = [d] { d->wake(); };
  rt->settings_ = std::move(settings);
  return rt;
}

}  // namespace skillsync::app
