// ClientCore: what S3Client and its ObjectStreams share (configuration,
// credentials, transport, backoff, the regions learnt from redirects), and
// GetTarget, the two ways a request reaches an object. Held by shared_ptr so
// a stream may outlive the client. Internal to source/s3; the retry loop
// over these is in retry.hpp.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

#include "source/s3/s3.hpp"
#include "source/s3/transport.hpp"

namespace skillsync::source::s3::internal {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// What one request carries besides its method and target.
struct SendOptions {
  std::multimap<std::string, std::string> query;  // un-encoded; signed and sent sorted
  std::map<std::string, std::string> headers;     // lower-case names
  std::string_view body;
  // Per-attempt limits; zero means the configured connect / stall timeout.
  milliseconds connect_timeout{0};
  milliseconds stall_timeout{0};
  // Interrupts the request and its retries (TransportRequest::cancel).
  const CancellationToken* cancel = nullptr;
};

// A time budget that starts when it is made: retry_deadline or head_timeout.
class Budget {
 public:
  explicit Budget(milliseconds limit) : limit_(limit), start_(SteadyClock::now()) {}
  // A budget whose clock started at `start` (set in the past to count time
  // already spent).
  Budget(milliseconds limit, SteadyClock::time_point start) : limit_(limit), start_(start) {}
  milliseconds elapsed() const {
    return std::chrono::duration_cast<milliseconds>(SteadyClock::now() - start_);
  }
  milliseconds remaining() const { return std::max(limit_ - elapsed(), milliseconds(0)); }
  bool exhausted() const { return remaining() <= milliseconds(0); }
  milliseconds limit() const { return limit_; }

 private:
  milliseconds limit_;
  SteadyClock::time_point start_;
};

class ClientCore {
 public:
  ClientCore(ClientConfig config, Credentials credentials, std::unique_ptr<Transport> transport);

  const ClientConfig& config() const { return config_; }

  // Addresses, signs (at config().clock->now()) and sends one request; any
  // HTTP status is a success here. `key` empty addresses the bucket. A
  // region redirect (see S3Client) is followed once, here, and remembered.
  Result<std::unique_ptr<ResponseStream>> send(const std::string& method, std::string_view bucket,
                                               std::string_view key, const SendOptions& options);

  // Sends one unsigned request to a presigned URL.
  Result<std::unique_ptr<ResponseStream>> send_url(const std::string& method,
                                                   const PresignedUrl& url,
                                                   const SendOptions& options);

  std::string region_for(std::string_view bucket) const;

  // Sleeps the backoff before attempt `failures + 1`, at most `at_most`.
  // A set `cancel` ends the sleep early (within about 50 ms); returns false
  // then, true when the whole backoff was slept.
  bool backoff(int failures, milliseconds at_most = milliseconds::max(),
               const CancellationToken* cancel = nullptr);

  // Removes any credential (secret key, session token) from the message:
  // defence in depth for text that came from elsewhere (a server, curl).
  Error scrub(Error error) const;

 private:
  Result<std::unique_ptr<ResponseStream>> send_in_region(const std::string& method,
                                                         std::string_view bucket,
                                                         std::string_view key,
                                                         const SendOptions& options,
                                                         const std::string& region);
  TransportRequest transport_request(const std::string& method, const SendOptions& options) const;

  ClientConfig config_;
  Credentials credentials_;
  std::unique_ptr<Transport> transport_;
  mutable std::mutex mu_;  // guards rng_ and regions_
  std::mt19937_64 rng_;
  std::map<std::string, std::string, std::less<>> regions_;  // learnt from redirects
};

// Reads at most `limit` bytes of a (small, error) body; a transport failure
// just ends it.
std::string read_small_body(ResponseStream& response, size_t limit = 64 * 1024);

// How a request reaches its object: an S3 bucket / key (signed) or a
// presigned URL (sent as is).
struct GetTarget {
  std::optional<S3Uri> object;
  std::optional<PresignedUrl> presigned;
  std::string resource;  // "s3://bucket/key" or the redacted URL: for messages

  static GetTarget for_object(const S3Uri& object);
  static GetTarget for_url(const PresignedUrl& url);

  Result<std::unique_ptr<ResponseStream>> send(ClientCore& core, const std::string& method,
                                               const SendOptions& options) const;
  // The message with anything secret of the target removed.
  Error scrub(const ClientCore& core, Error error) const;
};

}  // namespace skillsync::source::s3::internal

namespace skillsync::source::s3 {

struct S3Client::Impl {
  std::shared_ptr<internal::ClientCore> core;
};

}  // namespace skillsync::source::s3
