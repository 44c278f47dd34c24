// sources/source_request: validating the bodies of POST and PATCH
// /integrations/sources.
//
// The task-like fields (entity_type, uri, region, credentials, options) are
// validated by the File Load Task's own parser (tasks::parse_create_request),
// so a source accepts exactly what a task accepts, with the same field
// errors; on top of that the uri must be a prefix ("s3://bucket/dir/" or
// "s3://bucket/") and the method "s3_iam_user".
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <vector>

#include "common/result.hpp"
#include "schema/schema.hpp"
#include "source/s3/s3.hpp"
#include "store/sources.hpp"
#include "tasks/load_options.hpp"

namespace skillsync::sources {

// The biggest object a source loads; bigger ones are recorded as skipped
// ("too_large"). 5 GiB, S3's single-PUT limit.
inline constexpr uint64_t kMaxObjectBytes = uint64_t{5} << 30;
inline constexpr int kMaxFailuresLimit = 100;

// A source's `batch`: one File Load Task per new object (the default), or
// one task for all new objects of a check (store::Source::batch).
inline constexpr std::string_view kBatchPerFile = "per_file";
inline constexpr std::string_view kBatchPerCheck = "per_check";

struct SourceRequest {
  store::Source source;  // every field but id, tenant, sealed credentials, times
  std::optional<source::s3::Credentials> credentials;  // given in this body
  tasks::LoadOptions options;
};

// Parses a create body (existing == nullptr) or a patch body merged onto
// `existing`. On failure returns Error{"invalid_fields"} and appends one
// FieldError per problem to `errors`.
Result<SourceRequest> parse_source_request(const boost::json::value& body,
                                           const store::Source* existing,
                                           std::vector<schema::FieldError>* errors);

}  // namespace skillsync::sources
