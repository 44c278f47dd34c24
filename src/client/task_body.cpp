// `skillsync load` arguments -> task body (see task_body.hpp).
#include "client/task_body.hpp"
#include "client/client_errors.hpp"

namespace skillsync::client {
namespace json = boost::json;

Result<json::object> build_options(const TaskOptionFlags& f) {
  json::object o;
  if (!f.on_error.empty()) {
    if (f.on_error != "continue" && f.on_error != "abort") {
      return usage_error("--on-error is continue or abort, not '" + f.on_error + "'");
    }
    o["on_error"] = f.on_error;
  }
  if (f.max_rejected_rows) {
    if (*f.max_rejected_rows < 0) return usage_error("--max-rejected-rows is 0 or more");
    o["max_rejected_rows"] = *f.max_rejected_rows;
  }
  if (f.dry_run) o["dry_run"] = true;
  if (f.ignore_unknown_columns) o["ignore_unknown_columns"] = true;
  if (f.no_validate_access) o["validate_access"] = false;
  if (!f.delimiter.empty()) {
    o["delimiter"] = (f.delimiter == "tab" || f.delimiter == "\\t") ? "\t" : f.delimiter;
  }
  if (!f.quote.empty()) o["quote"] = f.quote;
  if (!f.encoding.empty()) o["encoding"] = f.encoding;
  return o;
}

Result<json::object> build_task_body(const LoadRequest& r, const AwsCredentials* credentials) {
  if (r.entity_type.empty()) return usage_error("--entity-type is required (e.g. learning)");
  if (r.uri.empty() == r.presigned_url.empty()) {
    return usage_error("give either an s3://bucket/key URI or --presigned-url URL");
  }
  json::object body;
  body["entity_type"] = r.entity_type;
  if (!r.presigned_url.empty()) {
    if (r.region) return usage_error("--region does not go with --presigned-url");
    body["method"] = "s3_presigned_url";
    body["uri"] = r.presigned_url;
  } else {
    if (r.uri.rfind("s3://", 0) != 0) {
      return usage_error("the URI must start with s3:// (or use --presigned-url for https)");
    }
    if (credentials == nullptr) return usage_error("no AWS credentials for " + r.uri);
    body["method"] = "s3_iam_user";
    body["uri"] = r.uri;
    json::object creds{{"aws_access_key_id", credentials->access_key_id},
                       {"aws_secret_access_key", credentials->secret_access_key.reveal()}};
    if (!credentials->session_token.empty()) {
      creds["aws_session_token"] = credentials->session_token.reveal();
    }
    body["credentials"] = std::move(creds);
    if (r.region) body["region"] = *r.region;
  }
  SKILLSYNC_ASSIGN_OR_RETURN(auto options, build_options(r.options));
  if (!options.empty()) body["options"] = std::move(options);
  return body;
}

}  // namespace skillsync::client
