// sources/source_request: the POST/PATCH body of a source (see the header).
#include "sources/source_request.hpp"

#include <boost/json.hpp>

#include "sources/duration.hpp"
#include "sources/glob.hpp"
#include "tasks/tasks.hpp"

namespace skillsync::sources {
namespace json = boost::json;
namespace {

constexpr size_t kMaxNameBytes = 200;

void add(std::vector<schema::FieldError>* errors, std::string field, std::string code,
         std::string message) {
  errors->push_back({std::move(field), std::move(code), std::move(message)});
}

// A string member: nullopt when absent (or null); an error when not a string.
std::optional<std::string> text(const json::object& o, std::string_view name, size_t max,
                                std::vector<schema::FieldError>* errors) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_string()) {
    add(errors, std::string(name), "invalid_type", std::string(name) + " must be a string");
    return std::nullopt;
  }
  if (v->get_string().size() > max) {
    add(errors, std::string(name), "too_long", std::string(name) + " is too long");
    return std::nullopt;
  }
  return std::string(v->get_string());
}

void check_unknown(const json::object& o, bool create, std::vector<schema::FieldError>* errors) {
  static constexpr std::string_view kPatchable[] = {
      "name",           "pattern",     "schedule",
      "options",        "credentials", "start_after",
      "modified_after", "batch",       "max_consecutive_failures"};
  static constexpr std::string_view kCreateOnly[] = {"entity_type", "method", "uri", "region"};
  for (const auto& kv : o) {
    bool known = false;
    for (auto k : kPatchable) known = known || kv.key() == k;
    for (auto k : kCreateOnly) {
      if (kv.key() != k) continue;
      if (create) {
        known = true;
      } else {
        add(errors, std::string(k), "not_allowed",
            std::string(k) + " cannot be changed; create another source");
        known = true;
      }
    }
    if (!known) {
      std::string key(kv.key().substr(0, 100));
      add(errors, key, "unknown_field", "unknown field '" + key + "'");
    }
  }
}

// The schedule, pattern, start/modified bounds, batch and failure limit.
void parse_source_fields(const json::object& o, store::Source& s,
                         std::vector<schema::FieldError>* errors) {
  if (auto v = text(o, "name", kMaxNameBytes, errors)) s.name = *v;
  if (auto v = text(o, "pattern", kMaxPatternBytes, errors)) {
    if (auto g = Glob::compile(*v); !g.ok())
      add(errors, "pattern", "invalid_pattern", g.error().message);
    s.pattern = *v;
  }
  if (const json::value* sch = o.if_contains("schedule")) {
    const json::value* every = sch->is_object() ? sch->get_object().if_contains("every") : nullptr;
    if (every == nullptr || !every->is_string()) {
      add(errors, "schedule.every", "required", "schedule must be {\"every\": \"15m\"}");
    } else if (auto secs = parse_every(every->get_string()); !secs.ok()) {
      add(errors, "schedule.every", "invalid_duration", secs.error().message);
    } else {
      s.schedule_seconds = *secs;
    }
  }
  if (auto v = text(o, "start_after", 1024, errors)) s.start_after = *v;
  if (const json::value* v = o.if_contains("modified_after")) {
    if (v->is_null()) {
      s.modified_after.reset();
    } else if (!v->is_string()) {
      add(errors, "modified_after", "invalid_type", "modified_after must be an RFC 3339 time");
    } else if (auto t = schema::parse_timestamp(v->get_string()); !t.ok()) {
      add(errors, "modified_after", "invalid_timestamp", t.error().message);
    } else {
      s.modified_after = *t;
    }
  }
  if (auto v = text(o, "batch", 20, errors)) {
    if (*v != kBatchPerFile && *v != kBatchPerCheck) {
      add(errors, "batch", "invalid_value", "batch must be \"per_file\" or \"per_check\"");
    }
    s.batch = *v;
  }
  if (const json::value* v = o.if_contains("max_consecutive_failures")) {
    if (!v->is_int64() || v->as_int64() < 1 || v->as_int64() > kMaxFailuresLimit) {
      add(errors, "max_consecutive_failures", "invalid_value",
          "max_consecutive_failures must be an integer from 1 to 100");
    } else {
      s.max_consecutive_failures = static_cast<int>(v->as_int64());
    }
  }
}

// A File Load Task body with the source's task-like fields, for
// tasks::parse_create_request. Placeholder credentials stand in when a
// patch keeps the stored ones (they are never used).
json::object task_body(const json::object& o, const store::Source& s) {
  json::object t;
  t["entity_type"] = s.entity_type;
  t["method"] = s.method;
  t["uri"] = s.uri;
  if (!s.region.empty()) t["region"] = s.region;
  if (const json::value* c = o.if_contains("credentials")) {
    t["credentials"] = *c;
  } else {
    t["credentials"] =
        json::object{{"aws_access_key_id", "kept"}, {"aws_secret_access_key", "kept"}};
  }
  if (const json::value* v = o.if_contains("options")) t["options"] = *v;
  return t;
}

}  // namespace

Result<SourceRequest> parse_source_request(const json::value& body, const store::Source* existing,
                                           std::vector<schema::FieldError>* errors) {
  const size_t before = errors->size();
  if (!body.is_object()) {
    add(errors, "", "invalid_type", "the body must be a JSON object");
    return Error{Errc::kInvalidFields, "invalid source"};
  }
  const json::object& o = body.get_object();
  const bool create = existing == nullptr;
  check_unknown(o, create, errors);
  SourceRequest req;
  if (existing != nullptr) req.source = *existing;
  store::Source& s = req.source;
  if (create) {
    s.method = "s3_iam_user";
    if (auto v = text(o, "entity_type", 100, errors)) s.entity_type = *v;
    if (auto v = text(o, "method", 50, errors)) s.method = *v;
    if (auto v = text(o, "uri", 2048, errors)) s.uri = *v;
    if (auto v = text(o, "region", 32, errors)) s.region = *v;
    for (std::string_view f : {"name", "pattern", "schedule"}) {
      if (o.if_contains(f) != nullptr) continue;
      const std::string field = f == "schedule" ? "schedule.every" : std::string(f);
      add(errors, field, "required", field + " is required");
    }
  }
  parse_source_fields(o, s, errors);
  if (s.method != tasks::kMethodS3IamUser) {
    add(errors, "method", "invalid_value", "a source's method must be \"s3_iam_user\"");
  } else if (auto uri = source::s3::parse_s3_uri(s.uri);
             uri.ok() && !uri->key.empty() && !source::s3::is_prefix(*uri)) {
    add(errors, "uri", "invalid_uri", "a source's uri must be a prefix ending in '/'");
  }
  // What a File Load Task accepts, a source accepts, with the same errors.
  std::vector<schema::FieldError> task_errors;
  auto task = tasks::parse_create_request(json::value(task_body(o, s)), &task_errors);
  for (auto& e : task_errors) {
    if (e.field != "method") errors->push_back(std::move(e));
  }
  if (task.ok()) {
    req.options = task->options;
    if (create || o.if_contains("options") != nullptr)
      s.options_json = tasks::to_json(task->options);
    if (o.if_contains("credentials") != nullptr) req.credentials = std::move(task->credentials);
  }
  if (errors->size() != before) return Error{Errc::kInvalidFields, "invalid source"};
  return req;
}

}  // namespace skillsync::sources
