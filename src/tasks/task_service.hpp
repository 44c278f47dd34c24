// tasks/task_service: every operation the API does on File Load Tasks —
// create, get, list, cancel, row errors and the CSV error report.
//
// Contracts: credentials (or a presigned URL) are sealed with the master key
// (credential_seal.hpp) before they are stored; everything the service
// returns is a TaskView, which has no field for them, so no caller of the
// service can return them. Only the worker that runs a task (it claims a
// store::Task) ever receives the sealed blob. Tasks are always looked up
// within the caller's tenant: another tenant's task is "not_found".
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "common/time.hpp"
#include "source/s3/s3.hpp"
#include "store/store.hpp"
#include "tasks/create_request.hpp"
#include "tasks/credential_seal.hpp"
#include "tasks/error_report.hpp"
#include "tasks/task_view.hpp"

namespace skillsync::tasks {

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

// What TaskService::create returns: the task (with its inline row errors
// when an earlier request made it), and whether this request created it.
struct CreatedTaskView {
  TaskDetail detail;
  bool created = false;  // false: an earlier request with the same key made it
};

class TaskService {
 public:
  // `access_check` (may be empty: no check) runs in create() for every
  // request whose options.validate_access is true, and for every
  // s3_presigned_url request (see make_s3_access_check).
  TaskService(store::Store& store, const MasterKey& key, const Clock& clock,
              AccessCheck access_check = {})
      : store_(store), key_(key), clock_(clock), access_check_(std::move(access_check)) {}

  // Persists a new pending task and returns it. Fails with
  // Errc::kAccessCheckFailed when the access check refuses it (nothing is
  // stored), or with the store's codes.
  Result<TaskView> create(std::string_view tenant, CreateTaskRequest request);
  // Same, with an optional idempotency key: created == false when an
  // earlier request with the same key and body made the returned task (then
  // with its first row errors); a reused key with another body fails with
  // Errc::kIdempotencyConflict. The access check runs before the key is
  // looked up, so a retry of a request whose object has since become
  // unreadable is refused like a new one.
  Result<CreatedTaskView> create(std::string_view tenant, CreateTaskRequest request,
                                 const CreateOptions& options);
  // The task alone; nullopt when the tenant has no such task.
  Result<std::optional<TaskView>> find(std::string_view tenant, std::string_view task_id);
  // The task with its first kInlineRowErrors row errors; nullopt as find().
  Result<std::optional<TaskDetail>> get(std::string_view tenant, std::string_view task_id);
  // A page of the tenant's tasks, newest first (store::Store::list_tasks):
  // Errc::kInvalidCursor for a cursor this server did not issue.
  // REQUIRES: 1 <= limit <= 1000
  Result<TaskViewPage> list(std::string_view tenant, const store::TaskFilter& filter, size_t limit,
                            std::string_view cursor);
  // Cancels a pending task at once (counted in the task metrics: no worker
  // ends it), or asks the worker of a running one to stop. Fails with
  // Errc::kNotFound, or Errc::kInvalidState when the task has finished.
  Result<TaskDetail> cancel(std::string_view tenant, std::string_view task_id);
  // A page of the task's row errors in file order (Errc::kInvalidCursor as
  // list()). `task` comes from find() or get(), so the tenant was checked.
  // REQUIRES: 1 <= limit <= 10000
  Result<store::RowErrorPage> row_errors(const TaskView& task, size_t limit,
                                         std::string_view cursor);
  // The task's CSV error report, prepared (its first page read, truncation
  // known) and ready to stream. REQUIRES: the service's store outlives it.
  Result<std::unique_ptr<CsvReportStream>> error_report(const TaskView& task);

 private:
  Result<std::vector<store::RowError>> inline_row_errors(const std::string& task_id);

  store::Store& store_;
  const MasterKey& key_;
  const Clock& clock_;
  AccessCheck access_check_;
};

}  // namespace skillsync::tasks
