// tasks/task_service: accepting File Load Tasks and reading them back.
//
// Credentials are sealed with the master key (AES-256-GCM, bound to the task
// id) before they are stored, and never returned.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/secret.hpp"
#include "common/time.hpp"
#include "schema/schema.hpp"
#include "source/s3/s3.hpp"
#include "store/store.hpp"
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

// Validates a create body. On failure returns Error{"invalid_fields"} and
// appends one FieldError per problem (field path, code, message) to `errors`.
// For s3_presigned_url the URL's form is checked here (https, or http;
// a signature in the query; see source::s3::parse_presigned_url), and its
// host against the configured endpoint by the AccessCheck and again by the
// worker; `credentials` and `region` are refused ("not_allowed"). No
// message ever holds the URL's query.
Result<CreateTaskRequest> parse_create_request(const boost::json::value& body,
                                               std::vector<schema::FieldError>* errors);

// The 32-byte key that seals task credentials at rest.
class MasterKey {
 public:
  // REQUIRES: bytes.size() == 32
  explicit MasterKey(SecretString bytes) : bytes_(std::move(bytes)) {}
  // Reads the key file, or creates it (mode 0600, 32 random bytes) when absent.
  static Result<MasterKey> load_or_create(const std::string& path);
  // Reads an existing key file (mode 0600, 32 bytes); never creates one.
  static Result<MasterKey> load(const std::string& path);
  const std::string& bytes() const { return bytes_.reveal(); }

  // Rotation: a key that sealed earlier tasks. Sealing always uses this key;
  // opening tries this key, then each previous one in the order added.
  void add_previous(const MasterKey& previous) { previous_.push_back(previous.bytes_); }
  const std::vector<SecretString>& previous() const { return previous_; }

 private:
  SecretString bytes_;
  std::vector<SecretString> previous_;
};

std::string seal_credentials(const MasterKey& key, std::string_view task_id,
                             const source::s3::Credentials& creds);
Result<source::s3::Credentials> open_credentials(const MasterKey& key, std::string_view task_id,
                                                 std::string_view sealed);
// A presigned URL is sealed like credentials (stored in
// Task::sealed_credentials, erased with them when the task ends).
// open_presigned_url fails with "credentials_erased" (an erased blob) or
// "credentials_unreadable" (another key, or a blob without a URL).
std::string seal_presigned_url(const MasterKey& key, std::string_view task_id,
                               const SecretString& url);
Result<SecretString> open_presigned_url(const MasterKey& key, std::string_view task_id,
                                        std::string_view sealed);

// Checks, before a task is stored, that its credentials can read its object.
// Returns the source's own Error (e.g. code "NoSuchKey", "AccessDenied",
// "SignatureDoesNotMatch", "timeout") when they cannot.
using AccessCheck = std::function<Status(const CreateTaskRequest&)>;

// An AccessCheck that HEADs the task's object with its credentials and
// region (the task's, else config.region), within config.head_timeout cut to
// at most 5 seconds. For a prefix URI ("s3://bucket/dir/") it checks that
// the credentials may list it (one ListObjectsV2 page of one key, same time
// limit); an empty prefix passes (the load fails it with "no_objects").
// For s3_presigned_url it first validates the URL against config.endpoint
// ("invalid_presigned_url": only AWS S3 hosts over https, or that endpoint),
// then GETs its first byte (a presigned GET URL allows no HEAD): an expired
// URL gives S3's "AccessDenied" ("Request has expired").
//
// TaskService runs the check of a s3_presigned_url task even when
// options.validate_access is false, so that the URL's host is always
// validated at POST time; the check then makes no request (it reads
// request.options.validate_access itself).
AccessCheck make_s3_access_check(source::s3::ClientConfig config);

// How TaskService::create stores a task.
struct CreateOptions {
  // Non-empty: the request's Idempotency-Key (see
  // Store::create_task_idempotent); body_sha256 identifies the request body.
  std::string idempotency_key;
  std::string body_sha256;
  // When the access check refuses the task, its Error is copied here.
  Error* access_error = nullptr;
  // The W3C trace id of the creating request ("" when none): stored with
  // the task, logged by the worker that runs it.
  std::string trace_id;
};

class TaskService {
 public:
  // `access_check` (may be empty: no check) runs in create() for every
  // request whose options.validate_access is true, and for every
  // s3_presigned_url request (see make_s3_access_check).
  TaskService(store::Store& store, const MasterKey& key, const Clock& clock,
              AccessCheck access_check = {})
      : store_(store), key_(key), clock_(clock), access_check_(std::move(access_check)) {}

  // Persists a new pending task and returns it (without credentials).
  // Fails with "access_check_failed" when the access check refuses it
  // (nothing is stored), or with the store's codes.
  Result<store::Task> create(std::string_view tenant, CreateTaskRequest request);
  // Same, with an optional idempotency key: created == false when an
  // earlier request with the same key and body made the returned task; a
  // reused key with another body fails with "idempotency_conflict". The
  // access check runs before the key is looked up, so a retry of a request
  // whose object has since become unreadable is refused like a new one.
  Result<store::CreatedTask> create(std::string_view tenant, CreateTaskRequest request,
                                    const CreateOptions& options);
  Result<std::optional<store::Task>> get(std::string_view tenant, std::string_view task_id);

 private:
  store::Store& store_;
  const MasterKey& key_;
  const Clock& clock_;
  AccessCheck access_check_;
};

}  // namespace skillsync::tasks
