// Pieces of the S3 client that are internal to source/s3 but tested alone:
// error bodies, retry policy, addressing. Not for use outside source/s3.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
// The raw text between the first <name> and the following </name>.
std::optional<std::string_view> xml_element(std::string_view xml, std::string_view name);
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
// `region` picks the AWS host (ignored with an endpoint).
Result<Target> make_target(const ClientConfig& config, std::string_view region,
                           std::string_view bucket, std::string_view key);
inline Result<Target> make_target(const ClientConfig& config, std::string_view bucket,
                                  std::string_view key) {
  return make_target(config, config.region, bucket, key);
}

// The encoded query string ("a=1&b=x%20y") of un-encoded parameters,
// sorted as SigV4 sorts them so that what is sent is what was signed.
std::string encode_query(const std::multimap<std::string, std::string>& query);

// --- Regions ----------------------------------------------------------------

// An AWS region name as it may appear in a host name: 1-32 of [a-z0-9-],
// starting with a letter ("us-east-1", "eu-central-2", "us-gov-west-1").
bool valid_region(std::string_view region);

// The region S3 says the bucket is in, when the answer is a wrong-region
// answer: status 301, 307 or 400 with an x-amz-bucket-region header, or a
// body with <Region>, or a 400 AuthorizationHeaderMalformed whose message
// says "expecting '<region>'", or a 301 whose <Endpoint> is
// "<bucket>.s3.<region>.amazonaws.com" / "s3-<region>...". nullopt
// otherwise, or when the named region is not valid_region.
std::optional<std::string> region_hint(int status,
                                       const std::map<std::string, std::string>& headers,
                                       std::string_view body);

// --- Listing ----------------------------------------------------------------

struct ListPage {
  std::vector<ListedObject> objects;
  bool truncated = false;
  std::string next_token;  // NextContinuationToken when truncated
};
// A ListObjectsV2 answer (ListBucketResult). Keys are percent-decoded ('+'
// is a space) when the answer says <EncodingType>url</EncodingType>, XML
// entities decoded otherwise. Code "bad_response" when the body is no
// ListBucketResult, a <Size> is not a number, or a truncated page has no
// continuation token.
Result<ListPage> parse_list_xml(std::string_view xml);
// "a%20b+c" -> "a b c"; a '%' not followed by two hex digits stays as is.
std::string url_decode_plus(std::string_view text);

// --- Presigned URLs -----------------------------------------------------------

// Whether `host` (lower case, no port) is an S3 host of AWS: one of the
// documented endpoint forms, optionally preceded by a bucket name. Hosts
// customers name (load balancers, API gateways, EC2) are not.
bool is_aws_s3_host(std::string_view host);

// Replaces every occurrence of each non-empty `secret` in `text` with
// "[redacted]".
void redact_all(std::string& text, std::initializer_list<std::string_view> secrets);

// "s3://bucket/key" or "s3://bucket" for messages.
std::string resource_name(std::string_view bucket, std::string_view key);

}  // namespace skillsync::source::s3::internal
