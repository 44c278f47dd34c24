// The recurring source endpoints (see source_routes.hpp).
#include "api/source_routes.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "api/json_util.hpp"
#include "sources/duration.hpp"
#include "sources/source_service.hpp"

namespace skillsync::api::internal {
namespace json = boost::json;

namespace {

constexpr size_t kMaxLimit = 1000;

json::value source_json(const store::Source& s) {
  json::object o;
  o["source_id"] = s.id;
  o["name"] = s.name;
  add_load_target(o, s.entity_type, s.method, s.uri, s.region);
  o["pattern"] = s.pattern;
  o["schedule"] = json::object{{"every", sources::format_every(s.schedule_seconds)}};
  o["options"] = options_object(s.options_json);
  o["start_after"] = text_or_null(s.start_after);
  o["modified_after"] = time_or_null(s.modified_after);
  o["batch"] = s.batch;
  o["max_consecutive_failures"] = s.max_consecutive_failures;
  o["status"] = store::to_string(s.status);
  o["last_error"] = text_or_null(s.last_error);
  o["last_check_at"] = time_or_null(s.last_check_at);
  o["next_check_at"] =
      s.status == store::SourceStatus::kActive ? time_or_null(s.next_check_at) : nullptr;
  o["created_at"] = format_rfc3339(s.created_at);
  o["updated_at"] = format_rfc3339(s.updated_at);
  return o;
}

json::value file_json(const store::SourceFileView& v) {
  const store::SourceFile& f = v.file;
  json::object o;
  o["key"] = f.key;
  o["etag"] = f.etag;
  o["size"] = f.size;
  o["last_modified"] =
      time_or_null(f.last_modified != 0 ? std::optional<Micros>(f.last_modified) : std::nullopt);
  o["first_seen"] = format_rfc3339(f.first_seen);
  o["task_id"] = text_or_null(f.task_id);
  o["skip_reason"] = text_or_null(f.skip_reason);
  if (v.task_status) {
    o["task"] = json::object{{"status", *v.task_status},
                             {"rows_loaded", v.rows_loaded},
                             {"rows_rejected", v.rows_rejected}};
  } else {
    o["task"] = nullptr;
  }
  return o;
}

HttpResponse no_such_source() { return error(404, Errc::kNotFound, "no such source"); }

// The answer to a failed create or patch.
HttpResponse refused(const Error& e, const std::vector<schema::FieldError>& errors) {
  if (e.is(Errc::kInvalidFields))
    return error(422, Errc::kInvalidFields, "the source is invalid", errors);
  if (e.is(Errc::kAccessCheckFailed)) {
    return error(422, Errc::kInvalidFields, "the credentials cannot list the prefix",
                 {{"credentials", std::string(errc_name(Errc::kAccessCheckFailed)), e.message}});
  }
  return store_failure(e);
}

HttpResponse create_source(sources::SourceService& service, const Request& r) {
  json::value body;
  if (auto bad = parse_body(r, body)) return *bad;
  std::vector<schema::FieldError> errors;
  auto created = service.create(r.tenant, body, &errors);
  wipe_credentials(body);
  if (!created.ok()) return refused(created.error(), errors);
  spdlog::info("source {} created: {} {} every {}s", created->id, created->uri, created->pattern,
               created->schedule_seconds);
  return json_response(201, source_json(*created));
}

HttpResponse list_sources(sources::SourceService& service, const Request& r) {
  size_t limit = 0;
  if (auto bad = parse_limit(r, kMaxLimit, &limit)) return *bad;
  auto page = service.list(r.tenant, limit, r.query("cursor").value_or(""));
  if (!page.ok()) return page_failure(page.error());
  json::array items;
  for (const auto& s : page->items) items.push_back(source_json(s));
  return page_response(std::move(items), page->next_cursor);
}

HttpResponse get_source(sources::SourceService& service, const Request& r) {
  auto s = service.get(r.tenant, r.segments[2]);
  if (!s.ok()) return store_failure(s.error());
  if (!s->has_value()) return no_such_source();
  return json_response(200, source_json(**s));
}

HttpResponse patch_source(sources::SourceService& service, const Request& r) {
  json::value body;
  if (auto bad = parse_body(r, body)) return *bad;
  std::vector<schema::FieldError> errors;
  auto s = service.patch(r.tenant, r.segments[2], body, &errors);
  wipe_credentials(body);
  if (!s.ok()) return refused(s.error(), errors);
  if (!s->has_value()) return no_such_source();
  return json_response(200, source_json(**s));
}

HttpResponse remove_source(sources::SourceService& service, const Request& r) {
  auto deleted = service.remove(r.tenant, r.segments[2]);
  if (!deleted.ok()) return store_failure(deleted.error());
  if (!*deleted) return no_such_source();
  return HttpResponse{204, "application/json", "", {}};
}

HttpResponse source_action(sources::SourceService& service, RouteId id, const Request& r) {
  const std::string& source_id = r.segments[2];
  auto s = id == RouteId::kPauseSource    ? service.pause(r.tenant, source_id)
           : id == RouteId::kResumeSource ? service.resume(r.tenant, source_id)
                                          : service.run(r.tenant, source_id);
  if (!s.ok()) {
    if (s.error().is(Errc::kInvalidState))
      return error(409, Errc::kInvalidState, s.error().message);
    return store_failure(s.error());
  }
  if (!s->has_value()) return no_such_source();
  return json_response(id == RouteId::kRunSource ? 202 : 200, source_json(**s));
}

HttpResponse source_files(sources::SourceService& service, const Request& r) {
  size_t limit = 0;
  if (auto bad = parse_limit(r, kMaxLimit, &limit)) return *bad;
  auto page = service.files(r.tenant, r.segments[2], limit, r.query("cursor").value_or(""));
  if (!page.ok()) return page_failure(page.error());
  if (!page->has_value()) return no_such_source();
  json::array items;
  for (const auto& v : (*page)->items) items.push_back(file_json(v));
  return page_response(std::move(items), (*page)->next_cursor);
}

}  // namespace

HttpResponse SourceRoutes::route(RouteId id, const Request& r) {
  if (service_ == nullptr) return error(503, "unavailable", "this process serves no sources");
  sources::SourceService& service = *service_;
  switch (id) {
    case RouteId::kPostSource:
      return create_source(service, r);
    case RouteId::kListSources:
      return list_sources(service, r);
    case RouteId::kGetSource:
      return get_source(service, r);
    case RouteId::kPatchSource:
      return patch_source(service, r);
    case RouteId::kDeleteSource:
      return remove_source(service, r);
    case RouteId::kPauseSource:
    case RouteId::kResumeSource:
    case RouteId::kRunSource:
      return source_action(service, id, r);
    case RouteId::kSourceFiles:
      return source_files(service, r);
    default:
      return error(404, Errc::kNotFound, "no such endpoint");
  }
}

}  // namespace skillsync::api::internal
