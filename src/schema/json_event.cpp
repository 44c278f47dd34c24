// event_from_json: the Skill Event API body -> Event, collecting every
// invalid field so the API can answer one 422 that names them all.
#include <boost/json.hpp>

#include "schema/checks.hpp"

namespace skillsync::schema {

namespace json = boost::json;
using internal::Checked;
using internal::Fail;

namespace {

constexpr std::string_view kBodyFields[] = {kExternalId, kEventType, kTimestamp, "content",
                                            kSource};

class Collector {
 public:
  explicit Collector(std::vector<FieldError>* errors) : errors_(errors), start_(errors->size()) {}

  void add(std::string field, std::string code, std::string message) {
    errors_->push_back({std::move(field), std::move(code), std::move(message)});
  }
  size_t count() const { return errors_->size() - start_; }
  // REQUIRES: count() > 0
  const FieldError& first() const { return (*errors_)[start_]; }

 private:
  std::vector<FieldError>* errors_;
  size_t start_;
};

// A path for a message or a FieldError, cut like any echoed value.
std::string field_path(std::string_view prefix, std::string_view key) {
  std::string q = internal::quote_for_message(key);  // 'key' or 'key...'
  return std::string(prefix) + q.substr(1, q.size() - 2);
}

// Reads `obj[key]` as an optional string. Absent, null and "" give an empty
// view (absent); a non-string adds invalid_type and sets *type_error.
std::string_view string_member(const json::object& obj, std::string_view key,
                               const std::string& path, Collector& out, bool* type_error) {
  *type_error = false;
  const json::value* v = obj.if_contains(key);
  if (v == nullptr || v->is_null()) return {};
  if (!v->is_string()) {
    out.add(path, "invalid_type", path + " must be a string");
    *type_error = true;
    return {};
  }
  return v->get_string();
}

// Validates a present value of field `f`; records the failure under `path`.
bool check(std::string_view path, const FieldDef& f, std::string_view v, Checked& c,
           Collector& out) {
  if (internal::check_value(f, v, c) == Fail::kNone) return true;
  out.add(std::string(path), internal::fail_code(c.fail), internal::fail_message(path, f, v, c));
  return false;
}

// A required top-level field: absent -> "required", else the type check.
bool required_field(internal::TopLevel which, std::string_view v, bool type_error, Checked& c,
                    Collector& out) {
  if (type_error) return false;
  const FieldDef& f = internal::top_field(which);
  if (v.empty()) {
    out.add(f.name, "required", f.name + " is required");
    return false;
  }
  return check(f.name, f, v, c, out);
}

void check_content(const EntityDef& entity, const json::object& content, Event& ev,
                   Collector& out) {
  for (const auto& kv : content) {
    bool known = false;
    for (const FieldDef& f : entity.content_fields) known = known || kv.key() == f.name;
    if (!known) {
      std::string path = field_path("content.", kv.key());
      out.add(path, "unknown_field",
              "unknown field '" + path + "' for event_type '" + entity.event_type + "'");
    }
  }
  // Validate every field first; write content_json only if all are valid.
  uint64_t provided = 0;  // present, valid or not
  uint64_t valid_mask = 0;
  std::string_view values[kMaxContentFields];
  for (size_t i = 0; i < entity.content_fields.size(); ++i) {
    const FieldDef& f = entity.content_fields[i];
    const std::string path = "content." + f.name;
    bool type_error = false;
    values[i] = string_member(content, f.name, path, out, &type_error);
    if (type_error) {
      provided |= uint64_t{1} << i;  // present, so no extra required/missing_content
      continue;
    }
    if (values[i].empty()) continue;
    provided |= uint64_t{1} << i;
    Checked c;
    if (check(path, f, values[i], c, out)) valid_mask |= uint64_t{1} << i;
  }
  bool valid = provided == valid_mask;
  for (size_t i = 0; i < entity.content_fields.size(); ++i) {
    const FieldDef& f = entity.content_fields[i];
    if (f.required && (provided & (uint64_t{1} << i)) == 0) {
      out.add("content." + f.name, "required", "content." + f.name + " is required");
      valid = false;
    }
  }
  if (!entity.one_of.empty()) {
    bool complete = false;
    for (const auto& group : entity.one_of) {
      const uint64_t m = internal::group_mask(entity, group);
      complete = complete || (m != 0 && (provided & m) == m);
    }
    if (!complete) {
      out.add("content", "missing_content",
              "content needs one of: " + internal::describe_one_of(entity));
      valid = false;
    }
  }
  for (const DateRange& r : entity.date_ranges) {
    const int a = internal::content_index(entity, r.earlier);
    const int b = internal::content_index(entity, r.later);
    if (a < 0 || b < 0) continue;  // check_entity_def rejects such a range
    const uint64_t both = (uint64_t{1} << a) | (uint64_t{1} << b);
    if ((valid_mask & both) != both || internal::dates_in_order(values[a], values[b])) continue;
    const std::string later_path = "content." + r.later;
    out.add(later_path, "invalid_date_range",
            internal::date_range_message("content." + r.earlier, values[a], later_path, values[b]));
    valid = false;
  }
  if (!valid) return;
  ev.content_json.assign("{");
  bool first = true;
  for (const FieldDef& f : entity.content_fields) {
    const json::value* v = content.if_contains(f.name);
    if (v == nullptr || !v->is_string() || v->get_string().empty()) continue;
    Checked c;
    internal::check_value(f, v->get_string(), c);
    internal::append_content_member(ev.content_json, first, f, v->get_string(), c);
    first = false;
  }
  ev.content_json.push_back('}');
}

}  // namespace

Result<Event> event_from_json(std::string_view employee_external_id, std::string_view language,
                              const json::object& body, std::vector<FieldError>* errors) {
  std::vector<FieldError> local;
  Collector out(errors != nullptr ? errors : &local);
  Event ev;
  Checked c;

  if (required_field(internal::kEmployeeField, employee_external_id, false, c, out)) {
    ev.employee_external_id.assign(employee_external_id);
  }
  if (required_field(internal::kLanguageField, language, false, c, out)) {
    ev.language.assign(language);
  }

  for (const auto& kv : body) {
    bool known = false;
    for (std::string_view k : kBodyFields) known = known || kv.key() == k;
    if (!known) {
      std::string path = field_path("", kv.key());
      out.add(path, "unknown_field", "unknown field '" + path + "'");
    }
  }

  bool type_error = false;
  std::string_view v = string_member(body, kExternalId, "external_id", out, &type_error);
  if (required_field(internal::kExternalIdField, v, type_error, c, out)) {
    ev.external_id.assign(v);
  }

  const EntityDef* entity = nullptr;
  v = string_member(body, kEventType, "event_type", out, &type_error);
  if (!type_error && v.empty()) {
    out.add("event_type", "required", "event_type is required");
  } else if (!type_error) {
    entity = find_entity(v);
    if (entity == nullptr) {
      out.add("event_type", "unknown_event_type",
              "event_type " + internal::quote_for_message(v) + " is not a known event type");
    } else {
      ev.event_type = entity->event_type;
    }
  }

  v = string_member(body, kTimestamp, "timestamp", out, &type_error);
  if (required_field(internal::kTimestampField, v, type_error, c, out)) {
    ev.timestamp = c.micros;
  }

  const json::value* content = body.if_contains("content");
  if (content == nullptr || content->is_null()) {
    out.add("content", "required", "content is required");
  } else if (!content->is_object()) {
    out.add("content", "invalid_type", "content must be an object");
  } else if (entity != nullptr) {
    check_content(*entity, content->get_object(), ev, out);
  }

  v = string_member(body, kSource, "source", out, &type_error);
  if (!v.empty() && check(kSource, internal::top_field(internal::kSourceField), v, c, out)) {
    ev.source.emplace(v);
  }

  if (out.count() > 0) {
    std::string msg = out.count() == 1 ? std::string("1 invalid field: ")
                                       : std::to_string(out.count()) + " invalid fields, first: ";
    return Error{Errc::kInvalidFields, msg + out.first().message};
  }
  return ev;
}

}  // namespace skillsync::schema
