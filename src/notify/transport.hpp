// notify/transport: one HTTP POST of a webhook delivery, behind an
// interface so tests replace the network with a fake.
//
// The libcurl transport: connects only to the given (vetted) addresses
// (CURLOPT_RESOLVE pins the host to them, and an open-socket callback
// refuses any other address), follows no redirects, reads at most
// kMaxResponseBytes of the response body, and gives up after `timeout`.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"

namespace skillsync::notify {

inline constexpr size_t kMaxResponseBytes = 64 * 1024;

struct HttpRequest {
  std::string url;
  std::string host;  // the URL's host (lower-case, IPv6 without brackets)
  uint16_t port = 443;
  std::vector<std::string> addresses;  // the only addresses it may connect to
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Micros timeout = 15'000'000;
};

struct HttpResponse {
  int status = 0;
  std::string retry_after;  // the Retry-After header, "" when absent
  std::string body;         // cut at kMaxResponseBytes
};

// Failure codes: "timeout", "connect_failed", "tls_failed", "send_failed",
// "forbidden_address" (the socket callback refused an address).
class Transport {
 public:
  virtual ~Transport() = default;
  virtual Result<HttpResponse> post(const HttpRequest& request) = 0;
};

std::unique_ptr<Transport> make_curl_transport();

}  // namespace skillsync::notify
