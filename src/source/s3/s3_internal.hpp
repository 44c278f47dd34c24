// Pieces of the S3 client that are internal to source/s3 but tested alone:
// error bodies, retry policy, addressing. Not for use outside source/s3.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "source/s3/s3.hpp"

namespace skillsync::source::s3::internal {

// <Error><Code>..</Code><Message>..</Message></Error> from an S3 error body,
// entities decoded. nullopt when the body has no <Code>.
struct ErrorBody {
  std::string code;
  std::string message;
};
std::optional<ErrorBody> parse_error_xml(std::string_view xml);
std::string xml_unescape(std::string_view text);

// The Error for a non-2xx answer to `method` on `resource` ("s3://b/k"):
// code from the body, else from the x-amz-error-code header, else from the
// status (HEAD has no body: 404 -> NoSuchKey, 403 -> AccessDenied,
// 301 -> PermanentRedirect, 400 -> BadRequest, 412 -> PreconditionFailed,
// otherwise "http_<status>"). Message:
// "S3 GET s3://bucket/key: 404 NoSuchKey: The specified key does not exist."
Error http_error(std::string_view method, std::string_view resource, int status,
                 std::string_view body, const std::map<std::string, std::string>& headers);

// Whether an answer or a transport failure is worth another attempt:
// HTTP 500/502/503/504, codes SlowDown / InternalError / RequestTimeout /
// ServiceUnavailable, transport codes connection_failed / timeout.
bool is_transient_status(int status, std::string_view code);
bool is_transient_error(const Error& error);

// Full jitter: unit * min(cap, base * 2^(failures-1)).
// REQUIRES: failures >= 1, 0 <= unit < 1
std::chrono::milliseconds backoff_delay(int failures, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, double unit);

// "bytes 10-99/100" -> {10, 99, 100}.
struct ContentRange {
  uint64_t first = 0;
  uint64_t last = 0;
  uint64_t total = 0;
};
std::optional<ContentRange> parse_content_range(std::string_view value);
std::optional<uint64_t> parse_uint(std::string_view text);

// Where a request for bucket (and key, unless empty) goes. `path` is the raw
// path the signer encodes; `url` carries the same path encoded the same way.
struct Target {
  std::string url;
  std::string host;
  std::string path;
};
// Code "invalid_endpoint" when config.endpoint is not http(s)://host[:port].
Result<Target> make_target(const ClientConfig& config, std::string_view bucket,
                           std::string_view key);

// "s3://bucket/key" or "s3://bucket" for messages.
std::string resource_name(std::string_view bucket, std::string_view key);

}  // namespace skillsync::source::s3::internal
