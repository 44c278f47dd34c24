// HttpClient over libcurl: retries, streaming downloads (see http_client.hpp).
#include "client/http_client.hpp"
#include "client/client_errors.hpp"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <memory>
#include <random>
#include <thread>

namespace skillsync::client {
namespace {

struct Transfer {
  CURL* curl = nullptr;
  HttpResponse* response = nullptr;
  std::FILE* sink = nullptr;
  bool sink_failed = false;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * n;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  if (t->sink != nullptr && status >= 200 && status < 300) {
    if (std::fwrite(data, 1, bytes, t->sink) != bytes) {
      t->sink_failed = true;
      return 0;
    }
    return bytes;
  }
  t->response->body.append(data, bytes);
  return bytes;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string line(data, size * n);
  const size_t colon = line.find(':');
  if (line.rfind("HTTP/", 0) == 0) t->response->headers.clear();  // a new (final) answer
  if (colon == std::string::npos) return size * n;
  std::string name = line.substr(0, colon);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string value = line.substr(colon + 1);
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  value.erase(value.begin(), std::find_if(value.begin(), value.end(), not_space));
  value.erase(std::find_if(value.rbegin(), value.rend(), not_space).base(), value.end());
  t->response->headers[name] = value;
  return size * n;
}

bool retryable_status(long status) {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* s) const { curl_slist_free_all(s); }
};

}  // namespace

std::string HttpResponse::header(const std::string& lower_case_name) const {
  const auto it = headers.find(lower_case_name);
  return it == headers.end() ? std::string() : it->second;
}

std::chrono::milliseconds retry_after(const HttpResponse& r, std::chrono::milliseconds fallback) {
  const std::string v = r.header("retry-after");
  if (v.empty() ||
      !std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); }))
    return fallback;
  if (v.size() > 6) return std::chrono::hours(1);
  return std::chrono::seconds(std::stol(v));
}

std::string random_idempotency_key() {
  std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key = "cli-";
  for (int i = 0; i < 32; ++i) key.push_back(kHex[rd() % 16]);
  return key;
}

HttpClient::HttpClient(std::string base_url, SecretString api_key, RetryPolicy policy)
    : base_url_(std::move(base_url)), api_key_(std::move(api_key)), policy_(policy) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

Result<HttpResponse> HttpClient::send(const HttpRequest& request) const {
  std::chrono::milliseconds backoff = policy_.first_backoff;
  Result<HttpResponse> last = unreachable_error("no attempt was made");
  for (int attempt = 1; attempt <= policy_.attempts; ++attempt) {
    if (request.sink != nullptr) {
      std::fflush(request.sink);
      if (::ftruncate(::fileno(request.sink), 0) != 0) return Error{"io_error", "cannot truncate"};
      std::rewind(request.sink);
    }
    last = send_once(request);
    if (last.ok() && !retryable_status(last->status)) return last;
    if (attempt == policy_.attempts) break;
    std::chrono::milliseconds wait = backoff;
    if (last.ok() && last->status == 429) {
      wait =
          std::min<std::chrono::milliseconds>(retry_after(*last, backoff), policy_.max_retry_after);
      std::cerr << "skillsync: the server is limiting this key's requests (429); retrying in "
                << (wait.count() + 999) / 1000 << " s as it asks (Retry-After)\n";
    }
    std::this_thread::sleep_for(wait);
    backoff *= 2;
  }
  return last;
}

Result<HttpResponse> HttpClient::send_once(const HttpRequest& request) const {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return unreachable_error("cannot start libcurl");
  HttpResponse response;
  Transfer t{curl.get(), &response, request.sink};
  curl_slist* list = nullptr;
  const std::string auth = "Authorization: Bearer " + api_key_.reveal();
  list = curl_slist_append(list, auth.c_str());
  list = curl_slist_append(list, ("Accept: " + request.accept).c_str());
  if (!request.body.empty()) list = curl_slist_append(list, "Content-Type: application/json");
  list = curl_slist_append(list, "Expect:");  // no 100-continue wait before larger bodies
  for (const auto& [name, value] : request.headers) {
    list = curl_slist_append(list, (name + ": " + value).c_str());
  }
  std::unique_ptr<curl_slist, SlistDeleter> headers(list);
  const std::string url = base_url_ + request.path;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(policy_.connect_timeout.count() * 1000));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
  const CURLcode rc = curl_easy_perform(c);
  if (t.sink_failed) return Error{"io_error", "cannot write the download to its file"};
  if (rc != CURLE_OK) return unreachable_error(curl_easy_strerror(rc));
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace skillsync::client
