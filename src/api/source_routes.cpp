// The recurring source endpoints (see source_routes.hpp).
#include "api/source_routes.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "sources/duration.hpp"
#include "sources/source_service.hpp"

namespace skillsync::api::internal {
namespace json = boost::json;

namespace {

constexpr size_t kMaxLimit = 1000;

json::value text_or_null(const std::string& s) {
  return s.empty() ? json::value(nullptr) : json::value(json::string(s));
}

json::value time_or_null(const std::optional<Micros>& t) {
  return t ? json::value(json::string(format_rfc3339(*t))) : json::value(nullptr);
}

json::value source_json(const store::Source& s) {
  json::object o;
  o["source_id"] = s.id;
  o["name"] = s.name;
  o["entity_type"] = s.entity_type;
  o["method"] = s.method;
  o["uri"] = s.uri;
  o["region"] = text_or_null(s.region);
  o["pattern"] = s.pattern;
  o["schedule"] = json::object{{"every", sources::format_every(s.schedule_seconds)}};
  boost::system::error_code ec;
  json::value options = json::parse(s.options_json, ec);
  o["options"] = (ec || !options.is_object()) ? json::value(json::object{}) : std::move(options);
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
  o["last_modified"] = f.last_modified != 0
                           ? json::value(json::string(format_rfc3339(f.last_modified)))
                           : json::value(nullptr);
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

json::value cursor_json(const std::optional<std::string>& c) {
  return c ? json::value(json::string(*c)) : json::value(nullptr);
}

HttpResponse no_such_source() { return error(404, "not_found", "no such source"); }

// Overwrites credential strings held by a parsed body.
void wipe_credentials(json::value& body) {
  auto* creds = body.is_object() ? body.get_object().if_contains("credentials") : nullptr;
  if (creds == nullptr || !creds->is_object()) return;
  for (auto& kv : creds->get_object()) {
    if (kv.value().is_string()) {
      auto& s = kv.value().get_string();
      std::fill(s.begin(), s.end(), '\0');
    }
  }
}

// The answer to a failed create or patch.
HttpResponse refused(const Error& e, const std::vector<schema::FieldError>& errors) {
  if (e.code == "invalid_fields")
    return error(422, "invalid_fields", "the source is invalid", errors);
  if (e.code == "access_check_failed") {
    return error(422, "invalid_fields", "the credentials cannot list the prefix",
                 {{"credentials", "access_check_failed", e.message}});
  }
  return store_failure(e);
}

}  // namespace

HttpResponse SourceRoutes::route(RouteId id, const Request& r) {
  if (service_ == nullptr) return error(503, "unavailable", "this process serves no sources");
  switch (id) {
    case RouteId::kPostSource:
      return create(r);
    case RouteId::kListSources:
      return list(r);
    case RouteId::kGetSource:
      return get(r);
    case RouteId::kPatchSource:
      return patch(r);
    case RouteId::kDeleteSource:
      return remove(r);
    case RouteId::kPauseSource:
    case RouteId::kResumeSource:
    case RouteId::kRunSource:
      return action(id, r);
    case RouteId::kSourceFiles:
      return files(r);
    default:
      return error(404, "not_found", "no such endpoint");
  }
}

HttpResponse SourceRoutes::create(const Request& r) {
  json::value body;
  if (auto bad = parse_body(r, body)) return *bad;
  std::vector<schema::FieldError> errors;
  auto created = service_->create(r.tenant, body, &errors);
  wipe_credentials(body);
  if (!created.ok()) return refused(created.error(), errors);
  spdlog::info("source {} created: {} {} every {}s", created->id, created->uri, created->pattern,
               created->schedule_seconds);
  return json_response(201, source_json(*created));
}

HttpResponse SourceRoutes::list(const Request& r) {
  size_t limit = 0;
  if (auto bad = parse_limit(r, kMaxLimit, &limit)) return *bad;
  auto page = service_->list(r.tenant, limit, r.query("cursor").value_or(""));
  if (!page.ok()) {
    if (page.error().code == "invalid_cursor") return invalid_cursor();
    return store_failure(page.error());
  }
  json::array items;
  for (const auto& s : page->items) items.push_back(source_json(s));
  return json_response(200, json::object{{"items", std::move(items)},
                                         {"next_cursor", cursor_json(page->next_cursor)}});
}

HttpResponse SourceRoutes::get(const Request& r) {
  auto s = service_->get(r.tenant, r.segments[2]);
  if (!s.ok()) return store_failure(s.error());
  if (!s->has_value()) return no_such_source();
  return json_response(200, source_json(**s));
}

HttpResponse SourceRoutes::patch(const Request& r) {
  json::value body;
  if (auto bad = parse_body(r, body)) return *bad;
  std::vector<schema::FieldError> errors;
  auto s = service_->patch(r.tenant, r.segments[2], body, &errors);
  wipe_credentials(body);
  if (!s.ok()) return refused(s.error(), errors);
  if (!s->has_value()) return no_such_source();
  return json_response(200, source_json(**s));
}

HttpResponse SourceRoutes::remove(const Request& r) {
  auto deleted = service_->remove(r.tenant, r.segments[2]);
  if (!deleted.ok()) return store_failure(deleted.error());
  if (!*deleted) return no_such_source();
  return HttpResponse{204, "application/json", "", {}};
}

HttpResponse SourceRoutes::action(RouteId id, const Request& r) {
  const std::string& source_id = r.segments[2];
  auto s = id == RouteId::kPauseSource    ? service_->pause(r.tenant, source_id)
           : id == RouteId::kResumeSource ? service_->resume(r.tenant, source_id)
                                          : service_->run(r.tenant, source_id);
  if (!s.ok()) {
    if (s.error().code == "invalid_state") return error(409, "invalid_state", s.error().message);
    return store_failure(s.error());
  }
  if (!s->has_value()) return no_such_source();
  return json_response(id == RouteId::kRunSource ? 202 : 200, source_json(**s));
}

HttpResponse SourceRoutes::files(const Request& r) {
  size_t limit = 0;
  if (auto bad = parse_limit(r, kMaxLimit, &limit)) return *bad;
  auto page = service_->files(r.tenant, r.segments[2], limit, r.query("cursor").value_or(""));
  if (!page.ok()) {
    if (page.error().code == "invalid_cursor") return invalid_cursor();
    return store_failure(page.error());
  }
  if (!page->has_value()) return no_such_source();
  json::array items;
  for (const auto& v : (*page)->items) items.push_back(file_json(v));
  return json_response(200, json::object{{"items", std::move(items)},
                                         {"next_cursor", cursor_json((*page)->next_cursor)}});
}

}  // namespace skillsync::api::internal
