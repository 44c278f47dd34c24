// The real ObjectOpener: a task's object in S3.
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

class S3Opener final : public ObjectOpener {
 public:
  explicit S3Opener(s3::ClientConfig base) : base_(std::move(base)) {}

  Result<Opened> open(const store::Task& task, const s3::Credentials& credentials,
                      uint64_t offset) override {
    auto uri = s3::parse_s3_uri(task.uri);
    if (!uri.ok()) return uri.error();
    s3::ClientConfig config = base_;
    if (!task.region.empty()) config.region = task.region;
    auto client = std::make_unique<s3::S3Client>(config, credentials);
    auto stream = client->get_object(*uri, offset);
    if (!stream.ok()) return stream.error();
    uint64_t size = (*stream)->info().size;
    return Opened{std::make_unique<S3ObjectReader>(std::move(client), std::move(*stream)), size};
  }

 private:
  s3::ClientConfig base_;
};

}  // namespace

std::unique_ptr<ObjectOpener> make_s3_opener(s3::ClientConfig base_config) {
  return std::make_unique<S3Opener>(std::move(base_config));
}

}  // namespace skillsync::tasks
