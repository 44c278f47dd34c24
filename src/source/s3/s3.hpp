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
//   list_objects      ListObjectsV2 with continuation, for "s3://bucket/prefix/"
//   presigned URLs    parse_presigned_url (validation), S3Client::get_presigned
//                     (streaming with the same retry/resume), presign_get
//
// Errors carry S3's own code ("NoSuchKey", "AccessDenied",
// "SignatureDoesNotMatch", "NoSuchBucket", ...) or one of ours for transport
// failures ("connection_failed", "timeout", "object_changed", "cancelled"; also "tls_error",
// "bad_response" for an answer that breaks the protocol, "invalid_endpoint",
// "invalid_presigned_url", "too_many_objects").
// Messages name the bucket, key (or a presigned URL without its query string)
// and HTTP status, never a credential, a signature or a session token.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/byte_reader.hpp"
#include "common/cancel.hpp"
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

// True when the URI names a prefix ("s3://bucket/exports/2024/"): every
// object under it is loaded, in key order (see S3Client::list_objects).
inline bool is_prefix(const S3Uri& uri) { return uri.key.ends_with('/'); }

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

// Query-string signing (a presigned URL): returns the encoded query to put
// after '?': req.query plus X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
// X-Amz-Expires, X-Amz-SignedHeaders (host and req.headers),
// X-Amz-Security-Token (with a session token) and X-Amz-Signature, sorted.
// The payload is always UNSIGNED-PAYLOAD, as AWS documents for S3.
// The result is a secret (it holds a signature and maybe a session token).
// REQUIRES: 1 <= expires <= 604800 (seven days)
std::string presign_query(const HttpRequest& req, const Credentials& creds,
                          const SigningParams& params, std::chrono::seconds expires);

// --- Client -------------------------------------------------------------

struct ClientConfig {
  // "http://127.0.0.1:9000": path-style addressing against this endpoint.
  // Empty: AWS, virtual-hosted style https://<bucket>.s3.<region>.amazonaws.com
  // (us-east-1: its original host <bucket>.s3.amazonaws.com, as in AWS's own
  // examples), path style https://s3.<region>.amazonaws.com/<bucket>/<key>
  // for bucket names with dots (they break the wildcard TLS certificate).
  std::string endpoint;
  // Region of buckets the client has not learnt another region for (see
  // S3Client::bucket_region).
  std::string region = "us-east-1";
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::seconds stall_timeout{60};  // no byte for this long -> retry
  int max_attempts = 5;                    // failures in a row, for transient failures
  std::chrono::milliseconds backoff_base{200};
  std::chrono::milliseconds backoff_cap{10000};
  // Overall limit on the time spent retrying: by one request (HEAD, PUT, a
  // listing page), or by an ObjectStream over its whole life (the time
  // inside failed attempts, waits for a stalled connection included, plus the
  // backoff sleeps; not the time the reader spends between reads). Past it
  // the operation fails with code "timeout". Attempts are shortened so as
  // not to outlast it, except a stall already under way on an open body, so
  // it may be overrun by at most one stall_timeout.
  std::chrono::milliseconds retry_deadline{std::chrono::minutes(15)};
  // Whole-call limit of head_object and head_presigned, retries included
  // (each attempt's connect and stall timeouts are cut to what is left):
  // short, so that the API can check access while the caller waits.
  std::chrono::milliseconds head_timeout{10000};
  const Clock* clock = &SystemClock::instance();
};

struct ObjectInfo {
  uint64_t size = 0;
  std::string etag;
};

// One object of a listing.
struct ListedObject {
  std::string key;  // decoded, the full key (prefix included)
  uint64_t size = 0;
  std::string etag;           // as S3 gives it, quotes included: "\"9b2cf5...\""
  std::string last_modified;  // as S3 gives it (RFC 3339, e.g. "2026-12-05T01:00:00.000Z")

  // The same version of the same object: key, size and ETag (last_modified
  // is what the server says about it, not its identity).
  bool operator==(const ListedObject& o) const {
    return key == o.key && size == o.size && etag == o.etag;
  }
};

struct ListOptions {
  int page_size = 1000;  // max-keys of each ListObjectsV2 request (S3 caps it at 1000)
  // More objects than this under the prefix -> "too_many_objects" (bounds
  // the memory of the listing).
  size_t max_objects = 100000;
  // Skip zero-byte keys ending in '/' (the "folders" of the S3 console).
  bool skip_folder_markers = true;
  // 0: follow continuation tokens to the end. Otherwise stop after this many
  // pages and return what they held (a partial listing: for a quick check
  // that the credentials may list, page_size 1 and max_pages 1).
  int max_pages = 0;
};

// --- Presigned URLs --------------------------------------------------------

// A validated presigned GET URL. The URL is a secret like a key (whoever has
// it can read the object until it expires): it is held as a SecretString
// and only `redacted` may appear in messages and logs.
struct PresignedUrl {
  SecretString url;      // the whole URL, query included, exactly as given
  std::string redacted;  // scheme://host[:port]/path, no query: safe to show
};

