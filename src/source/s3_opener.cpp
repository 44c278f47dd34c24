// The real ObjectOpener: a spec's object, prefix or presigned URL in S3,
// each open with a client of its own (region and credentials per spec).
#include <limits>

#include "source/object_source.hpp"

namespace skillsync::source {
namespace {

// Keeps the client alive for as long as its stream is read.
class S3ObjectReader final : public ByteReader {
 public:
  S3ObjectReader(std::unique_ptr<s3::S3Client> client, std::unique_ptr<s3::ObjectStream> stream)
      : client_(std::move(client)), stream_(std::move(stream)) {}
  Result<size_t> read(std::span<char> buf) override { return stream_->read(buf); }

 private:
  std::unique_ptr<s3::S3Client> client_;  // declared first: destroyed after the stream
  std::unique_ptr<s3::ObjectStream> stream_;
};

ObjectOpener::Opened opened(std::unique_ptr<s3::S3Client> client,
                            std::unique_ptr<s3::ObjectStream> stream) {
  const s3::ObjectInfo info = stream->info();
  return {std::make_unique<S3ObjectReader>(std::move(client), std::move(stream)), info.size,
          info.etag};
}

class S3Opener final : public ObjectOpener {
 public:
  // A load's reads retry transient failures (an S3 outage: connections
  // refused, 5xx) for as long as retry_deadline allows, however many
  // attempts that takes (README: --s3-retry-deadline).
  explicit S3Opener(s3::ClientConfig base) : base_(std::move(base)) {
    base_.max_attempts = std::numeric_limits<int>::max();
  }

  Result<Opened> open(const SourceSpec& spec, uint64_t offset,
                      const CancellationToken& cancel) override {
    return open_key(spec, spec.location.key, offset, {}, cancel);
  }

  Result<std::vector<s3::ListedObject>> list(const SourceSpec& spec) override {
    s3::S3Client client(config_for(spec), spec.credentials);
    return client.list_objects(spec.location.bucket, spec.location.key);
  }

  Result<Opened> open_key(const SourceSpec& spec, const std::string& key, uint64_t offset,
                          std::string_view if_match, const CancellationToken& cancel) override {
    auto client = std::make_unique<s3::S3Client>(config_for(spec), spec.credentials);
    SKILLSYNC_ASSIGN_OR_RETURN(
        auto stream, client->get_object({spec.location.bucket, key}, offset, if_match, &cancel));
    return opened(std::move(client), std::move(stream));
  }

  Result<Opened> open_presigned(const SourceSpec& spec, uint64_t offset, std::string_view if_match,
                                const CancellationToken& cancel) override {
    // Validated here, against this opener's configuration: the spec is data.
    SKILLSYNC_ASSIGN_OR_RETURN(auto url,
                               s3::parse_presigned_url(spec.presigned_url.reveal(), base_));
    auto client = std::make_unique<s3::S3Client>(base_, s3::Credentials{});
    SKILLSYNC_ASSIGN_OR_RETURN(auto stream, client->get_presigned(url, offset, if_match, &cancel));
    return opened(std::move(client), std::move(stream));
  }

 private:
  s3::ClientConfig config_for(const SourceSpec& spec) const {
    s3::ClientConfig config = base_;
    if (!spec.region.empty()) config.region = spec.region;
    return config;
  }

  s3::ClientConfig base_;
};

}  // namespace

std::unique_ptr<ObjectOpener> make_s3_opener(s3::ClientConfig base_config) {
  return std::make_unique<S3Opener>(std::move(base_config));
}

}  // namespace skillsync::source
