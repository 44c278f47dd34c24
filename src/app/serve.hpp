// The long-running commands: `serve` (HTTP API and, unless --no-workers, the
// task workers) and `worker` (task workers and a health endpoint only).
// Both wire store, tasks and api together and run until SIGINT/SIGTERM.
#pragma once

#include <string>
#include <vector>

namespace skillsync::app {

struct ServeConfig {
  // --- every command that opens the store ---
  std::string data_dir = "./data";
  // "" or "sqlite": <data_dir>/skillsync.db; "postgres://...": a shared
  // PostgreSQL (see store/open_store.hpp). May hold a password: never logged.
  std::string store;
  std::string master_key_file;  // default <data_dir>/master.key
  // Rotation: the key that sealed the tasks created before it (see
  // docs/security.md); "" when none.
  std::string previous_master_key_file;
  std::string log_level = "info";
  std::string log_format = "text";  // "text" or "json" (one JSON object per line)

  // --- task workers ---
  bool run_workers = true;  // false: `serve --no-workers`
  std::string s3_endpoint;  // "" = AWS
  std::string s3_region = "us-east-1";
  int s3_stall_timeout_seconds = 60;    // no byte for this long -> reconnect
  int s3_retry_deadline_seconds = 900;  // give a failing object up after this
  int workers = 2;
  int task_lease_seconds = 120;  // a dead worker's task is taken over after this
  int retention_days = 30;       // finished tasks and their row errors are purged after this

  // --- webhooks (notify/, docs/api.md "Webhooks") ---
  // HOST[:PORT] the SSRF guard lets through (plain http, any address).
  std::vector<std::string> webhook_allow_hosts;
  // Base of the CloudEvents `source` URLs; "" = http://<listen>.
  std::string public_url;
  int webhook_max_attempts = 8;  // attempts per event before it is given up

  // --- HTTP ---
  bool run_api = true;  // false: `worker`, which serves only GET /healthz on health_listen
  std::string listen = "127.0.0.1:8080";
  std::string health_listen = "127.0.0.1:8081";
  int http_threads = 4;
  size_t max_body_bytes = 1024 * 1024;
  size_t max_connections = 1024;
  size_t max_connections_per_client = 64;  // per client address
  size_t max_body_memory = 64u << 20;      // request bodies in flight, all connections
  size_t max_auth_failures = 50;           // per client address and minute; 0 = off
  double rate_limit = 50;                  // requests per second per API key; 0 = off
  double rate_burst = 200;                 // bucket size
  std::string tls_cert;                    // PEM certificate chain; with tls_key -> HTTPS
  std::string tls_key;

  // --- metrics (GET /metrics) ---
  std::string metrics = "on";  // "off": no /metrics anywhere
  // "": /metrics on the API listener (serve) or the health listener
  // (worker); otherwise on this host:port only.
  std::string metrics_listen;
};

// Runs `serve` (config.run_api) or `worker` (!config.run_api). Returns the
// process exit code.
int run_serve(const ServeConfig& config);

}  // namespace skillsync::app
