// skillsync: the command line. Thin on purpose: options in, run_* out.
//
//   skillsync serve   [--no-workers]  the HTTP API (and the task workers)
//   skillsync worker                  the task workers and GET /healthz only
//   skillsync keys ...                API keys (see keys_command.hpp)
//   skillsync clients ...             OAuth2 clients (see clients_command.hpp)
//   skillsync load|tasks|events|login the client, over HTTP (client/client.hpp)
#include <CLI/CLI.hpp>

#include <iostream>

#include "app/clients_command.hpp"
#include "app/config.hpp"
#include "app/keys_command.hpp"
#include "app/options.hpp"
#include "app/serve.hpp"
#include "app/webhooks_runtime.hpp"
#include "client/client.hpp"

namespace {

using skillsync::app::add_ranged_option;
using skillsync::app::add_store_options;
using skillsync::app::ServeConfig;

// Options of the processes that run tasks (and of `serve`, which checks access
// to S3 at POST time).
void add_worker_options(CLI::App* cmd, ServeConfig& c) {
  using skillsync::app::add_webhook_options;
  cmd->add_option("--master-key-file", c.master_key_file,
                  "Key that encrypts task credentials at rest (created, mode 0600, if absent; "
                  "default <data-dir>/master.key); the same file for every process of a "
                  "deployment")
      ->envname("SKILLSYNC_MASTER_KEY_FILE");
  cmd->add_option("--previous-master-key-file", c.previous_master_key_file,
                  "Rotation: the master key that sealed tasks created before the current one "
                  "(docs/security.md)")
      ->envname("SKILLSYNC_PREVIOUS_MASTER_KEY_FILE")
      ->check(CLI::ExistingFile);
  cmd->add_option("--s3-endpoint", c.s3_endpoint,
                  "S3-compatible endpoint, e.g. http://127.0.0.1:9000 (path-style); unset: AWS "
                  "virtual-hosted HTTPS endpoints")
      ->envname("SKILLSYNC_S3_ENDPOINT");
  cmd->add_option("--s3-region", c.s3_region, "Default S3 region of tasks without 'region'")
      ->envname("SKILLSYNC_S3_REGION")
      ->capture_default_str();
  add_ranged_option(cmd, "--s3-stall-timeout", c.s3_stall_timeout_seconds,
                    "Seconds without a byte from S3 after which the download reconnects where it "
                    "stopped",
                    CLI::Range(1, 3600));
  add_ranged_option(cmd, "--s3-retry-deadline", c.s3_retry_deadline_seconds,
                    "Seconds an object may spend failing and retrying before its task fails",
                    CLI::Range(1, 86400));
  add_ranged_option(cmd, "--workers", c.workers, "Concurrent File Load Tasks of this process",
                    CLI::Range(1, 256));
  add_ranged_option(cmd, "--task-lease", c.task_lease_seconds,
                    "Seconds after which a task whose worker stopped renewing (a crashed process) "
                    "is continued by another worker; must outlast the longest publish",
                    CLI::Range(1, 86400));
  add_ranged_option(
      cmd, "--retention-days", c.retention_days,
      "Days a finished task and its row errors are kept before the server purges them",
      CLI::Range(1, 36500));
  add_webhook_options(cmd, c);  // webhooks_runtime.cpp
}

void add_http_options(CLI::App* cmd, ServeConfig& c) {
  cmd->add_option("--listen", c.listen, "Address to listen on, host:port")
      ->envname("SKILLSYNC_LISTEN")
      ->capture_default_str();
  add_ranged_option(cmd, "--http-threads", c.http_threads, "Threads serving HTTP requests",
                    CLI::Range(1, 256));
  add_ranged_option(cmd, "--max-body-bytes", c.max_body_bytes, "Largest accepted request body",
                    CLI::Range(size_t{1024}, size_t{64} << 20));
  add_ranged_option(cmd, "--max-connections", c.max_connections,
                    "Open connections at most; further ones are closed at once",
                    CLI::Range(size_t{1}, size_t{1} << 20));
  add_ranged_option(cmd, "--max-connections-per-client", c.max_connections_per_client,
                    "Open connections at most from one client address; further ones are closed",
                    CLI::Range(size_t{1}, size_t{1} << 20));
  add_ranged_option(cmd, "--max-body-memory", c.max_body_memory,
                    "Bytes of request bodies held at once, all connections; beyond, 503",
                    CLI::Range(size_t{1} << 20, size_t{1} << 40));
  add_ranged_option(cmd, "--max-auth-failures", c.max_auth_failures,
                    "Failed authentications per client address and minute before its requests "
                    "get 429; 0 turns it off",
                    CLI::Range(size_t{0}, size_t{1} << 20));
  add_ranged_option(cmd, "--rate-limit", c.rate_limit,
                    "Requests per second allowed per API key (token bucket); 0 turns it off",
                    CLI::Range(0.0, 1e9));
  add_ranged_option(cmd, "--rate-burst", c.rate_burst,
                    "Requests an API key may burst above the rate", CLI::Range(1.0, 1e9));
  cmd->add_option("--tls-cert", c.tls_cert, "PEM certificate chain: serve HTTPS (with --tls-key)")
      ->envname("SKILLSYNC_TLS_CERT")
      ->check(CLI::ExistingFile);
  cmd->add_option("--tls-key", c.tls_key, "PEM private key of --tls-cert")
      ->envname("SKILLSYNC_TLS_KEY")
      ->check(CLI::ExistingFile);
  add_ranged_option(cmd, "--token-lifetime", c.token_lifetime_seconds,
                    "Seconds an OAuth2 access token from POST /oauth/token stays valid",
                    CLI::Range(1, 86400));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{
      "skillsync: a store of employees' skill events, filled in bulk from CSV files in S3 "
      "(File Load Tasks)."};
  cli.require_subcommand(1);

  ServeConfig serve;
  auto* serve_cmd = cli.add_subcommand("serve", "Run the HTTP API and the task workers");
  add_store_options(serve_cmd, serve);
  add_worker_options(serve_cmd, serve);
  add_http_options(serve_cmd, serve);
  skillsync::app::add_metrics_options(serve_cmd, serve);
  bool no_workers = false;
  serve_cmd
      ->add_flag("--no-workers", no_workers,
                 "Serve the API only; `skillsync worker` processes sharing the --store run the "
                 "tasks")
      ->envname("SKILLSYNC_NO_WORKERS");

  ServeConfig worker;
  worker.run_api = false;
  auto* worker_cmd = cli.add_subcommand(
      "worker", "Run the task workers of a shared --store, with GET /healthz only (no API)");
  add_store_options(worker_cmd, worker);
  add_worker_options(worker_cmd, worker);
  skillsync::app::add_metrics_options(worker_cmd, worker);
  worker_cmd
      ->add_option("--health-listen", worker.health_listen,
                   "host:port of GET /healthz (and GET /metrics)")
      ->envname("SKILLSYNC_HEALTH_LISTEN")
      ->capture_default_str();
  // --config FILE, --print-config: every option of the command, whenever added.
  skillsync::app::add_config_options(serve_cmd);
  skillsync::app::add_config_options(worker_cmd);

  skillsync::app::KeysCommand keys;
  skillsync::app::add_keys_command(cli, keys);
  skillsync::app::ClientsCommand clients;
  skillsync::app::add_clients_command(cli, clients);

  auto client = skillsync::client::add_commands(cli);

  // CLI11_PARSE, but usage errors of client commands exit 64.
  if (auto code = skillsync::client::parse(cli, argc, argv)) return *code;
  if (client->parsed()) return client->run();
  for (auto* cmd : {serve_cmd, worker_cmd}) {
    if (cmd->parsed() && skillsync::app::print_config_if_asked(cmd, std::cout)) return 0;
  }
  if (serve_cmd->parsed()) {
    serve.run_workers = !no_workers;
    return skillsync::app::run_serve(serve);
  }
  if (worker_cmd->parsed()) return skillsync::app::run_serve(worker);
  if (clients.command->parsed()) return skillsync::app::run_clients_command(clients);
  return skillsync::app::run_keys_command(keys);
}
