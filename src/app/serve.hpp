// The `serve` command: wires store, tasks and api together and runs until
// SIGINT/SIGTERM.
#pragma once

#include <string>

namespace skillsync::app {

struct ServeConfig {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "./data";
  std::string master_key_file;  // default <data_dir>/master.key
  std::string s3_endpoint;      // "" = AWS
  std::string s3_region = "us-east-1";
  int workers = 2;
  int task_lease_seconds = 120;
  int retention_days = 30;  // finished tasks and their row errors are purged after this  // a dead
                            // worker's task is taken over after this long
  int http_threads = 4;
  size_t max_body_bytes = 1024 * 1024;
  size_t max_connections = 1024;
  double rate_limit = 50;   // requests per second per API key; 0 = off
  double rate_burst = 200;  // bucket size
  std::string tls_cert;     // PEM certificate chain; with tls_key -> HTTPS
  std::string tls_key;
  std::string log_level = "info";
};

// Returns the process exit code.
int run_serve(const ServeConfig& config);

}  // namespace skillsync::app
