// Transport: the HTTP layer under S3Client, an interface so that tests can
// replace libcurl with a fake that answers, fails or cuts connections on cue.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/cancel.hpp"
#include "common/result.hpp"

namespace skillsync::source::s3 {

struct TransportRequest {
  std::string method;  // "GET", "HEAD", "PUT"
  // Fully encoded URL; the transport sends it byte for byte (no re-encoding,
  // no dot-segment removal), so it matches the signed canonical path.
  std::string url;
  std::map<std::string, std::string> headers;  // lower-case names, incl. host
  std::string_view body;                       // PUT only; must outlive the response
  std::chrono::milliseconds connect_timeout{10000};
  // No byte received for this long while waiting for one -> "timeout".
  std::chrono::milliseconds stall_timeout{60000};
  // When set and cancelled, open() and ResponseStream::read() stop waiting
  // for the network within about 500 ms and fail with code "cancelled"
  // (bytes already received are still delivered first). nullptr: nothing
  // interrupts them but the timeouts.
  // REQUIRES: the token outlives the ResponseStream.
  const CancellationToken* cancel = nullptr;
};

// One HTTP response: its status and headers are known when open() returns;
// the body is pulled with read().
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  virtual int status() const = 0;
  // Lower-case names; for repeated headers the last value.
  virtual const std::map<std::string, std::string>& headers() const = 0;
  // Like ByteReader::read: 0 at the end of the body. Transport failures are
  // Errors with code "connection_failed", "timeout" or "tls_error";
  // "cancelled" when the request's cancel token interrupted the wait.
  virtual Result<size_t> read(std::span<char> buf) = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends the request and waits for the response headers. Thread safe.
  virtual Result<std::unique_ptr<ResponseStream>> open(const TransportRequest& req) = 0;
};

// libcurl, TLS peer and host verification on. Memory per response stays
// bounded (about 1 MiB) whatever the body size: curl is paused while the
// reader has not taken what was already received.
std::unique_ptr<Transport> make_curl_transport();

}  // namespace skillsync::source::s3
