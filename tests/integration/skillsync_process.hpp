// SkillsyncProcess: the real `skillsync serve` binary, started for an
// integration test and driven over HTTP only.
//
// It listens on 127.0.0.1 and a free port, keeps its data in a data
// directory (a fresh temporary one unless given), reads S3 from the given
// endpoint, and writes its stderr to a log file the tests may inspect.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "common/result.hpp"

namespace skillsync::it {

// One HTTP exchange with the server, as the tests see it.
struct ApiResponse {
  long status = 0;  // 0: no answer (connection failed)
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names

  // The body parsed as JSON; null when it is not JSON.
  boost::json::value json() const;
  std::string header(const std::string& lower_case_name) const;
};

struct SkillsyncOptions {
  std::string s3_endpoint;  // "http://127.0.0.1:<port>"
  // The first API key (SKILLSYNC_BOOTSTRAP_API_KEY); nullopt starts the
  // server without it, so it generates one and writes <data-dir>/initial-api-key.
  std::optional<std::string> bootstrap_api_key;
  // Empty: a fresh temporary directory, removed with the process object.
  // Otherwise this directory is used and left in place (for restarts).
  std::string data_dir;
  int workers = 2;
  std::map<std::string, std::string> env;  // extra environment (SKILLSYNC_TASK_LEASE, ...)
};

// The outcome of wait_for_task: every status seen (each poll appended, so a
// status may repeat) and the last task document.
struct TaskTrace {
  std::vector<std::string> statuses;
  boost::json::object task;  // the last answer of GET /integrations/file-load-tasks/{id}
  bool timed_out = false;
  std::string status() const { return statuses.empty() ? std::string() : statuses.back(); }
  // The statuses without consecutive repeats ("pending", "running", ...).
  std::vector<std::string> distinct() const;
};

class SkillsyncProcess {
 public:
  // Starts the binary (SKILLSYNC_BINARY) and waits until GET /healthz answers
  // 200, at most `timeout`. On failure the process is stopped and the error
  // message includes the tail of its log.
  static Result<std::unique_ptr<SkillsyncProcess>> start(
      SkillsyncOptions options, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  ~SkillsyncProcess();
  SkillsyncProcess(const SkillsyncProcess&) = delete;
  SkillsyncProcess& operator=(const SkillsyncProcess&) = delete;

  const std::string& base_url() const { return base_url_; }  // "http://127.0.0.1:N"
  const std::string& api_key() const { return api_key_; }
  const std::string& log_path() const { return log_path_; }
  const std::string& data_dir() const { return data_dir_; }
  std::string log() const;  // the whole log so far
  // The whole stdout of the current process so far (the log() is its stderr).
  std::string stdout_log() const;
  std::string log_tail(size_t max_bytes = 4000) const;

  // Stops the server with SIGTERM and waits for it; returns its exit code
  // (or -signal). Idempotent.
  int stop();
  // Kills the server with SIGKILL (a crash) and reaps it.
  void kill9();

  // Requests against base_url() (through a validating prism proxy when
  // SKILLSYNC_IT_PRISM is set: integration/prism_proxy.hpp), authenticated with api_key() unless
  // `authorization` is given ("" sends no Authorization header).
  ApiResponse request(const std::string& method, const std::string& path,
                      const std::string& body = "",
                      std::optional<std::string> authorization = std::nullopt,
                      const std::string& content_type = "application/json");
  ApiResponse get(const std::string& path) { return request("GET", path); }
  // GET as a well-behaved client pages through a long list: a 429 answer
  // (the API key's rate limit) is waited out for its Retry-After seconds and
  // the request repeated, at most 30 times. For loops of hundreds of requests,
  // which a fast machine sends faster than the default 50 requests/s.
  ApiResponse get_paced(const std::string& path);
  ApiResponse post(const std::string& path, const std::string& body) {
    return request("POST", path, body);
  }
  ApiResponse del(const std::string& path) { return request("DELETE", path); }
  // Any method with extra request headers ("Accept" -> "text/csv", ...),
  // authenticated with api_key().
  ApiResponse request_with_headers(const std::string& method, const std::string& path,
                                   const std::map<std::string, std::string>& headers,
                                   const std::string& body = "");
  // POST with extra request headers ("Idempotency-Key" -> "k1", ...), JSON body.
  ApiResponse post_with_headers(const std::string& path, const std::string& body,
                                const std::map<std::string, std::string>& headers);

  // Polls the log (every `interval`) until it contains `needle`; false when
  // `timeout` passes or the process exits first. For acting at a moment the
  // server announces, such as "task <id> publishing".
  bool wait_for_log(const std::string& needle, std::chrono::milliseconds timeout,
                    std::chrono::milliseconds interval = std::chrono::milliseconds(2));

  // POST /integrations/file-load-tasks with the seed's body shape.
  ApiResponse post_task(const std::string& uri, const std::string& access_key_id,
                        const std::string& secret_access_key,
                        const std::optional<std::string>& session_token = std::nullopt,
                        std::optional<bool> validate_access = std::nullopt);

  // Polls GET /integrations/file-load-tasks/{task_id} about every 50 ms until
  // the status is terminal (completed, completed_with_errors, failed,
  // cancelled) or `timeout` passes.
  TaskTrace wait_for_task(const std::string& task_id,
                          std::chrono::milliseconds timeout = std::chrono::seconds(60));

  // Every response body this object has received, in order (for the test that
  // no secret ever appears in an API answer).
  std::vector<std::string> seen_bodies() const;

 private:
  SkillsyncProcess() = default;
  // Sends one request (through prism when it runs) and records its body.
  ApiResponse send(const std::string& method, const std::string& path,
                   const std::map<std::string, std::string>& headers, const std::string& body);
  void stop_prism();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string base_url_;
  std::string api_key_;
  std::string log_path_;
  std::string data_dir_;
  mutable std::mutex mu_;
  std::vector<std::string> bodies_;
};

bool is_terminal_status(const std::string& status);

// A command run to its end by run_command.
struct CommandResult {
  int exit_code = -1;  // the exit code, or -signal
  std::string out;     // its whole stdout
  std::string err;     // its whole stderr
  bool timed_out = false;
};

// Runs argv (argv[0] is a path, not looked up in PATH) with the current
// environment plus `env`, and waits for it; after `timeout` it is killed
// (SIGKILL) and timed_out is set.
CommandResult run_command(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Runs `skillsync <args>` (the binary under test, SKILLSYNC_BINARY) to its end.
CommandResult run_skillsync(const std::vector<std::string>& args,
                            const std::map<std::string, std::string>& env = {});

// The path of the binary under test.
std::string skillsync_binary();

}  // namespace skillsync::it
