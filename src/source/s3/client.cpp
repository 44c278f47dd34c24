// S3Client's methods: each builds a GetTarget and hands it to the request
// with retries (retry.cpp) or to the object reader (object_stream.cpp).
// Listing is in listing.cpp, presigned URLs are in presign.cpp.
#include "source/s3/client_core.hpp"
#include "source/s3/object_stream.hpp"
#include "source/s3/retry.hpp"
#include "source/s3/s3.hpp"

namespace skillsync::source::s3 {

S3Client::S3Client(ClientConfig config, Credentials credentials)
    : S3Client(std::move(config), std::move(credentials), make_curl_transport()) {}

S3Client::S3Client(ClientConfig config, Credentials credentials,
                   std::unique_ptr<Transport> transport)
    : impl_(std::make_unique<Impl>()) {
  impl_->core = std::make_shared<internal::ClientCore>(std::move(config), std::move(credentials),
                                                       std::move(transport));
}

S3Client::~S3Client() = default;

Result<ObjectInfo> S3Client::head_object(const S3Uri& object) {
  auto& core = *impl_->core;
  return internal::probe_object(core, internal::GetTarget::for_object(object),
                                internal::Budget(core.config().head_timeout), "head_timeout");
}

Result<std::unique_ptr<ObjectStream>> S3Client::get_object(const S3Uri& object, uint64_t offset,
                                                           std::string_view if_match,
                                                           const CancellationToken* cancel) {
  return internal::open_object(impl_->core, internal::GetTarget::for_object(object), offset,
                               if_match, cancel);
}

Result<std::unique_ptr<ObjectStream>> S3Client::get_presigned(const PresignedUrl& url,
                                                              uint64_t offset,
                                                              std::string_view if_match,
                                                              const CancellationToken* cancel) {
  return internal::open_object(impl_->core, internal::GetTarget::for_url(url), offset, if_match,
                               cancel);
}

Result<ObjectInfo> S3Client::head_presigned(const PresignedUrl& url) {
  auto& core = *impl_->core;
  return internal::probe_object(core, internal::GetTarget::for_url(url),
                                internal::Budget(core.config().head_timeout), "head_timeout");
}

Status S3Client::put_object(const S3Uri& object, std::string_view body) {
  internal::SendOptions options;
  options.body = body;
  SKILLSYNC_ASSIGN_OR_RETURN(
      auto response,
      internal::send_with_retries(*impl_->core, "PUT", object.bucket, object.key, options));
  internal::read_small_body(*response);
  return ok_status();
}

Status S3Client::create_bucket(const std::string& bucket) {
  const auto& config = impl_->core->config();
  std::string body;
  if (config.endpoint.empty() && config.region != "us-east-1") {
    // Outside us-east-1 AWS wants the region named in the body.
    body =
        "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<LocationConstraint>" +
        config.region + "</LocationConstraint></CreateBucketConfiguration>";
  }
  internal::SendOptions options;
  options.body = body;
  SKILLSYNC_ASSIGN_OR_RETURN(auto response,
                             internal::send_with_retries(*impl_->core, "PUT", bucket, "", options));
  internal::read_small_body(*response);
  return ok_status();
}

std::string S3Client::bucket_region(std::string_view bucket) const {
  return impl_->core->region_for(bucket);
}

}  // namespace skillsync::source::s3
