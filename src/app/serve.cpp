// run_serve (serve.hpp) in steps: open the store and the master key, build the
// services (workers, task/OAuth/source services, the Api), start the listeners
// (API or health, /metrics, webhooks), then run until SIGINT/SIGTERM. Each step
// that fails logs one line and the process exits 1.
#include "app/serve.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>

#include "api/api.hpp"
#include "app/key_setup.hpp"
#include "app/metrics_listener.hpp"
#include "app/startup_checks.hpp"
#include "app/webhooks_runtime.hpp"
#include "auth/oauth_service.hpp"
#include "common/log.hpp"
#include "notify/events.hpp"
#include "sources/scheduler.hpp"
#include "sources/source_service.hpp"
#include "store/open_store.hpp"
#include "tasks/tasks.hpp"

namespace skillsync::app {
namespace {

bool make_dir(const std::string& path) {
  return ::mkdir(path.c_str(), 0700) == 0 || errno == EEXIST;
}

// What the process logs about its store: never the URL, which may hold a password.
std::string describe_store(const ServeConfig& config) {
  if (store::is_shared_store(config.store)) return "PostgreSQL";
  if (config.store.empty() || config.store == "sqlite") {
    return "SQLite " + config.data_dir + "/skillsync.db";
  }
  return "SQLite " + config.store.substr(config.store.find(':') + 1);
}

api::ApiConfig http_config(const ServeConfig& config, size_t file_limit) {
  api::ApiConfig c;
  c.listen = config.run_api ? config.listen : config.health_listen;
  c.threads = config.run_api ? config.http_threads : 1;
  c.handler_threads = config.run_api ? config.http_threads * 4 : 1;
  c.max_body_bytes = config.max_body_bytes;
  c.max_connections = connection_cap(config.max_connections, file_limit, config.workers);
  if (c.max_connections < config.max_connections) {
    spdlog::warn(
        "--max-connections {} lowered to {}: the open-file limit is {} and {} files are "
        "kept for the store, workers and S3 (raise the limit, e.g. LimitNOFILE=)",
        config.max_connections, c.max_connections, file_limit, file_reserve(config.workers));
  }
  c.max_connections_per_client = config.max_connections_per_client;
  c.max_body_memory = std::max(config.max_body_memory, config.max_body_bytes);
  c.max_auth_failures = config.max_auth_failures;
  c.tls_cert_file = config.tls_cert;
  c.tls_key_file = config.tls_key;
  return c;
}

// The store and the master key a process runs on, opened and checked.
struct Opened {
  std::unique_ptr<store::Store> store;
  std::optional<tasks::MasterKey> key;
};

// Opens the store, loads the master key (and the previous one of a rotation), checks it
// against the store and creates the first API key. An error's message is
// the whole line to log.
Result<Opened> open_store_and_key(const ServeConfig& config) {
  auto opened = store::open_store(config.store, config.data_dir);
  if (!opened.ok()) {
    return Error{opened.error().code, "cannot open the store (" + describe_store(config) +
                                          "): " + opened.error().message};
  }
  Opened out{std::move(opened).value(), std::nullopt};
  const std::string key_path =
      config.master_key_file.empty() ? config.data_dir + "/master.key" : config.master_key_file;
  SKILLSYNC_ASSIGN_OR_RETURN(out.key, tasks::MasterKey::load_or_create(key_path));
  if (!config.previous_master_key_file.empty()) {
    SKILLSYNC_ASSIGN_OR_RETURN(auto previous,
                               tasks::MasterKey::load(config.previous_master_key_file));
    out.key->add_previous(previous);
  }
  SKILLSYNC_TRY(check_master_key(*out.store, *out.key, key_path));
  if (config.run_api) {
    if (auto s = bootstrap_api_key(*out.store, config); !s.ok()) {
      return Error{s.error().code, "cannot create the first API key: " + s.error().message};
    }
  }
  return out;
}

source::s3::ClientConfig s3_config_of(const ServeConfig& config) {
  source::s3::ClientConfig c;
  c.endpoint = config.s3_endpoint;
  c.region = config.s3_region;
  c.stall_timeout = std::chrono::seconds(config.s3_stall_timeout_seconds);
  c.retry_deadline = std::chrono::seconds(config.s3_retry_deadline_seconds);
  return c;
}

tasks::WorkerPoolConfig pool_config_of(const ServeConfig& config) {
  tasks::WorkerPoolConfig c;
  c.workers = config.workers;
  c.retention = std::chrono::hours(24 * config.retention_days);
  c.pipeline.lease_duration = int64_t{config.task_lease_seconds} * 1000000;
  // The heartbeat is also how a worker learns that its task was cancelled:
  // at most every 2 s, so that a cancel takes effect within seconds.
  c.pipeline.heartbeat_interval =
      std::chrono::milliseconds(std::clamp(config.task_lease_seconds * 1000 / 5, 200, 2000));
  return c;
}

auth::OAuthConfig oauth_config_of(const ServeConfig& config) {
  auth::OAuthConfig c;
  c.token_lifetime_seconds = config.token_lifetime_seconds;
  return c;
}

// Everything between the store and the listeners: the task workers (where
// they run), the task, OAuth and source services, the source scheduler, and
// the Api that routes to them. Built in place: members point at each other.
class Services {
 public:
  Services(const ServeConfig& config, store::Store& store, const tasks::MasterKey& key)
      : s3_config_(s3_config_of(config)),
        opener_(source::make_s3_opener(s3_config_)),
        pool_config_(pool_config_of(config)),
        // Fail fast: a task whose credentials cannot read its object is
        // refused at POST time (unless options.validate_access is false).
        service_(store, key, SystemClock::instance(), tasks::make_s3_access_check(s3_config_)),
        // Without local workers, the store's notification wakes the remote ones.
        api_(
            store, service_, [this] { notify_workers(); },
            api::RateLimit{config.rate_limit, config.rate_burst}),
        // OAuth2 tokens are signed with a key derived from the master key, so
        // every API process of the deployment verifies them (auth/token.hpp).
        oauth_(store, auth::signing_key_from_master(key.bytes()), SystemClock::instance(),
               oauth_config_of(config)),
        // Recurring sources: checks run where the task workers run.
        checker_(store, key, SystemClock::instance(), sources::make_s3_lister(s3_config_)),
        source_service_(store, key, SystemClock::instance(),
                        tasks::make_s3_access_check(s3_config_), [this] {
                          if (scheduler_) scheduler_->wake();
                        }) {
    if (config.run_workers) {
      pool_.emplace(store, *opener_, key, SystemClock::instance(), pool_config_);
      scheduler_.emplace(store, checker_, SystemClock::instance(), scheduler_config(store));
    }
    api_.enable_oauth(oauth_);
    api_.set_sources(&source_service_);
  }
  Services(const Services&) = delete;
  Services& operator=(const Services&) = delete;

