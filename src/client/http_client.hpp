// HttpClient: the client commands' only way to the server (its HTTP API over
// libcurl). Never links the store: everything goes over HTTP.
//
// Contracts:
// - Every request carries `Authorization: Bearer <key>`; the key is a
//   SecretString and never appears in a message or on screen.
// - Retries: a failed connection, a timeout, 502/503/504 and 429 are tried
//   again (429 after its Retry-After, capped), with backoff, `attempts` times
//   in all (a 429 wait is announced on stderr). A request is sent again byte for byte, headers
//   included, so a POST that carries an Idempotency-Key never creates two resources.
// - send() fails (Error code "unreachable") only when no attempt got an HTTP
//   answer; any HTTP answer, 4xx/5xx included, is a response.
// - With `sink`, a 2xx body is streamed into that file (truncated again before
//   a retry) instead of being kept in memory.
#pragma once

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "common/secret.hpp"

namespace skillsync::client {

struct HttpResponse {
  long status = 0;
  std::string body;                            // empty when streamed into a sink
  std::map<std::string, std::string> headers;  // lower-case names
  std::string header(const std::string& lower_case_name) const;
};

struct HttpRequest {
  using Headers = std::vector<std::pair<std::string, std::string>>;
  HttpRequest(std::string m, std::string p, std::string b = {}, Headers h = {})
      : method(std::move(m)), path(std::move(p)), body(std::move(b)), headers(std::move(h)) {}
  std::string method;
  std::string path;  // "/integrations/file-load-tasks?limit=10"
  std::string body;  // sent as application/json when non-empty
  Headers headers;
  std::string accept = "application/json";
  std::FILE* sink = nullptr;  // stream a 2xx body here
};

struct RetryPolicy {
  int attempts = 4;
  std::chrono::milliseconds first_backoff{250};
  std::chrono::seconds max_retry_after{30};
  std::chrono::seconds connect_timeout{10};
};

class HttpClient {
 public:
  HttpClient(std::string base_url, SecretString api_key, RetryPolicy policy = {});
  Result<HttpResponse> send(const HttpRequest& request) const;
  Result<HttpResponse> get(const std::string& path) const { return send({"GET", path}); }
  const std::string& base_url() const { return base_url_; }
  const SecretString& api_key() const { return api_key_; }

 private:
  Result<HttpResponse> send_once(const HttpRequest& request) const;
  std::string base_url_;
  SecretString api_key_;
  RetryPolicy policy_;
};

// Seconds from a Retry-After header (delta-seconds form); `fallback` when
// absent or not a number.
std::chrono::milliseconds retry_after(const HttpResponse& r, std::chrono::milliseconds fallback);

// A random Idempotency-Key: "cli-" and 32 hex digits.
std::string random_idempotency_key();

}  // namespace skillsync::client
