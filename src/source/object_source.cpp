// SourceSpec parsing and the ObjectOpener defaults (see object_source.hpp).
#include "source/object_source.hpp"

namespace skillsync::source {
namespace {

Error unsupported(std::string_view what) {
  return Error{"unsupported_source", "this object opener cannot " + std::string(what)};
}

}  // namespace

Result<SourceSpec> s3_source(std::string_view uri, std::string region,
                             s3::Credentials credentials) {
  SKILLSYNC_ASSIGN_OR_RETURN(s3::S3Uri location, s3::parse_s3_uri(uri));
  SourceSpec spec;
  spec.kind = s3::is_prefix(location) ? SourceSpec::Kind::kPrefix : SourceSpec::Kind::kObject;
  spec.name = std::string(uri);
  spec.location = std::move(location);
  spec.region = std::move(region);
  spec.credentials = std::move(credentials);
  return spec;
}

SourceSpec presigned_source(SecretString url) {
  SourceSpec spec;
  spec.kind = SourceSpec::Kind::kPresigned;
  spec.name = s3::redact_url(url.reveal());
  spec.presigned_url = std::move(url);
  return spec;
}

Result<std::vector<s3::ListedObject>> ObjectOpener::list(const SourceSpec&) {
  return unsupported("list a prefix");
}

Result<ObjectOpener::Opened> ObjectOpener::open_key(const SourceSpec&, const std::string&, uint64_t,
                                                    std::string_view, const CancellationToken&) {
  return unsupported("open an object by key");
}

Result<ObjectOpener::Opened> ObjectOpener::open_presigned(const SourceSpec&, uint64_t,
                                                          std::string_view,
                                                          const CancellationToken&) {
  return unsupported("open a presigned URL");
}

}  // namespace skillsync::source
