#include "app/serve.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>

#include "api/api.hpp"
#include "app/metrics_listener.hpp"
#include "app/startup_checks.hpp"
#include "app/webhooks_runtime.hpp"
#include "auth/oauth_service.hpp"
#include "common/crypto.hpp"
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

bool write_secret_file(const std::string& path, const std::string& content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  std::string line = content + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  secure_wipe(line);
  return ::close(fd) == 0 && ok;
}

// On first start there is no API key: create one so the operator can log in.
Status bootstrap_api_key(store::Store& store, const ServeConfig& config) {
  auto count = store.count_api_keys();
  if (!count.ok()) return count.error();
  if (*count > 0) return ok_status();
  const char* env = std::getenv("SKILLSYNC_BOOTSTRAP_API_KEY");
  bool from_env = env != nullptr && *env != '\0';
  SecretString key(from_env ? std::string(env) : api::generate_api_key());
  store::ApiKey info;
  info.id = "key_" + crypto::hex(crypto::random_bytes(8));
  info.tenant = std::string(store::kDefaultTenant);
  info.scopes = "read,write";
  info.created_at = SystemClock::instance().now();
  Status added = store.add_api_key(info, api::hash_api_key(key.reveal()));
  // Another API process sharing the store may have added the same key first.
  if (!added.ok() && !(from_env && added.error().code == "already_exists")) return added;
  if (from_env) {
    spdlog::info("created the first API key from SKILLSYNC_BOOTSTRAP_API_KEY");
    return ok_status();
  }
  std::string path = config.data_dir + "/initial-api-key";
  if (!write_secret_file(path, key.reveal())) {
    return Error{"io_error", "cannot write " + path};
  }
  // Printed once, on purpose: this is how the operator learns the key.
  std::fprintf(stderr, "\nskillsync: created the first API key (also in %s):\n\n  %s\n\n",
               path.c_str(), key.reveal().c_str());
  return ok_status();
}

// Every process sharing a store must seal and open task credentials with the
// same master key; a process started with another key would fail every task
// it runs (or seal tasks no other process can open). The store keeps a
// check value of the first key it saw (an HMAC, which says nothing about
// the key), and a process with another key refuses to start.
std::string master_key_check(const std::string& key_bytes) {
  return crypto::hex(crypto::hmac_sha256(key_bytes, "skillsync master key check v1"));
}

