// The body of POST /integrations/file-load-tasks built from `skillsync load`
// arguments: a pure function, so the mapping of every flag is unit-tested.
//
// Only the options given on the command line are sent (the server fills in
// its defaults); the same arguments always give byte-identical bodies, which
// is what lets a re-run with the same --idempotency-key find its task.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <boost/json.hpp>

#include "client/aws_credentials.hpp"
#include "common/result.hpp"

namespace skillsync::client {

struct TaskOptionFlags {
  std::string on_error;  // "" = server default
  std::optional<int64_t> max_rejected_rows;
  bool dry_run = false;
  bool ignore_unknown_columns = false;
  bool no_validate_access = false;
  std::string delimiter;  // "", ",", ";", "|", "tab" (or "\t")
  std::string quote;
  std::string encoding;
};

struct LoadRequest {
  std::string uri;            // s3://bucket/key (empty with a presigned URL)
  std::string presigned_url;  // method s3_presigned_url
  std::string entity_type;
  std::optional<std::string> region;  // s3_iam_user only
  TaskOptionFlags options;
};

// The options object ({} when no option flag was given).
Result<boost::json::object> build_options(const TaskOptionFlags& flags);

// The task body. `credentials` is used for an s3:// URI and must then be
// set. Errors (code "usage") name the flag to fix.
Result<boost::json::object> build_task_body(const LoadRequest& request,
                                            const AwsCredentials* credentials);

}  // namespace skillsync::client
