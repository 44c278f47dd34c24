// Command-line options shared by several `skillsync` commands (options.hpp).
#include "app/options.hpp"

#include <cctype>

namespace skillsync::app {

void add_store_options(CLI::App* cmd, ServeConfig& c) {
  cmd->add_option("--data-dir", c.data_dir,
                  "Directory for the SQLite database, the master key and the first API key")
      ->envname("SKILLSYNC_DATA_DIR")
      ->capture_default_str();
  cmd->add_option("--store", c.store,
                  "Where tasks and events live: 'sqlite' (<data-dir>/skillsync.db, the default), "
                  "'sqlite:PATH', or a PostgreSQL URL postgres://user:password@host:port/db "
                  "shared by several processes")
      ->envname("SKILLSYNC_STORE");
  cmd->add_option("--log-level", c.log_level, "trace, debug, info, warn, error or off")
      ->envname("SKILLSYNC_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  cmd->add_option("--log-format", c.log_format,
                  "text, or json: one JSON object per line (time, level, message, task_id, "
                  "tenant, request_id, trace_id, route, status, duration_ms)")
      ->envname("SKILLSYNC_LOG_FORMAT")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
}

void add_metrics_options(CLI::App* cmd, ServeConfig& c) {
  cmd->add_option("--metrics", c.metrics,
                  "on: GET /metrics (Prometheus text format, no key) on the API listener (serve) "
                  "or the health listener (worker), or on --metrics-listen; off: nowhere")
      ->envname("SKILLSYNC_METRICS")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  cmd->add_option("--metrics-listen", c.metrics_listen,
                  "host:port serving GET /metrics on its own (plain HTTP); the API listener then "
                  "answers 404 for it")
      ->envname("SKILLSYNC_METRICS_LISTEN");
}

std::string option_env_name(std::string_view flag) {
  while (!flag.empty() && flag.front() == '-') flag.remove_prefix(1);
  std::string env = "SKILLSYNC_";
  for (char ch : flag) {
    env += ch == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  return env;
}

}  // namespace skillsync::app