  api::Api& api() { return api_; }
  void start() {
    if (pool_) pool_->start();
    if (scheduler_) scheduler_->start();
  }
  void stop() {
    if (scheduler_) scheduler_->stop();
    if (pool_) pool_->stop();
  }

 private:
  void notify_workers() {
    if (pool_) pool_->notify();
  }
  sources::SchedulerConfig scheduler_config(store::Store& store) {
    sources::SchedulerConfig sc;
    sc.lease_duration = pool_config_.pipeline.lease_duration;
    // A source entering `error` is told to the tenant's webhooks (source.error.v1).
    sc.on_source_error = [&store](const store::Source& source, const std::string& reason) {
      auto queued =
          notify::enqueue_source_error(store.webhooks(), source.tenant, source.id, "source_error",
                                       reason, SystemClock::instance().now());
      if (!queued.ok()) {
        spdlog::warn("source {}: its source.error.v1 event was not queued: {}", source.id,
                     queued.error().message);
      }
    };
    sc.on_tasks_created = [this] { notify_workers(); };
    return sc;
  }

  source::s3::ClientConfig s3_config_;
  std::unique_ptr<tasks::ObjectOpener> opener_;
  tasks::WorkerPoolConfig pool_config_;
  std::optional<tasks::WorkerPool> pool_;
  tasks::TaskService service_;
  api::Api api_;
  auth::OAuthService oauth_;
  sources::SourceChecker checker_;
  std::optional<sources::SourceScheduler> scheduler_;
  sources::SourceService source_service_;
};

// The process's listeners: the API (or health) server, /metrics and the
// webhook runtime. Destroyed in reverse: webhooks, server, metrics.
struct Listeners {
  std::atomic<bool> stopping{false};
  std::unique_ptr<ProcessMetrics> metrics;
  std::unique_ptr<api::HttpServer> server;
  std::string bound;  // the server's host:port
  std::unique_ptr<WebhookRuntime> webhooks;
};

Status start_listeners(const ServeConfig& config, Opened& opened, Services& services,
                       size_t file_limit, Listeners& out) {
  api::Api& api = services.api();
  api::RequestHandler handler =
      config.run_api
          ? api::RequestHandler([&api](const api::HttpRequest& r) { return api.handle(r); })
          : api::health_only_handler([&out] { return !out.stopping.load(); });
  // GET /metrics and its gauges.
  SKILLSYNC_ASSIGN_OR_RETURN(out.metrics, start_metrics(config, *opened.store, handler));
  api::HeaderCheck check;
  if (config.run_api) check = [&api](const api::HttpRequest& r) { return api.check_headers(r); };
  out.server = std::make_unique<api::HttpServer>(http_config(config, file_limit),
                                                 std::move(handler), std::move(check));
  SKILLSYNC_ASSIGN_OR_RETURN(out.bound, out.server->bind());
  // Webhooks: the API's routes everywhere, the dispatcher where tasks run.
  SKILLSYNC_ASSIGN_OR_RETURN(out.webhooks,
                             make_webhook_runtime(config, *opened.store, *opened.key,
                                                  config.run_api ? out.bound : config.listen));
  api.set_webhooks(out.webhooks->settings());
  return ok_status();
}

void log_started(const ServeConfig& config, const std::string& bound) {
  const std::string scheme = config.tls_cert.empty() ? "http://" : "https://";
  const std::string s3 =
      config.s3_endpoint.empty() ? "AWS " + config.s3_region : config.s3_endpoint;
  if (config.run_api) {
    spdlog::info("skillsync listening on {}{} (store {}, {} workers, S3 {})", scheme, bound,
                 describe_store(config), config.run_workers ? config.workers : 0, s3);
  } else {
    spdlog::info("skillsync worker running (store {}, {} workers, S3 {}), health on {}{}/healthz",
                 describe_store(config), config.workers, s3, scheme, bound);
  }
}

// Starts the workers and serves until SIGINT or SIGTERM (blocked in every
// thread: one thread waits for them), then stops everything in order.
void run_until_signal(const ServeConfig& config, Services& services, Listeners& l,
                      const sigset_t& stop_signals) {
  if (config.run_workers) l.webhooks->start_dispatcher();
  services.start();
  log_started(config, l.bound);
  std::thread signal_waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    spdlog::info("received {}, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    l.stopping = true;
    l.server->stop();
  });
  l.server->run();
  services.stop();
  l.webhooks->stop();
  if (signal_waiter.joinable()) {
    // run() only returns after stop(), which only the waiter calls.
    signal_waiter.join();
  }
}

}  // namespace

