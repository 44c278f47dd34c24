// Validation of the POST /integrations/file-load-tasks body (see
// create_request.hpp).
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "schema/schema.hpp"
#include "tasks/create_request.hpp"

namespace skillsync::tasks {
namespace json = boost::json;

namespace {

constexpr size_t kMaxUriBytes = 2048;
constexpr size_t kMaxPresignedUrlBytes = 8192;  // session tokens make them long
constexpr size_t kMaxKeyIdBytes = 128;
constexpr size_t kMaxSecretBytes = 256;
constexpr size_t kMaxTokenBytes = 4096;

void add(std::vector<schema::FieldError>* errors, std::string field, std::string code,
         std::string message) {
  errors->push_back({std::move(field), std::move(code), std::move(message)});
}

// Reads a required (or optional) string member; records an error otherwise.
std::optional<std::string> string_member(const json::object& obj, std::string_view name,
                                         std::string_view path, bool required, size_t max_len,
                                         std::vector<schema::FieldError>* errors) {
  auto it = obj.find(name);
  if (it == obj.end() || it->value().is_null()) {
    if (required) add(errors, std::string(path), "required", std::string(path) + " is required");
    return std::nullopt;
  }
  if (!it->value().is_string()) {
    add(errors, std::string(path), "invalid_type", std::string(path) + " must be a string");
    return std::nullopt;
  }
  std::string_view v = it->value().get_string();
  if (v.empty()) {
    if (required) add(errors, std::string(path), "required", std::string(path) + " is empty");
    return std::nullopt;
  }
  if (v.size() > max_len) {
    add(errors, std::string(path), "too_long",
        std::string(path) + " is longer than " + std::to_string(max_len) + " bytes");
    return std::nullopt;
  }
  return std::string(v);
}

void reject_unknown(const json::object& obj, std::initializer_list<std::string_view> known,
                    std::string_view prefix, std::vector<schema::FieldError>* errors) {
  for (const auto& kv : obj) {
    bool found = false;
    for (auto k : known) found = found || kv.key() == k;
    if (!found) {
      std::string path = std::string(prefix) + std::string(kv.key());
      if (path.size() > 100) path = path.substr(0, 100) + "...";
      add(errors, path, "unknown_field", "unknown field '" + path + "'");
    }
  }
}

// The form of a presigned URL, without the host policy (which needs the
// server's configured endpoint: see make_s3_access_check): the URL is
// checked as if its own origin were the configured endpoint.
Result<source::s3::PresignedUrl> check_presigned_form(std::string_view url) {
  source::s3::ClientConfig origin;
  if (auto parsed = boost::urls::parse_uri(url); parsed && parsed->has_authority()) {
    origin.endpoint =
        std::string(parsed->scheme()) + "://" + std::string(parsed->encoded_host_and_port());
  }
  return source::s3::parse_presigned_url(url, origin);
}

bool is_valid_region(std::string_view r) {
  if (r.empty() || r.size() > 32) return false;
  for (char c : r) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// entity_type: required, a registered entity.
void take_entity_type(const json::object& obj, CreateTaskRequest& req,
                      std::vector<schema::FieldError>* errors) {
  if (auto v = string_member(obj, "entity_type", "entity_type", true, 64, errors)) {
    if (schema::find_entity(*v) == nullptr) {
      add(errors, "entity_type", "unknown_entity_type",
          "entity_type '" + v->substr(0, 64) + "' is not a known entity type");
    }
    req.entity_type = std::move(*v);
  }
}

// method: required, s3_iam_user or s3_presigned_url.
void take_method(const json::object& obj, CreateTaskRequest& req,
                 std::vector<schema::FieldError>* errors) {
  if (auto v = string_member(obj, "method", "method", true, 64, errors)) {
    if (*v != kMethodS3IamUser && *v != kMethodS3PresignedUrl) {
      add(errors, "method", "unsupported_method",
          "method must be '" + std::string(kMethodS3IamUser) + "' or '" +
              std::string(kMethodS3PresignedUrl) + "'");
    }
    req.method = std::move(*v);
  }
}

// uri: required; a presigned URL (kept as a secret, its text wiped, only its
// redacted form in req.uri) or an s3:// URI.
void take_uri(const json::object& obj, bool presigned, CreateTaskRequest& req,
              std::vector<schema::FieldError>* errors) {
  if (auto v = string_member(obj, "uri", "uri", true,
                             presigned ? kMaxPresignedUrlBytes : kMaxUriBytes, errors)) {
    if (presigned) {
      auto url = check_presigned_form(*v);
      if (url.ok()) {
        req.uri = url->redacted;
        req.presigned_url = std::move(url->url);
      } else {
        add(errors, "uri", "invalid_presigned_url", url.error().message);
      }
      secure_wipe(*v);
    } else {
      auto parsed = source::s3::parse_s3_uri(*v);
      if (!parsed.ok()) add(errors, "uri", "invalid_uri", parsed.error().message);
      req.uri = std::move(*v);
    }
  }
}

// region: optional, and not allowed with a presigned URL.
void take_region(const json::object& obj, bool presigned, CreateTaskRequest& req,
                 std::vector<schema::FieldError>* errors) {
  if (auto v = string_member(obj, "region", "region", false, 32, errors)) {
    if (presigned) {
      add(errors, "region", "not_allowed",
          "region does not apply to method 's3_presigned_url': the URL names its host");
    } else if (!is_valid_region(*v)) {
      add(errors, "region", "invalid_region", "region must look like 'eu-west-1'");
    }
    req.region = std::move(*v);
  }
}

// The members of a credentials object: the key id and secret are required.
void take_aws_keys(const json::object& c, CreateTaskRequest& req,
                   std::vector<schema::FieldError>* errors) {
  reject_unknown(c, {"aws_access_key_id", "aws_secret_access_key", "aws_session_token"},
                 "credentials.", errors);
  if (auto v = string_member(c, "aws_access_key_id", "credentials.aws_access_key_id", true,
                             kMaxKeyIdBytes, errors)) {
    req.credentials.access_key_id = std::move(*v);
  }
  if (auto v = string_member(c, "aws_secret_access_key", "credentials.aws_secret_access_key", true,
                             kMaxSecretBytes, errors)) {
    req.credentials.secret_access_key = SecretString(std::move(*v));
  }
  if (auto v = string_member(c, "aws_session_token", "credentials.aws_session_token", false,
                             kMaxTokenBytes, errors)) {
    req.credentials.session_token = SecretString(std::move(*v));
  }
}

// credentials: required with s3_iam_user, not allowed with a presigned URL.
void take_credentials(const json::object& obj, bool presigned, CreateTaskRequest& req,
                      std::vector<schema::FieldError>* errors) {
  auto creds = obj.find("credentials");
  if (presigned) {
    if (creds != obj.end() && !creds->value().is_null()) {
      add(errors, "credentials", "not_allowed",
          "credentials must not be given with method 's3_presigned_url': the URL carries its "
          "own signature");
    }
  } else if (creds == obj.end() || creds->value().is_null()) {
    add(errors, "credentials", "required", "credentials is required");
  } else if (!creds->value().is_object()) {
    add(errors, "credentials", "invalid_type", "credentials must be an object");
  } else {
    take_aws_keys(creds->value().get_object(), req, errors);
  }
}

}  // namespace

// The members in order: unknown ones, entity_type, method, uri, region,
// credentials, options; every error is collected before the result.
Result<CreateTaskRequest> parse_create_request(const json::value& body,
                                               std::vector<schema::FieldError>* errors) {
  size_t before = errors->size();
  if (!body.is_object()) {
    add(errors, "", "invalid_type", "the body must be a JSON object");
    return Error(Errc::kInvalidFields, "invalid file load task");
  }
  const json::object& obj = body.get_object();
  reject_unknown(obj, {"entity_type", "method", "uri", "credentials", "region", "options"}, "",
                 errors);

  CreateTaskRequest req;
  take_entity_type(obj, req, errors);
  take_method(obj, req, errors);
  const bool presigned = req.method == kMethodS3PresignedUrl;
  take_uri(obj, presigned, req, errors);
  take_region(obj, presigned, req, errors);
  take_credentials(obj, presigned, req, errors);
  auto options = parse_load_options(obj.if_contains("options"), errors);
  if (options.ok()) req.options = *options;
  if (errors->size() != before) return Error(Errc::kInvalidFields, "invalid file load task");
  return req;
}

}  // namespace skillsync::tasks
