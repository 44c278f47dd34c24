// ClientCore: what S3Client and its ObjectStreams share (configuration,
// credentials, transport, retry policy). Held by shared_ptr so a stream may
// outlive the client. Internal to source/s3.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

#include "source/s3/s3.hpp"
#include "source/s3/transport.hpp"

namespace skillsync::source::s3::internal {

class ClientCore {
 public:
  ClientCore(ClientConfig config, Credentials credentials, std::unique_ptr<Transport> transport);

  const ClientConfig& config() const { return config_; }

  // Addresses, signs (at config().clock->now()) and sends one request; any
  // HTTP status is a success here. `key` empty addresses the bucket.
  Result<std::unique_ptr<ResponseStream>> send(const std::string& method, std::string_view bucket,
                                               std::string_view key,
                                               const std::map<std::string, std::string>& headers,
                                               std::string_view body);

  // Sleeps the backoff before attempt `failures + 1`.
  void backoff(int failures);

 private:
  ClientConfig config_;
  Credentials credentials_;
  std::unique_ptr<Transport> transport_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_;
};

// Reads at most `limit` bytes of a (small, error) body; a transport failure
// just ends it.
std::string read_small_body(ResponseStream& response, size_t limit = 64 * 1024);

// Appends "(after N attempts)" to an error's message when N > 1.
Error after_attempts(Error error, int attempts);

// Opens an ObjectStream (object_stream.cpp).
Result<std::unique_ptr<ObjectStream>> open_object(std::shared_ptr<ClientCore> core,
                                                  const S3Uri& object, uint64_t offset);

}  // namespace skillsync::source::s3::internal
