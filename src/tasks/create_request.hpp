// tasks/create_request: the body of POST /integrations/file-load-tasks,
// validated into a CreateTaskRequest.
//
// Contracts: a request that parses holds everything TaskService::create
// needs; its secrets (credentials, the presigned URL) are in SecretString,
// and no error message quotes them (nor the URL's query).
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "common/secret.hpp"
#include "schema/schema.hpp"
#include "source/s3/s3.hpp"
#include "tasks/load_options.hpp"

namespace skillsync::tasks {

inline constexpr std::string_view kMethodS3IamUser = "s3_iam_user";
// `uri` is a presigned GET URL; no credentials. The URL is a secret.
inline constexpr std::string_view kMethodS3PresignedUrl = "s3_presigned_url";

struct CreateTaskRequest {
  std::string entity_type;
  std::string method;
  // s3_iam_user: "s3://bucket/key" or a prefix "s3://bucket/dir/".
  // s3_presigned_url: the URL's redacted form (scheme://host[:port]/path,
  // no query): what is stored and shown.
  std::string uri;
  std::string region;                   // "" = server default
  source::s3::Credentials credentials;  // s3_iam_user only
  SecretString presigned_url;           // s3_presigned_url only: the whole URL
  LoadOptions options;
};

// Validates a create body. On failure returns Errc::kInvalidFields and
// appends one FieldError per problem (field path, code, message) to `errors`.
// For s3_presigned_url the URL's form is checked here (https, or http;
// a signature in the query; see source::s3::parse_presigned_url), and its
// host against the configured endpoint by the AccessCheck and again by the
// worker; `credentials` and `region` are refused ("not_allowed"). No
// message ever holds the URL's query.
Result<CreateTaskRequest> parse_create_request(const boost::json::value& body,
                                               std::vector<schema::FieldError>* errors);

}  // namespace skillsync::tasks
