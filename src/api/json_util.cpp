// The JSON shapes of the API (see json_util.hpp).
#include "api/json_util.hpp"

#include <boost/json.hpp>

#include "common/utf8.hpp"

namespace skillsync::api {
namespace json = boost::json;

std::string error_body(std::string_view code, std::string_view message,
                       const std::vector<schema::FieldError>& details) {
  json::object err;
  err["code"] = code;
  err["message"] = message;
  json::array d;
  for (const auto& fe : details) {
    d.push_back(json::object{{"field", fe.field}, {"code", fe.code}, {"message", fe.message}});
  }
  err["details"] = std::move(d);
  return json::serialize(json::object{{"error", std::move(err)}});
}

json::value text_or_null(const std::string& s) {
  return s.empty() ? json::value(nullptr) : json::value(json::string(s));
}

void add_load_target(json::object& o, const std::string& entity_type, const std::string& method,
                     const std::string& uri, const std::string& region) {
  o["entity_type"] = entity_type;
  o["method"] = method;
  o["uri"] = uri;
  o["region"] = text_or_null(region);
}

json::value text_or_null(const std::optional<std::string>& s) {
  return s ? json::value(json::string(*s)) : json::value(nullptr);
}

json::value time_or_null(const std::optional<Micros>& t) {
  return t ? json::value(json::string(format_rfc3339(*t))) : json::value(nullptr);
}

json::value options_object(std::string_view options_json) {
  boost::system::error_code ec;
  json::value options = json::parse(options_json, ec);
  return (ec || !options.is_object()) ? json::value(json::object{}) : std::move(options);
}

json::value event_json(const store::StoredEvent& e) {
  json::object o;
  o["employee_external_id"] = e.event.employee_external_id;
  o["external_id"] = e.event.external_id;
  o["event_type"] = e.event.event_type;
  o["timestamp"] = format_rfc3339(e.event.timestamp);
  o["language"] = e.event.language;
  boost::system::error_code ec;
  json::value content = json::parse(e.event.content_json, ec);
  o["content"] = ec ? json::value(json::object{}) : std::move(content);
  o["source"] = text_or_null(e.event.source);
  o["created_at"] = format_rfc3339(e.created_at);
  o["updated_at"] = format_rfc3339(e.updated_at);
  o["task_id"] = text_or_null(e.task_id);
  return o;
}

// Text from a file (a rejected row's bytes, a header name, a message quoting
// a value) may be ill-formed UTF-8; JSON must not be: such sequences become
// U+FFFD.
static json::string utf8_text(std::string_view text) {
  if (utf8::is_valid(text)) return json::string(text);
  std::string clean;
  utf8::append_valid(clean, text);
  return json::string(clean);
}

json::value row_error_json(const store::RowError& e, bool with_raw) {
  json::object o{
      {"line", e.line},
      {"byte_offset", e.byte_offset},
      {"column", e.column.empty() ? json::value(nullptr) : json::value(utf8_text(e.column))},
      {"code", e.code},
      {"message", utf8_text(e.message)}};
  if (with_raw) o["raw"] = utf8_text(e.raw);
  // The object key of the row's file in a prefix load.
  if (!e.file.empty()) o["file"] = utf8_text(e.file);
  return o;
}

json::value task_summary_json(const tasks::TaskView& t) {
  json::object o;
  o["task_id"] = t.id;
  add_load_target(o, t.entity_type, t.method, t.uri, t.region);
  o["status"] = store::to_string(t.status);
  o["created_at"] = format_rfc3339(t.created_at);
  o["started_at"] = time_or_null(t.started_at);
  o["finished_at"] = time_or_null(t.finished_at);
  o["cancel_requested_at"] = time_or_null(t.cancel_requested_at);
  o["attempts"] = t.attempts;
  o["progress"] = json::object{
      {"bytes_total", t.progress.bytes_total},     {"bytes_read", t.progress.bytes_read},
      {"rows_read", t.progress.rows_read},         {"rows_loaded", t.progress.rows_loaded},
      {"rows_rejected", t.progress.rows_rejected}, {"rows_superseded", t.progress.rows_superseded}};
  o["options"] = options_object(t.options_json);
  if (t.error) {
    o["error"] = json::object{{"code", t.error->code}, {"message", t.error->message}};
  } else {
    o["error"] = nullptr;
  }
  // Only for a task whose creating request sent a W3C traceparent.
  if (!t.trace_id.empty()) o["trace_id"] = t.trace_id;
  if (!t.source_id.empty()) o["source_id"] = t.source_id;
  return o;
}

json::value task_json(const tasks::TaskDetail& t) {
  json::value v = task_summary_json(t.task);
  json::array errs;
  for (const auto& re : t.row_errors) errs.push_back(row_error_json(re, false));
  v.get_object()["row_errors"] = std::move(errs);
  return v;
}

}  // namespace skillsync::api
