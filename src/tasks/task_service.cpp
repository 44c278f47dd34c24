// The task operations of the API (see task_service.hpp).
#include "tasks/task_service.hpp"

#include <algorithm>
#include <chrono>

#include "common/crypto.hpp"
#include "metrics/skillsync_metrics.hpp"

namespace skillsync::tasks {

AccessCheck make_s3_access_check(source::s3::ClientConfig config) {
  constexpr std::chrono::milliseconds kMaxHeadTimeout{5000};
  config.head_timeout = std::min(config.head_timeout, kMaxHeadTimeout);
  // A listing is bounded by retry_deadline: give it the same short limit.
  config.retry_deadline = config.head_timeout;
  config.connect_timeout = std::min(config.connect_timeout, config.head_timeout);
  return [config = std::move(config)](const CreateTaskRequest& request) -> Status {
    namespace s3 = source::s3;
    if (request.method == kMethodS3PresignedUrl) {
      auto url = s3::parse_presigned_url(request.presigned_url.reveal(), config);
      if (!url.ok()) return url.error();
      if (!request.options.validate_access) return ok_status();
      s3::S3Client client(config, s3::Credentials{});
      auto info = client.head_presigned(*url);
      if (!info.ok()) return info.error();
      return ok_status();
    }
    if (!request.options.validate_access) return ok_status();
    auto uri = s3::parse_s3_uri(request.uri);
    if (!uri.ok()) return uri.error();
    s3::ClientConfig c = config;
    if (!request.region.empty()) c.region = request.region;
    s3::S3Client client(std::move(c), request.credentials);
    if (s3::is_prefix(*uri)) {
      s3::ListOptions one;
      one.page_size = 1;
      one.max_pages = 1;
      auto listed = client.list_objects(uri->bucket, uri->key, one);
      if (!listed.ok()) return listed.error();
      return ok_status();
    }
    auto info = client.head_object(*uri);
    if (!info.ok()) return info.error();
    return ok_status();
  };
}

Result<TaskView> TaskService::create(std::string_view tenant, CreateTaskRequest request) {
  SKILLSYNC_ASSIGN_OR_RETURN(CreatedTaskView created,
                             create(tenant, std::move(request), CreateOptions{}));
  return std::move(created.detail.task);
}

Result<CreatedTaskView> TaskService::create(std::string_view tenant, CreateTaskRequest request,
                                            const CreateOptions& options) {
  const bool presigned = request.method == kMethodS3PresignedUrl;
  if (access_check_ && (request.options.validate_access || presigned)) {
    Status access = access_check_(request);
    if (!access.ok()) {
      if (options.access_error != nullptr) *options.access_error = access.error();
      return Error(Errc::kAccessCheckFailed,
                   "the credentials cannot read " + request.uri + ": " + access.error().message);
    }
  }
  store::Task task;
  task.id = "flt_" + crypto::hex(crypto::random_bytes(12));
  task.tenant = std::string(tenant);
  task.trace_id = options.trace_id;
  task.entity_type = std::move(request.entity_type);
  task.method = std::move(request.method);
  task.uri = std::move(request.uri);
  task.region = std::move(request.region);
  task.options_json = to_json(request.options);
  // The URL of a presigned task is its secret: request.uri is already the
  // redacted form.
  task.sealed_credentials = presigned ? seal_presigned_url(key_, task.id, request.presigned_url)
                                      : seal_credentials(key_, task.id, request.credentials);
  task.status = store::TaskStatus::kPending;
  task.created_at = clock_.now();
  CreatedTaskView out;
  if (options.idempotency_key.empty()) {
    SKILLSYNC_TRY(store_.create_task(task));
    out.detail.task = task_view(task);
    out.created = true;
    return out;
  }
  SKILLSYNC_ASSIGN_OR_RETURN(store::CreatedTask stored,
                             store_.create_task_idempotent(task, options.idempotency_key,
                                                           options.body_sha256, task.created_at));
  out.detail.task = task_view(stored.task);
  out.created = stored.created;
  // A new task has no row errors yet; an earlier one may.
  if (!out.created) {
    SKILLSYNC_ASSIGN_OR_RETURN(out.detail.row_errors, inline_row_errors(stored.task.id));
  }
  return out;
}

Result<std::vector<store::RowError>> TaskService::inline_row_errors(const std::string& task_id) {
  return store_.row_errors(task_id, kInlineRowErrors);
}

Result<std::optional<TaskView>> TaskService::find(std::string_view tenant,
                                                  std::string_view task_id) {
  SKILLSYNC_ASSIGN_OR_RETURN(std::optional<store::Task> task, store_.get_task(tenant, task_id));
  if (!task) return std::optional<TaskView>();
  return std::optional<TaskView>(task_view(*task));
}

Result<std::optional<TaskDetail>> TaskService::get(std::string_view tenant,
                                                   std::string_view task_id) {
  SKILLSYNC_ASSIGN_OR_RETURN(std::optional<TaskView> task, find(tenant, task_id));
  if (!task) return std::optional<TaskDetail>();
  SKILLSYNC_ASSIGN_OR_RETURN(std::vector<store::RowError> errors, inline_row_errors(task->id));
  return std::optional<TaskDetail>(TaskDetail{std::move(*task), std::move(errors)});
}

Result<TaskViewPage> TaskService::list(std::string_view tenant, const store::TaskFilter& filter,
                                       size_t limit, std::string_view cursor) {
  SKILLSYNC_ASSIGN_OR_RETURN(store::TaskPage page,
                             store_.list_tasks(tenant, filter, limit, cursor));
  TaskViewPage out;
  out.items.reserve(page.items.size());
  for (const store::Task& t : page.items) out.items.push_back(task_view(t));
  out.next_cursor = std::move(page.next_cursor);
  return out;
}

Result<TaskDetail> TaskService::cancel(std::string_view tenant, std::string_view task_id) {
  SKILLSYNC_ASSIGN_OR_RETURN(store::Task task,
                             store_.request_cancel(tenant, task_id, clock_.now()));
  if (store::is_finished(task.status)) {  // a pending task ends here, not in a worker
    metrics::record_task_end(task.entity_type, store::to_string(task.status), -1, 0, 0, 0);
  }
  SKILLSYNC_ASSIGN_OR_RETURN(std::vector<store::RowError> errors, inline_row_errors(task.id));
  return TaskDetail{task_view(task), std::move(errors)};
}

Result<store::RowErrorPage> TaskService::row_errors(const TaskView& task, size_t limit,
                                                    std::string_view cursor) {
  return store_.row_errors_page(task.id, limit, cursor);
}

Result<std::unique_ptr<CsvReportStream>> TaskService::error_report(const TaskView& task) {
  auto stream = std::make_unique<CsvReportStream>(store_, task);
  SKILLSYNC_TRY(stream->prepare());
  return stream;
}

}  // namespace skillsync::tasks
