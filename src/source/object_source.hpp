// source: where a load's bytes come from, as one interface over S3.
//
//   SourceSpec     what to read, parsed once from a task's (or any caller's)
//                  uri, region and opened secret: one object (bucket/key),
//                  every object under a prefix, or a presigned GET URL
//   ObjectOpener   opens the spec's objects as byte streams (and lists a
//                  prefix); make_s3_opener is the real one, tests use fakes
//
// Contracts: a SourceSpec holds secrets (credentials, or a presigned URL that
// is as good as a key) only in SecretString; `name` is what messages may
// show. The interface knows nothing of tasks or stores: a caller turns its
// own records into a SourceSpec.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/byte_reader.hpp"
#include "common/cancel.hpp"
#include "common/result.hpp"
#include "common/secret.hpp"
#include "source/s3/s3.hpp"

namespace skillsync::source {

struct SourceSpec {
  enum class Kind { kObject, kPrefix, kPresigned };
  Kind kind = Kind::kObject;
  // kObject: the bucket and the object's key; kPrefix: the bucket and the
  // prefix (a key ending in '/'); kPresigned: empty.
  s3::S3Uri location;
  std::string region;           // "" : the opener's configured region
  s3::Credentials credentials;  // kObject and kPrefix
  SecretString presigned_url;   // kPresigned: the whole URL, query included
  std::string name;             // "s3://bucket/key", or the URL without its query

  bool is_prefix() const { return kind == Kind::kPrefix; }
};

// An object or a prefix ("s3://bucket/key", "s3://bucket/prefix/"; see
// s3::parse_s3_uri, whose "invalid_uri" it returns), read with `credentials`
// in `region` ("" for the opener's default).
Result<SourceSpec> s3_source(std::string_view uri, std::string region, s3::Credentials credentials);
// A presigned GET URL. It is validated when opened, against the opener's own
// configuration (s3::parse_presigned_url): the URL is data, the opener alone
// decides which hosts it may fetch.
SourceSpec presigned_source(SecretString url);

// Opens a SourceSpec's bytes.
//
// A spec is read one of three ways:
//   - kObject: open();
//   - kPrefix: list(), then open_key() for each listed object in key order;
//   - kPresigned: open_presigned().
// The methods other than open() have default implementations that fail with
// "unsupported_source", so a fake need only implement what its test uses.
class ObjectOpener {
 public:
  virtual ~ObjectOpener() = default;
  struct Opened {
    std::unique_ptr<ByteReader> reader;
    uint64_t size = 0;
    std::string etag;  // the version that is read ("" when the source names none)
  };
  // Every open takes an interruption: once `cancel` is set (the task must
  // stop: cancelled, lease lost, shutdown), the open and every later read
  // of Opened::reader that waits on the network end within about a second
  // with an Error of code "cancelled". Sources that never block (test fakes)
  // may ignore it.
  // REQUIRES: `cancel` outlives Opened::reader.

  // Opens the spec's object from byte `offset` (a resumed load);
  // Opened::size is the whole object's size.
  virtual Result<Opened> open(const SourceSpec& spec, uint64_t offset,
                              const CancellationToken& cancel) = 0;
  // Every object under the spec's prefix, in key order, without the
  // zero-byte "folder" keys that end in '/'. An empty list is not an error.
  virtual Result<std::vector<s3::ListedObject>> list(const SourceSpec& spec);
  // Opens `key` of the spec's bucket from byte `offset`. A non-empty
  // `if_match` pins the object's ETag: another version fails with
  // "object_changed".
  virtual Result<Opened> open_key(const SourceSpec& spec, const std::string& key, uint64_t offset,
                                  std::string_view if_match, const CancellationToken& cancel);
  // Opens the spec's presigned URL from byte `offset`; `if_match` as for
  // open_key. Error messages name the URL without its query string only.
  virtual Result<Opened> open_presigned(const SourceSpec& spec, uint64_t offset,
                                        std::string_view if_match, const CancellationToken& cancel);
};

// Opens objects (and lists prefixes) with the spec's credentials and region
// (or base_config.region), and presigned URLs (validated against
// base_config.endpoint before any request: a stored spec cannot make the
// worker fetch another host). Reads retry transient failures for as long as
// base_config.retry_deadline allows, however many attempts that takes, and
// resume at the byte they reached: a short S3 outage costs time, not the load.
std::unique_ptr<ObjectOpener> make_s3_opener(s3::ClientConfig base_config);

}  // namespace skillsync::source
