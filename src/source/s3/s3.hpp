// source/s3: reading objects from Amazon S3 or an S3-compatible endpoint.
//
// Pieces, each testable alone:
//   parse_s3_uri      "s3://bucket/key" -> {bucket, key}
//   sign_request      AWS Signature Version 4 (our own; libcurl's omits
//                     x-amz-content-sha256 and does not canonicalise paths or
//                     queries), with an injected time
//   S3Client          HEAD / GET (streamed, ranged, resumed) / PUT over libcurl,
//                     TLS verification on
//
// Errors carry S3's own code ("NoSuchKey", "AccessDenied",
// "SignatureDoesNotMatch", "NoSuchBucket", ...) or one of ours for transport
// failures ("connection_failed", "timeout", "object_changed"; also "tls_error",
// "bad_response" for an answer that breaks the protocol, "invalid_endpoint").
// Messages name the bucket, key and HTTP status, never a credential.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/byte_reader.hpp"
#include "common/result.hpp"
#include "common/secret.hpp"
#include "common/time.hpp"

namespace skillsync::source::s3 {

struct S3Uri {
  std::string bucket;
  std::string key;  // decoded; may contain any UTF-8 including '/', ' ', '+'
};

// Accepts exactly "s3://<bucket>/<key>" with a DNS-compatible bucket name
// (3-63 chars of [a-z0-9.-]) and a non-empty key. Code "invalid_uri".
// The key is taken literally, as the AWS CLI does: "%20" stays three
// characters. It must be valid UTF-8 without NUL bytes, at most 1024
// bytes; the bucket name must start and end with a letter or digit and must not
// contain "..".
Result<S3Uri> parse_s3_uri(std::string_view uri);

struct Credentials {
  std::string access_key_id;
  SecretString secret_access_key;
  SecretString session_token;  // empty when not used
};

// --- SigV4 --------------------------------------------------------------

struct HttpRequest {
  std::string method;  // "GET"
  std::string host;    // "examplebucket.s3.amazonaws.com" (with ":port" if not default)
  // S3 (s3_path_encoding): the raw, un-encoded path ("/my key.csv"); the
  // signer encodes it once, exactly as the client encodes the URL it sends.
  // Other services: the path as it appears on the wire; the signer removes
  // dot segments and empty segments and encodes it once more (AWS's "double
  // encoding"). The AWS test suite's request lines are such wire paths.
  std::string path;
  std::multimap<std::string, std::string> query;    // un-encoded
  std::map<std::string, std::string> headers;       // extra headers to sign (lower-case names)
  std::string payload_sha256 = "UNSIGNED-PAYLOAD";  // hex digest or UNSIGNED-PAYLOAD
};

struct SigningParams {
  std::string region;  // "us-east-1"
  std::string service = "s3";
  Micros time = 0;               // request time (x-amz-date)
  bool s3_path_encoding = true;  // S3: encode the path once; other services: twice
};

// sign_request returns the headers to send (lower-case names): the request's
// own headers, "host", "x-amz-date", "authorization", "x-amz-content-sha256"
// (only for service "s3", which requires it) and, with a session token,
// "x-amz-security-token" (signed). The time comes from params.time only.
// Exposed pieces for tests against AWS's published vectors:
//
// uri_encode keeps RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~) and
// '/' unless encode_slash; every other byte becomes %XX (upper-case hex), so
// UTF-8 is encoded byte by byte.
std::string uri_encode(std::string_view s, bool encode_slash);
// `all_headers` are the headers to sign with lower-case names (as
// sign_request assembles them); values are trimmed and runs of whitespace
// collapsed to one space. Query parameters are encoded and sorted by encoded
// key, then value.
std::string canonical_request(const HttpRequest& req,
                              const std::map<std::string, std::string>& all_headers,
                              const SigningParams& params);
std::string string_to_sign(const std::string& canonical_request, const SigningParams& params);
std::map<std::string, std::string> sign_request(const HttpRequest& req, const Credentials& creds,
                                                const SigningParams& params);

// --- Client -------------------------------------------------------------

struct ClientConfig {
  // "http://127.0.0.1:9000": path-style addressing against this endpoint.
  // Empty: AWS, virtual-hosted style https://<bucket>.s3.<region>.amazonaws.com
  // (path style for bucket names with dots).
  std::string endpoint;
  std::string region = "us-east-1";
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::seconds stall_timeout{60};  // no byte for this long -> retry
  int max_attempts = 5;                    // per GET, for transient failures
  std::chrono::milliseconds backoff_base{200};
  std::chrono::milliseconds backoff_cap{10000};
  const Clock* clock = &SystemClock::instance();
};

struct ObjectInfo {
  uint64_t size = 0;
  std::string etag;
};

// A GET body as a ByteReader. On a transient failure mid-stream it reopens
// the object at the current offset (Range: bytes=<offset>-, If-Match: <etag>)
// so no byte is delivered twice; a changed object fails with "object_changed".
class ObjectStream : public ByteReader {
 public:
  virtual const ObjectInfo& info() const = 0;
  virtual uint64_t offset() const = 0;  // bytes delivered so far
};

class Transport;  // source/s3/transport.hpp: the HTTP layer (libcurl by default)

// S3Client is thread safe: its methods may be called from several threads at
// once. An ObjectStream is used by one thread at a time and may outlive the
// client that opened it.
//
// Retries: transient failures (connection refused or reset, timeouts, a stall
// of stall_timeout without a byte, HTTP 500/502/503/504, SlowDown) are retried
// up to max_attempts times in a row with exponential backoff and full jitter
// (a random delay in [0, min(backoff_cap, backoff_base * 2^(n-1))]). Other
// 4xx answers are returned at once. An ObjectStream counts failures in a row:
// delivering bytes resets its count.
class S3Client {
 public:
  S3Client(ClientConfig config, Credentials credentials);
  // The same client over another transport (tests use a fake that cuts
  // connections). REQUIRES: transport != nullptr
  S3Client(ClientConfig config, Credentials credentials, std::unique_ptr<Transport> transport);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  Result<ObjectInfo> head_object(const S3Uri& object);
  // Opens the object for streaming from `offset` (info().size is the whole
  // object's size). An offset equal to the size gives an empty stream; a
  // larger one fails with "InvalidRange".
  Result<std::unique_ptr<ObjectStream>> get_object(const S3Uri& object, uint64_t offset = 0);
  // Used by tests and benchmarks to upload fixtures.
  Status put_object(const S3Uri& object, std::string_view body);
  Status create_bucket(const std::string& bucket);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skillsync::source::s3
