// skillsync: the command line. Thin on purpose: options in, run_serve out.
#include <CLI/CLI.hpp>

#include "app/serve.hpp"

int main(int argc, char** argv) {
  CLI::App cli{
      "skillsync: a store of employees' skill events, filled in bulk from CSV files in S3 "
      "(File Load Tasks)."};
  cli.require_subcommand(1);

  skillsync::app::ServeConfig serve;
  auto* cmd = cli.add_subcommand("serve", "Run the HTTP API and the task workers");
  cmd->add_option("--listen", serve.listen, "Address to listen on, host:port")
      ->envname("SKILLSYNC_LISTEN")
      ->capture_default_str();
  cmd->add_option("--data-dir", serve.data_dir,
                  "Directory for the SQLite database, master key and first API key")
      ->envname("SKILLSYNC_DATA_DIR")
      ->capture_default_str();
  cmd->add_option("--master-key-file", serve.master_key_file,
                  "Key that encrypts task credentials at rest (created, mode 0600, if absent; "
                  "default <data-dir>/master.key)")
      ->envname("SKILLSYNC_MASTER_KEY_FILE");
  cmd->add_option("--s3-endpoint", serve.s3_endpoint,
                  "S3-compatible endpoint, e.g. http://127.0.0.1:9000 (path-style); unset: AWS "
                  "virtual-hosted HTTPS endpoints")
      ->envname("SKILLSYNC_S3_ENDPOINT");
  cmd->add_option("--s3-region", serve.s3_region, "Default S3 region of tasks without 'region'")
      ->envname("SKILLSYNC_S3_REGION")
      ->capture_default_str();
  cmd->add_option("--workers", serve.workers, "Concurrent File Load Tasks")
      ->envname("SKILLSYNC_WORKERS")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--task-lease", serve.task_lease_seconds,
                  "Seconds after which a task whose worker stopped renewing (a crashed process) "
                  "is continued by another worker; must outlast the longest publish")
      ->envname("SKILLSYNC_TASK_LEASE")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  cmd->add_option("--retention-days", serve.retention_days,
                  "Days a finished task and its row errors are kept before the server purges them")
      ->envname("SKILLSYNC_RETENTION_DAYS")
      ->check(CLI::Range(1, 36500))
      ->capture_default_str();
  cmd->add_option("--http-threads", serve.http_threads, "Threads serving HTTP requests")
      ->envname("SKILLSYNC_HTTP_THREADS")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--max-body-bytes", serve.max_body_bytes, "Largest accepted request body")
      ->envname("SKILLSYNC_MAX_BODY_BYTES")
      ->check(CLI::Range(size_t{1024}, size_t{64} << 20))
      ->capture_default_str();
  cmd->add_option("--max-connections", serve.max_connections,
                  "Open connections at most; further ones are closed at once")
      ->envname("SKILLSYNC_MAX_CONNECTIONS")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--rate-limit", serve.rate_limit,
                  "Requests per second allowed per API key (token bucket); 0 turns it off")
      ->envname("SKILLSYNC_RATE_LIMIT")
      ->check(CLI::Range(0.0, 1e9))
      ->capture_default_str();
  cmd->add_option("--rate-burst", serve.rate_burst, "Requests an API key may burst above the rate")
      ->envname("SKILLSYNC_RATE_BURST")
      ->check(CLI::Range(1.0, 1e9))
      ->capture_default_str();
  cmd->add_option("--tls-cert", serve.tls_cert,
                  "PEM certificate chain: serve HTTPS (with --tls-key)")
      ->envname("SKILLSYNC_TLS_CERT")
      ->check(CLI::ExistingFile);
  cmd->add_option("--tls-key", serve.tls_key, "PEM private key of --tls-cert")
      ->envname("SKILLSYNC_TLS_KEY")
      ->check(CLI::ExistingFile);
  cmd->add_option("--log-level", serve.log_level, "trace, debug, info, warn, error or off")
      ->envname("SKILLSYNC_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();

  CLI11_PARSE(cli, argc, argv);
  if (cmd->parsed()) return skillsync::app::run_serve(serve);
  return 0;
}
