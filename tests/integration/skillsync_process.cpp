#include "integration/skillsync_process.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "integration/prism_proxy.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"

#ifndef SKILLSYNC_BINARY
#error "SKILLSYNC_BINARY must name the skillsync binary under test"
#endif

namespace skillsync::it {
namespace json = boost::json;
using testsupport::ChildProcess;
using testsupport::TempDir;

namespace {

std::string trim_newlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

json::value ApiResponse::json() const {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return nullptr;
  return v;
}

std::string ApiResponse::header(const std::string& lower_case_name) const {
  auto it = headers.find(lower_case_name);
  return it == headers.end() ? std::string() : it->second;
}

std::vector<std::string> TaskTrace::distinct() const {
  std::vector<std::string> out;
  for (const auto& s : statuses) {
    if (out.empty() || out.back() != s) out.push_back(s);
  }
  return out;
}

bool is_terminal_status(const std::string& status) {
  return status == "completed" || status == "completed_with_errors" || status == "failed" ||
         status == "cancelled";
}

struct SkillsyncProcess::Impl {
  std::unique_ptr<TempDir> own_data_dir;  // null when the caller gave one
  TempDir log_dir{"skillsync-it-log-"};
  std::unique_ptr<ChildProcess> child;
  // Validates the requests of request()/post_with_headers() when
  // SKILLSYNC_IT_PRISM is set (prism_proxy.hpp).
  std::unique_ptr<PrismProxy> prism;
  int exit_code = 0;
  bool stopped = false;
};

Result<std::unique_ptr<SkillsyncProcess>> SkillsyncProcess::start(
    SkillsyncOptions options, std::chrono::milliseconds timeout) {
  std::unique_ptr<SkillsyncProcess> p(new SkillsyncProcess());
  p->impl_ = std::make_unique<Impl>();
  if (options.data_dir.empty()) {
    p->impl_->own_data_dir = std::make_unique<TempDir>("skillsync-it-data-");
    p->data_dir_ = p->impl_->own_data_dir->path();
  } else {
    p->data_dir_ = options.data_dir;
  }
  std::map<std::string, std::string> env;
  // An empty value counts as unset for the server, so this also protects the
  // "generated key" case from a variable set in the caller's environment.
  env["SKILLSYNC_BOOTSTRAP_API_KEY"] = options.bootstrap_api_key.value_or("");
  for (const auto& [name, value] : options.env) env[name] = value;

  // free_port() can race with another process taking the port; a server that
  // exits at once is retried on a new port.
  std::string last_error;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const int port = testsupport::free_port();
    p->base_url_ = "http://127.0.0.1:" + std::to_string(port);
    std::vector<std::string> argv = {SKILLSYNC_BINARY, "serve",
                                     "--listen",       "127.0.0.1:" + std::to_string(port),
                                     "--data-dir",     p->data_dir_,
                                     "--s3-endpoint",  options.s3_endpoint,
                                     "--workers",      std::to_string(options.workers)};
    p->impl_->child = std::make_unique<ChildProcess>(argv, env, p->impl_->log_dir.path(),
                                                     "skillsync-" + std::to_string(attempt));
    p->log_path_ = p->impl_->child->stderr_path();
    p->impl_->stopped = false;
    bool exited = false;
    const bool healthy = testsupport::wait_until(
        [&] {
          if (!p->impl_->child->running()) {
            exited = true;
            return true;
          }
          ApiResponse r = p->request("GET", "/healthz", "", std::string());
          return r.status == 200;
        },
        timeout, std::chrono::milliseconds(25));
    if (healthy && !exited) {
      if (options.bootstrap_api_key) {
        p->api_key_ = *options.bootstrap_api_key;
      } else {
        p->api_key_ = trim_newlines(testsupport::read_file(p->data_dir_ + "/initial-api-key"));
      }
      if (const std::string prism = PrismProxy::executable(); !prism.empty()) {
        auto proxy = PrismProxy::start(prism, p->base_url_);
        if (!proxy.ok()) {
          p->stop();
          return proxy.error();
        }
        p->impl_->prism = std::move(*proxy);
      }
      std::lock_guard lock(p->mu_);
      p->bodies_.clear();  // health checks are not API answers the tests care about
      return p;
    }
    if (exited) {
      const int status = p->impl_->child->wait();
      last_error = "skillsync exited during start-up (" +
                   (WIFEXITED(status) ? "exit code " + std::to_string(WEXITSTATUS(status))
                                      : "signal " + std::to_string(WTERMSIG(status))) +
                   ")";
    } else {
      last_error = "skillsync did not become healthy";
    }
    last_error += " (listen 127.0.0.1:" + std::to_string(port) + "); log tail:\n" + p->log_tail();
    p->stop();
    if (!exited) break;  // a hang is not a port race: do not retry
  }
  return Error{"start_failed", last_error};
}

SkillsyncProcess::~SkillsyncProcess() {
  if (impl_) stop();
}

// Prism's log must hold no response violation; then prism stops.
void SkillsyncProcess::stop_prism() {
  if (impl_->prism == nullptr) return;
  const size_t violations = impl_->prism->logged_violations();
  if (violations > 0) {
    ADD_FAILURE() << "prism logged " << violations
                  << " response(s) that break /openapi.json; its log:\n"
                  << impl_->prism->log();
  }
  impl_->prism.reset();
}

int SkillsyncProcess::stop() {
  stop_prism();
  if (!impl_->child || impl_->stopped) return impl_->exit_code;
  impl_->stopped = true;
  if (impl_->child->running()) {
    impl_->child->kill(SIGTERM);
    // A clean shutdown is quick; a hang must not hang the test run.
    if (!testsupport::wait_until([&] { return !impl_->child->running(); },
                                 std::chrono::seconds(10))) {
      impl_->child->kill(SIGKILL);
    }
  }
  const int status = impl_->child->wait();
  impl_->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  return impl_->exit_code;
}

void SkillsyncProcess::kill9() {
  stop_prism();
  if (!impl_->child || impl_->stopped) return;
  impl_->stopped = true;
  impl_->child->kill(SIGKILL);
  const int status = impl_->child->wait();
  impl_->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

std::string SkillsyncProcess::log() const { return testsupport::read_file(log_path_); }

std::string SkillsyncProcess::stdout_log() const {
  if (!impl_->child) return "";
  return testsupport::read_file(impl_->child->stdout_path());
}

std::string SkillsyncProcess::log_tail(size_t max_bytes) const {
  std::string all = log();
  return all.size() <= max_bytes ? all : all.substr(all.size() - max_bytes);
}

ApiResponse SkillsyncProcess::post_task(const std::string& uri, const std::string& access_key_id,
                                        const std::string& secret_access_key,
                                        const std::optional<std::string>& session_token,
                                        std::optional<bool> validate_access) {
  json::object credentials{{"aws_access_key_id", access_key_id},
                           {"aws_secret_access_key", secret_access_key}};
  if (session_token) credentials["aws_session_token"] = *session_token;
  json::object body{{"entity_type", "learning"},
                    {"method", "s3_iam_user"},
                    {"uri", uri},
                    {"credentials", std::move(credentials)}};
  if (validate_access) body["options"] = json::object{{"validate_access", *validate_access}};
  return post("/integrations/file-load-tasks", json::serialize(body));
}

TaskTrace SkillsyncProcess::wait_for_task(const std::string& task_id,
                                          std::chrono::milliseconds timeout) {
  TaskTrace trace;
  const bool done = testsupport::wait_until(
      [&] {
        ApiResponse r = get("/integrations/file-load-tasks/" + task_id);
        json::value v = r.json();
        if (r.status != 200 || !v.is_object()) return false;
        trace.task = v.get_object();
        const json::value* status = trace.task.if_contains("status");
        if (status == nullptr || !status->is_string()) return false;
        trace.statuses.emplace_back(status->get_string());
        return is_terminal_status(trace.statuses.back());
      },
      timeout, std::chrono::milliseconds(50));
  trace.timed_out = !done;
  return trace;
}

ApiResponse SkillsyncProcess::request(const std::string& method, const std::string& path,
                                      const std::string& body,
                                      std::optional<std::string> authorization,
                                      const std::string& content_type) {
  std::map<std::string, std::string> headers;
  const std::string auth = authorization.value_or("Bearer " + api_key_);
  if (!auth.empty()) headers["Authorization"] = auth;
  // Without an explicit type libcurl would send a form content type.
  if (!body.empty() && !content_type.empty()) headers["Content-Type"] = content_type;
  return send(method, path, headers, body);
}

ApiResponse SkillsyncProcess::send(const std::string& method, const std::string& path,
                                   const std::map<std::string, std::string>& headers,
                                   const std::string& body) {
  PrismProxy* prism = impl_->prism.get();
  testsupport::HttpResponse r = testsupport::request(
      method, (prism != nullptr ? prism->base_url() : base_url_) + path, headers, body);
  if (prism != nullptr) {
    const auto type = r.headers.find("content-type");
    const std::string where = method + " " + path.substr(0, path.find('?'));
    switch (prism_verdict(type == r.headers.end() ? "" : type->second, r.body)) {
      case PrismVerdict::kResponseViolation:
        ADD_FAILURE() << "prism: skillsync's answer to " << where
                      << " breaks /openapi.json: " << r.body;
        break;
      case PrismVerdict::kRequestRefused: {
        // Invalid by the document: skillsync must refuse it too.
        testsupport::HttpResponse direct =
            testsupport::request(method, base_url_ + path, headers, body);
        if (direct.status < 400 || direct.status >= 500) {
          ADD_FAILURE() << "prism refused " << where << " (" << r.body
                        << ") but skillsync answers it with " << direct.status;
        }
        r = std::move(direct);
        break;
      }
      case PrismVerdict::kForwarded:
        break;
    }
  }
  ApiResponse out{r.status, std::move(r.body), std::move(r.headers)};
  std::lock_guard lock(mu_);
  bodies_.push_back(out.body);
  return out;
}

ApiResponse SkillsyncProcess::get_paced(const std::string& path) {
  ApiResponse r = get(path);
  for (int attempt = 0; attempt < 30 && r.status == 429; ++attempt) {
    const int wait_s = std::clamp(std::atoi(r.header("retry-after").c_str()), 1, 5);
    std::this_thread::sleep_for(std::chrono::seconds(wait_s));
    r = get(path);
  }
  return r;
}

ApiResponse SkillsyncProcess::request_with_headers(
    const std::string& method, const std::string& path,
    const std::map<std::string, std::string>& headers, const std::string& body) {
  std::map<std::string, std::string> all = headers;
  all["Authorization"] = "Bearer " + api_key_;
  return send(method, path, all, body);
}

ApiResponse SkillsyncProcess::post_with_headers(const std::string& path, const std::string& body,
                                                const std::map<std::string, std::string>& headers) {
  std::map<std::string, std::string> all = headers;
  all["Authorization"] = "Bearer " + api_key_;
  all["Content-Type"] = "application/json";
  return send("POST", path, all, body);
}

bool SkillsyncProcess::wait_for_log(const std::string& needle, std::chrono::milliseconds timeout,
                                    std::chrono::milliseconds interval) {
  size_t from = 0;  // the log before this was searched already
  return testsupport::wait_until(
             [&] {
               const std::string all = log();
               if (all.find(needle, from) != std::string::npos) return true;
               from = all.size() > needle.size() ? all.size() - needle.size() : 0;
               return impl_->stopped || !impl_->child->running();
             },
             timeout, interval) &&
         log().find(needle) != std::string::npos;
}

std::vector<std::string> SkillsyncProcess::seen_bodies() const {
  std::lock_guard lock(mu_);
  return bodies_;
}

CommandResult run_command(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env,
                          std::chrono::milliseconds timeout) {
  TempDir logs("skillsync-it-cmd-");
  CommandResult result;
  ChildProcess child(argv, env, logs.path(), "cmd");
  if (!testsupport::wait_until([&] { return !child.running(); }, timeout,
                               std::chrono::milliseconds(5))) {
    child.kill(SIGKILL);
    result.timed_out = true;
  }
  const int status = child.wait();
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  result.out = testsupport::read_file(child.stdout_path());
  result.err = testsupport::read_file(child.stderr_path());
  return result;
}

CommandResult run_skillsync(const std::vector<std::string>& args,
                            const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv = {SKILLSYNC_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, env);
}

std::string skillsync_binary() { return SKILLSYNC_BINARY; }

}  // namespace skillsync::it
