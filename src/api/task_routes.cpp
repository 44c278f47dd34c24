// The File Load Task endpoints: create (idempotent), get, list, cancel and
// the error report. HTTP in, TaskService calls, HTTP out: the handlers never
// read the store.
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <boost/url.hpp>

#include "api/api_internal.hpp"
#include "api/idempotency_hash.hpp"
#include "api/json_util.hpp"

namespace skillsync::api::internal {
namespace json = boost::json;

namespace {

constexpr size_t kMaxTaskLimit = 1000;
constexpr size_t kMaxErrorLimit = 1000;
constexpr size_t kMaxIdempotencyKey = 200;

// Overwrites the credential strings held by the parsed body (see
// wipe_credentials), and the uri of a presigned URL task (the URL is a
// secret like a key).
void wipe_secrets(json::value& body) {
  wipe_credentials(body);
  if (!body.is_object()) return;
  auto* method = body.get_object().if_contains("method");
  auto* uri = body.get_object().if_contains("uri");
  if (method != nullptr && method->is_string() &&
      method->get_string() == tasks::kMethodS3PresignedUrl && uri != nullptr && uri->is_string()) {
    wipe(uri->get_string());
  }
}

bool valid_idempotency_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxIdempotencyKey) return false;
  return std::all_of(key.begin(), key.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

bool wants_csv(std::string_view accept) { return accept.find("text/csv") != std::string::npos; }

HttpResponse no_such_task() { return error(404, Errc::kNotFound, "no such file load task"); }

}  // namespace

HttpResponse TaskRoutes::route(RouteId id, const Request& r) {
  switch (id) {
    case RouteId::kPostTask:
      return post_task(r);
    case RouteId::kListTasks:
      return list_tasks(r);
    case RouteId::kGetTask:
      return get_task(r);
    case RouteId::kCancelTask:
      return cancel_task(r);
    case RouteId::kTaskErrors:
      return get_errors(r);
    default:
      return error(404, Errc::kNotFound, "no such endpoint");
  }
}

HttpResponse TaskRoutes::post_task(const Request& r) {
  const std::string& idem = r.http.idempotency_key;
  if (!idem.empty() && !valid_idempotency_key(idem)) {
    return error(422, Errc::kInvalidFields, "invalid Idempotency-Key header",
                 {{"Idempotency-Key", "invalid_idempotency_key",
                   "Idempotency-Key must be 1-200 printable ASCII characters"}});
  }
  json::value body;
  if (auto bad = parse_body(r, body)) return *bad;
  if (!body.is_object()) return error(400, "malformed_json", "the body must be a JSON object");
  std::vector<schema::FieldError> errors;
  auto req = tasks::parse_create_request(body, &errors);
  // Before the secrets are wiped, though it leaves them out (a wiped one
  // would still show its length).
  const std::string fingerprint = idem.empty() ? std::string() : idempotency_hash(body);
  wipe_secrets(body);
  if (!req.ok()) return error(422, Errc::kInvalidFields, "the file load task is invalid", errors);
  Error access;
  tasks::CreateOptions options;
  options.access_error = &access;
  options.trace_id = r.http.trace_id;
  if (!idem.empty()) {
    options.idempotency_key = idem;
    // A canonical form without the secrets: see idempotency_hash.hpp.
    options.body_sha256 = fingerprint;
  }
  auto created = tasks_.create(r.tenant, std::move(*req), options);
  if (!created.ok()) {
    const Error& e = created.error();
    if (e.is(Errc::kAccessCheckFailed)) {
      spdlog::info("task refused: {}: {}", access.code, access.message);
      return error(422, Errc::kInvalidFields, "the credentials cannot read the object",
                   {{"uri", access.code, access.message}});
    }
    if (e.is(Errc::kIdempotencyConflict)) {
      return error(409, Errc::kIdempotencyConflict,
                   "this Idempotency-Key was used with another body in the last 24 hours");
    }
    return store_failure(e);
  }
  const tasks::TaskView& task = created->detail.task;
  if (!created->created) return json_response(200, task_json(created->detail));
  spdlog::info("task {} pending: {} {}", task.id, task.entity_type, task.uri);
  if (on_created_) on_created_();
  return json_response(201, task_json(created->detail));
}

HttpResponse TaskRoutes::get_task(const Request& r) {
  auto task = tasks_.get(r.tenant, r.segments[2]);
  if (!task.ok()) return store_failure(task.error());
  if (!task->has_value()) return no_such_task();
  return json_response(200, task_json(**task));
}

HttpResponse TaskRoutes::list_tasks(const Request& r) {
  store::TaskFilter filter;
  if (auto st = r.query("status")) {
    filter.status = store::task_status_from_string(*st);
    if (!filter.status) {
      return error(422, Errc::kInvalidFields, "invalid query parameter",
                   {{"status", "invalid_status",
                     "status must be one of pending, running, completed, "
                     "completed_with_errors, failed, cancelled"}});
    }
  }
  if (auto et = r.query("entity_type")) filter.entity_type = std::move(*et);
  size_t limit = 0;
  if (auto bad = parse_limit(r, kMaxTaskLimit, &limit)) return *bad;
  auto page = tasks_.list(r.tenant, filter, limit, r.query("cursor").value_or(""));
  if (!page.ok()) return page_failure(page.error());
  json::array items;
  for (const auto& t : page->items) items.push_back(task_summary_json(t));
  return page_response(std::move(items), page->next_cursor);
}

HttpResponse TaskRoutes::cancel_task(const Request& r) {
  auto cancelled = tasks_.cancel(r.tenant, r.segments[2]);
  if (!cancelled.ok()) {
    if (cancelled.error().is(Errc::kNotFound)) return no_such_task();
    if (cancelled.error().is(Errc::kInvalidState)) {
      return error(409, Errc::kInvalidState, "the task has already finished");
    }
    return store_failure(cancelled.error());
  }
  const tasks::TaskView& task = cancelled->task;
  spdlog::info("task {} cancel requested: now {}", task.id, store::to_string(task.status));
  return json_response(202, task_json(*cancelled));
}

HttpResponse TaskRoutes::get_errors(const Request& r) {
  auto task = tasks_.find(r.tenant, r.segments[2]);
  if (!task.ok()) return store_failure(task.error());
  if (!task->has_value()) return no_such_task();
  const tasks::TaskView& t = **task;
  if (wants_csv(r.http.accept)) return csv_report(r, t);
  size_t limit = 0;
  if (auto bad = parse_limit(r, kMaxErrorLimit, &limit)) return *bad;
  auto page = tasks_.row_errors(t, limit, r.query("cursor").value_or(""));
  if (!page.ok()) return page_failure(page.error());
  json::array items;
  for (const auto& e : page->items) items.push_back(row_error_json(e, true));
  return page_response(std::move(items), page->next_cursor);
}

HttpResponse TaskRoutes::csv_report(const Request& r, const tasks::TaskView& t) {
  auto slot = report_slots_->acquire(r.key_id);
  if (!slot) {
    HttpResponse resp =
        error(429, "too_many_downloads",
              "this API key is downloading " + std::to_string(kReportDownloadsPerKey) +
                  " error reports already; retry when one has ended");
    resp.headers.emplace_back("Retry-After", "1");
    return resp;
  }
  auto prepared = tasks_.error_report(t);
  if (!prepared.ok()) return store_failure(prepared.error());
  std::shared_ptr<tasks::CsvReportStream> stream = std::move(*prepared);
  HttpResponse resp{200, "text/csv; charset=utf-8", "", {}};
  resp.headers.emplace_back("Content-Disposition",
                            "attachment; filename=\"" + t.id + "-errors.csv\"");
  if (stream->truncated()) resp.headers.emplace_back("X-Truncated", "true");
  // The slot is held for as long as the body is streamed.
  resp.body_stream = [stream, slot]() { return stream->next(); };
  return resp;
}

}  // namespace skillsync::api::internal