// Validates `url` as a presigned GET URL the client may fetch:
//   - an absolute URL, at most 8 KiB of printable ASCII, no fragment, no
//     userinfo ("user:pass@"), a non-empty path and a signature in the
//     query (X-Amz-Signature, or Signature for SigV2 URLs);
//   - https:// to an AWS S3 host (<bucket>.s3[.-]<region>.amazonaws.com,
//     s3.<region>.amazonaws.com, s3.amazonaws.com, dualstack / fips /
//     accesspoint forms, .amazonaws.com.cn), default port or 443; or
//   - http:// or https:// to exactly the host and port of
//     config.endpoint (when set). An IP literal or any other host is
//     refused unless it is that endpoint.
// Errors have code "invalid_presigned_url" and a message that shows at most
// the URL without its query string.
Result<PresignedUrl> parse_presigned_url(std::string_view url, const ClientConfig& config);

// "scheme://host[:port]/path" of any URL-like text: everything from the
// first '?' or '#' on is dropped, and so is a "user:pass@" part. For logs.
std::string redact_url(std::string_view url);

// A presigned GET URL for `object`, addressed as S3Client addresses it
// (config.endpoint and config.region), valid `expires` from `time`.
// Code "invalid_endpoint" for a bad config.endpoint, "invalid_argument"
// unless 1 s <= expires <= 7 days. The result is a secret.
Result<std::string> presign_get(const ClientConfig& config, const S3Uri& object,
                                const Credentials& credentials, std::chrono::seconds expires,
                                Micros time);

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
// (a random delay in [0, min(backoff_cap, backoff_base * 2^(n-1))]), within
// retry_deadline. Other 4xx answers are returned at once. An ObjectStream
// counts failures in a row: delivering bytes resets its count. Every request
// (HEAD, PUT, a listing page, a GET, a stream's reopen) follows this through
// one function (internal::retry_with_budget, retry.hpp).
//
// Regions: a bucket is first addressed in config.region. When S3 answers
// 301 PermanentRedirect, 307, or 400 AuthorizationHeaderMalformed and names
// the bucket's region (x-amz-bucket-region header, <Region> element, or
// "expecting '<region>'"), the request is sent once more in that region, and
// the client remembers it for the bucket (bucket_region).
//
// Credentials are not used by get_presigned / head_presigned: a client for
// presigned URLs only may be built with empty Credentials.
class S3Client {
 public:
  S3Client(ClientConfig config, Credentials credentials);
  // The same client over another transport (tests use a fake that cuts
  // connections). REQUIRES: transport != nullptr
  S3Client(ClientConfig config, Credentials credentials, std::unique_ptr<Transport> transport);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  // Size and ETag of the object, within config.head_timeout (retries
  // included; past it: "timeout"). Fails with S3's code when the
  // credentials cannot read it: "AccessDenied" (HEAD answers have no body,
  // so a 403 says no more), "NoSuchKey", "InvalidAccessKeyId"... This is the
  // check the API makes before accepting a task.
  Result<ObjectInfo> head_object(const S3Uri& object);
  // Opens the object for streaming from `offset` (info().size is the whole
  // object's size). An offset equal to the size gives an empty stream; a
  // larger one fails with "InvalidRange". A non-empty `if_match` (an ETag,
  // quotes included, as info().etag gives it) pins the version: the first
  // request carries If-Match, and a 412 or an answer with another ETag
  // fails with "object_changed" (a resumed load must not mix two versions).
  //
  // `cancel` (optional) interrupts the download: once it is set, the open,
  // and any later read() of the stream that waits on the network (a stalled
  // connection, a reconnect, a backoff sleep), give up within about 500 ms
  // with code "cancelled", which is never retried; the stream then stays
  // failed. Bytes already received may still be delivered first. An open
  // with a token already set fails at once without a request.
  // REQUIRES: `cancel` outlives the stream.
  Result<std::unique_ptr<ObjectStream>> get_object(const S3Uri& object, uint64_t offset = 0,
                                                   std::string_view if_match = {},
                                                   const CancellationToken* cancel = nullptr);

  // Every object whose key starts with `prefix` (ListObjectsV2, following
  // continuation tokens), sorted by key in byte order (S3's own order),
  // with size and ETag. An empty result is not an error. Fails with
  // "too_many_objects" past options.max_objects, else like any request.
  Result<std::vector<ListedObject>> list_objects(const std::string& bucket,
                                                 const std::string& prefix,
                                                 const ListOptions& options = {});

  // The region requests for `bucket` are signed for: config.region until a
  // redirect taught the client another one.
  std::string bucket_region(std::string_view bucket) const;

  // Streams a presigned GET URL exactly like get_object streams an object
  // (Range + If-Match on resume, retries, retry_deadline), without signing
  // anything. Error messages name url.redacted only. `if_match` as for
  // get_object, and so is `cancel`.
  Result<std::unique_ptr<ObjectStream>> get_presigned(const PresignedUrl& url, uint64_t offset = 0,
                                                      std::string_view if_match = {},
                                                      const CancellationToken* cancel = nullptr);
  // The HEAD of a presigned GET URL, within config.head_timeout. The URL is
  // signed for GET only, so this GETs its first byte (Range: bytes=0-0) and
  // takes the size from Content-Range; an empty object is size 0.
  Result<ObjectInfo> head_presigned(const PresignedUrl& url);
  // Used by tests and benchmarks to upload fixtures.
  Status put_object(const S3Uri& object, std::string_view body);
  Status create_bucket(const std::string& bucket);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skillsync::source::s3
