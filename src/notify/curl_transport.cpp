// The libcurl Transport (transport.hpp).
#include <arpa/inet.h>
#include <curl/curl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "notify/egress.hpp"
#include "notify/transport.hpp"

namespace skillsync::notify {
namespace {

struct Sink {
  HttpResponse* response;
  const std::vector<std::string>* allowed;
  bool refused = false;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t len = size * n;
  std::string& body = sink->response->body;
  body.append(data, std::min(len, kMaxResponseBytes - std::min(kMaxResponseBytes, body.size())));
  return len;  // the rest is read and dropped; the cap bounds memory
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::string_view line(data, size * n);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    std::string head(line.substr(0, kName.size()));
    for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (head == kName) {
      std::string_view v = line.substr(kName.size());
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) {
        v.remove_suffix(1);
      }
      sink->response->retry_after = std::string(v);
    }
  }
  return size * n;
}

// Connect-time check: the socket's address must be one of the vetted ones.
curl_socket_t on_open_socket(void* user, curlsocktype, curl_sockaddr* addr) {
  auto* sink = static_cast<Sink*>(user);
  char text[64] = {};
  const void* raw =
      addr->family == AF_INET
          ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(&addr->addr)->sin_addr)
          : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(&addr->addr)->sin6_addr);
  if (inet_ntop(addr->family, raw, text, sizeof text) == nullptr ||
      std::find(sink->allowed->begin(), sink->allowed->end(), text) == sink->allowed->end()) {
    sink->refused = true;
    return CURL_SOCKET_BAD;
  }
  return socket(addr->family, addr->socktype, addr->protocol);
}

Error curl_failure(CURLcode code, const Sink& sink) {
  if (sink.refused) return Error{"forbidden_address", "connection to an unvetted address refused"};
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return Error{Errc::kTimeout, "the endpoint did not answer in time"};
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
      return Error{Errc::kConnectFailed, curl_easy_strerror(code)};
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
      return Error{Errc::kTlsFailed, curl_easy_strerror(code)};
    default:
      return Error{Errc::kSendFailed, curl_easy_strerror(code)};
  }
}

class CurlTransport final : public Transport {
 public:
  Result<HttpResponse> post(const HttpRequest& req) override {
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) return Error{Errc::kSendFailed, "curl_easy_init failed"};
    HttpResponse response;
    Sink sink{&response, &req.addresses};
    curl_slist* headers = nullptr;
    for (const auto& [name, value] : req.headers) {
      headers = curl_slist_append(headers, (name + ": " + value).c_str());
    }
    headers = curl_slist_append(headers, "Expect:");
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(headers,
                                                                            curl_slist_free_all);
    curl_slist* resolve = nullptr;
    for (const auto& a : req.addresses) {
      const bool v6 = a.find(':') != std::string::npos;
      const std::string entry =
          req.host + ":" + std::to_string(req.port) + ":" + (v6 ? "[" + a + "]" : a);
      resolve = curl_slist_append(resolve, entry.c_str());
    }
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> resolve_list(resolve,
                                                                             curl_slist_free_all);
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &sink);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout / 1000));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
    const CURLcode code = curl_easy_perform(c);
    if (code != CURLE_OK) return curl_failure(code, sink);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    return response;
  }
};

}  // namespace

std::unique_ptr<Transport> make_curl_transport() { return std::make_unique<CurlTransport>(); }

}  // namespace skillsync::notify
