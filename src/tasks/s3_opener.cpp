// The real ObjectOpener: a task's object, prefix or presigned URL in S3.
#include <limits>

#include "tasks/tasks.hpp"

namespace skillsync::tasks {
namespace s3 = source::s3;
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
  // A task's reads retry transient failures (an S3 outage: connections
  // refused, 5xx) for as long as retry_deadline allows, however many
  // attempts that takes, and resume at the byte they reached: a short outage
  // costs time, not the load (README: --s3-retry-deadline).
  explicit S3Opener(s3::ClientConfig base) : base_(std::move(base)) {
    base_.max_attempts = std::numeric_limits<int>::max();
  }

  Result<Opened> open(const store::Task& task, const s3::Credentials& credentials, uint64_t offset,
                      const CancellationToken& cancel) override {
    return open_object(task, credentials, offset, &cancel);
  }

  Result<std::vector<s3::ListedObject>> list(const store::Task& task,
                                             const s3::Credentials& credentials) override {
    auto uri = s3::parse_s3_uri(task.uri);
    if (!uri.ok()) return uri.error();
    s3::S3Client client(config_for(task), credentials);
    return client.list_objects(uri->bucket, uri->key);
  }

  Result<Opened> open_key(const store::Task& task, const s3::Credentials& credentials,
                          const std::string& key, uint64_t offset, std::string_view if_match,
                          const CancellationToken& cancel) override {
    return get_key(task, credentials, key, offset, if_match, &cancel);
  }

  Result<Opened> open_presigned(const store::Task& task, const SecretString& url, uint64_t offset,
                                std::string_view if_match,
                                const CancellationToken& cancel) override {
    return get_url(task, url, offset, if_match, &cancel);
  }

 private:
  Result<Opened> open_object(const store::Task& task, const s3::Credentials& credentials,
                             uint64_t offset, const CancellationToken* cancel) {
    auto uri = s3::parse_s3_uri(task.uri);
    if (!uri.ok()) return uri.error();
    return get_key(task, credentials, uri->key, offset, {}, cancel);
  }

  Result<Opened> get_key(const store::Task& task, const s3::Credentials& credentials,
                         const std::string& key, uint64_t offset, std::string_view if_match,
                         const CancellationToken* cancel) {
    auto uri = s3::parse_s3_uri(task.uri);
    if (!uri.ok()) return uri.error();
    auto client = std::make_unique<s3::S3Client>(config_for(task), credentials);
    auto stream = client->get_object({uri->bucket, key}, offset, if_match, cancel);
    if (!stream.ok()) return stream.error();
    return opened(std::move(client), std::move(*stream));
  }

  Result<Opened> get_url(const store::Task&, const SecretString& url, uint64_t offset,
                         std::string_view if_match, const CancellationToken* cancel) {
    // Validated again here: the stored task is data, the worker trusts only
    // its own configuration about which hosts it may fetch.
    auto parsed = s3::parse_presigned_url(url.reveal(), base_);
    if (!parsed.ok()) return parsed.error();
    auto client = std::make_unique<s3::S3Client>(base_, s3::Credentials{});
    auto stream = client->get_presigned(*parsed, offset, if_match, cancel);
    if (!stream.ok()) return stream.error();
    return opened(std::move(client), std::move(*stream));
  }

  s3::ClientConfig config_for(const store::Task& task) const {
    s3::ClientConfig config = base_;
    if (!task.region.empty()) config.region = task.region;
    return config;
  }

  s3::ClientConfig base_;
};

Error unsupported(std::string_view what) {
  return Error{"unsupported_source", "this object opener cannot " + std::string(what)};
}

}  // namespace

Result<std::vector<s3::ListedObject>> ObjectOpener::list(const store::Task&,
                                                         const s3::Credentials&) {
  return unsupported("list a prefix");
}

Result<ObjectOpener::Opened> ObjectOpener::open_key(const store::Task&, const s3::Credentials&,
                                                    const std::string&, uint64_t, std::string_view,
                                                    const CancellationToken&) {
  return unsupported("open an object by key");
}

Result<ObjectOpener::Opened> ObjectOpener::open_presigned(const store::Task&, const SecretString&,
                                                          uint64_t, std::string_view,
                                                          const CancellationToken&) {
  return unsupported("open a presigned URL");
}

std::unique_ptr<ObjectOpener> make_s3_opener(s3::ClientConfig base_config) {
  return std::make_unique<S3Opener>(std::move(base_config));
}

}  // namespace skillsync::tasks