Status check_master_key(store::Store& store, const tasks::MasterKey& key,
                        const std::string& key_path) {
  const std::string check = master_key_check(key.bytes());
  auto stored = store.ensure_setting("master_key_check", check);
  if (!stored.ok()) return stored.error();
  // A rotation: the store knew the previous key; from now on it knows this one.
  for (const SecretString& previous : key.previous()) {
    if (*stored != master_key_check(previous.reveal())) continue;
    auto replaced = store.replace_setting("master_key_check", *stored, check);
    if (!replaced.ok()) return replaced.error();
    spdlog::info("master key rotated: new tasks are sealed with {}", key_path);
    return ok_status();
  }
  if (*stored != check) {
    return Error{"master_key_mismatch",
                 "the master key in " + key_path +
                     " is not the one this store's tasks are sealed with: every process "
                     "sharing a store needs the same --master-key-file"};
  }
  return ok_status();
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

  auto opened = store::open_store(config.store, config.data_dir);
  if (!opened.ok()) {
    spdlog::error("cannot open the store ({}): {}", describe_store(config), opened.error().message);
    return 1;
  }
  store::Store& store = **opened;
  const std::string key_path =
      config.master_key_file.empty() ? config.data_dir + "/master.key" : config.master_key_file;
  auto key = tasks::MasterKey::load_or_create(key_path);
  if (!key.ok()) {
    spdlog::error("{}", key.error().message);
    return 1;
  }
  if (!config.previous_master_key_file.empty()) {
    auto previous = tasks::MasterKey::load(config.previous_master_key_file);
    if (!previous.ok()) {
      spdlog::error("{}", previous.error().message);
      return 1;
    }
    key->add_previous(*previous);
  }
  if (auto s = check_master_key(store, *key, key_path); !s.ok()) {
    spdlog::error("{}", s.error().message);
    return 1;
  }
  if (config.run_api) {
    if (auto s = bootstrap_api_key(store, config); !s.ok()) {
      spdlog::error("cannot create the first API key: {}", s.error().message);
      return 1;
    }
  }

  source::s3::ClientConfig s3_config;
  s3_config.endpoint = config.s3_endpoint;
  s3_config.region = config.s3_region;
  s3_config.stall_timeout = std::chrono::seconds(config.s3_stall_timeout_seconds);
  s3_config.retry_deadline = std::chrono::seconds(config.s3_retry_deadline_seconds);
  auto opener = tasks::make_s3_opener(s3_config);
  tasks::WorkerPoolConfig pool_config;
  pool_config.workers = config.workers;
  pool_config.retention = std::chrono::hours(24 * config.retention_days);
  pool_config.pipeline.lease_duration = int64_t{config.task_lease_seconds} * 1000000;
  // The heartbeat is also how a worker learns that its task was cancelled:
  // at most every 2 s, so that a cancel takes effect within seconds.
  pool_config.pipeline.heartbeat_interval =
      std::chrono::milliseconds(std::clamp(config.task_lease_seconds * 1000 / 5, 200, 2000));
  std::optional<tasks::WorkerPool> pool;
  if (config.run_workers) {
    pool.emplace(store, *opener, *key, SystemClock::instance(), pool_config);
  }

  // Fail fast: a task whose credentials cannot read its object is refused at
  // POST time (unless options.validate_access is false).
  tasks::TaskService service(store, *key, SystemClock::instance(),
                             tasks::make_s3_access_check(s3_config));
  // Without local workers, the store's notification wakes the remote ones.
  api::Api api(
      store, service,
      [&pool] {
        if (pool) pool->notify();
      },
      api::RateLimit{config.rate_limit, config.rate_burst});
  // OAuth2 tokens are signed with a key derived from the master key, so every
  // API process of the deployment verifies them (auth/token.hpp).
  auth::OAuthConfig oauth_config;
  oauth_config.token_lifetime_seconds = config.token_lifetime_seconds;
  auth::OAuthService oauth(store, auth::signing_key_from_master(key->bytes()),
                           SystemClock::instance(), oauth_config);
  api.enable_oauth(oauth);
  // Recurring sources: checks run where the task workers run.
  sources::SourceChecker checker(store, *key, SystemClock::instance(),
                                 sources::make_s3_lister(s3_config));
  std::optional<sources::SourceScheduler> scheduler;
  if (config.run_workers) {
    sources::SchedulerConfig sc;
    sc.lease_duration = pool_config.pipeline.lease_duration;
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
    sc.on_tasks_created = [&pool] {
      if (pool) pool->notify();
    };
    scheduler.emplace(store, checker, SystemClock::instance(), std::move(sc));
  }
  sources::SourceService source_service(store, *key, SystemClock::instance(),
                                        tasks::make_s3_access_check(s3_config), [&scheduler] {
                                          if (scheduler) scheduler->wake();
                                        });
  api.set_sources(&source_service);
  std::atomic<bool> stopping{false};
  api::RequestHandler handler =
      config.run_api
          ? api::RequestHandler([&api](const api::HttpRequest& r) { return api.handle(r); })
          : api::health_only_handler([&stopping] { return !stopping.load(); });
  auto metrics = start_metrics(config, store, handler);  // GET /metrics and its gauges
  if (!metrics.ok()) {
    spdlog::error("{}", metrics.error().message);
    return 1;
  }
  api::HeaderCheck check;
  if (config.run_api) check = [&api](const api::HttpRequest& r) { return api.check_headers(r); };
  api::HttpServer server(http_config(config, file_limit), std::move(handler), std::move(check));
  auto bound = server.bind();
  if (!bound.ok()) {
    spdlog::error("{}", bound.error().message);
    return 1;
  }
  // Webhooks: the API's routes everywhere, the dispatcher where tasks run.
  auto webhooks =
      make_webhook_runtime(config, store, *key, config.run_api ? *bound : config.listen);
  if (!webhooks.ok()) {
    spdlog::error("{}", webhooks.error().message);
    return 1;
  }
  api.set_webhooks((*webhooks)->settings());
  if (config.run_workers) (*webhooks)->start_dispatcher();
  if (pool) pool->start();
  if (scheduler) scheduler->start();
  const std::string scheme = config.tls_cert.empty() ? "http://" : "https://";
  const std::string s3 =
      config.s3_endpoint.empty() ? "AWS " + config.s3_region : config.s3_endpoint;
  if (config.run_api) {
    spdlog::info("skillsync listening on {}{} (store {}, {} workers, S3 {})", scheme, *bound,
                 describe_store(config), config.run_workers ? config.workers : 0, s3);
  } else {
    spdlog::info("skillsync worker running (store {}, {} workers, S3 {}), health on {}{}/healthz",
                 describe_store(config), config.workers, s3, scheme, *bound);
  }

  std::thread signal_waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    spdlog::info("received {}, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    stopping = true;
    server.stop();
  });
  server.run();
  if (scheduler) scheduler->stop();
  if (pool) pool->stop();
  (*webhooks)->stop();
  if (signal_waiter.joinable()) {
    // run() only returns after stop(), which only the waiter calls.
    signal_waiter.join();
  }
  spdlog::info("skillsync stopped");
  return 0;
}

}  // namespace skillsync::app