int run_serve(const ServeConfig& config) {
  init_logging(config.log_level, config.log_format);
  // The database holds employees' records and sealed credentials: files this
  // process creates are for its own user only.
  ::umask(077);
  if (const char* env = std::getenv("SKILLSYNC_BOOTSTRAP_API_KEY");
      config.run_api && env != nullptr && *env != '\0') {
    if (auto s = check_bootstrap_key(env); !s.ok()) {
      spdlog::error("{}", s.error().message);
      return 1;
    }
  }
  const size_t file_limit = raise_file_limit();
  if (!make_dir(config.data_dir)) {
    spdlog::error("cannot create data directory {}: {}", config.data_dir, std::strerror(errno));
    return 1;
  }
  // Block the stop signals in every thread; one thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto opened = open_store_and_key(config);
  if (!opened.ok()) {
    spdlog::error("{}", opened.error().message);
    return 1;
  }
  Services services(config, *opened->store, *opened->key);
  Listeners listeners;
  if (Status s = start_listeners(config, *opened, services, file_limit, listeners); !s.ok()) {
    spdlog::error("{}", s.error().message);
    return 1;
  }
  run_until_signal(config, services, listeners, stop_signals);
  spdlog::info("skillsync stopped");
  return 0;
}

}  // namespace skillsync::app
