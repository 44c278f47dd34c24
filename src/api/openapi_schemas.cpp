// components/schemas of the OpenAPI document. Skill event schemas are
// generated from the entity registry: one request and one response schema
// per entity type, with every content field's type, limits, allowed values,
// required-ness and one-of groups. Request schemas are as lenient as the
// server where it is lenient (JSON null and "" are absent values; limits in
// bytes are at least as many characters), so a request the server accepts
// never breaks them; response schemas state exactly what the server returns.
#include <boost/json.hpp>

#include "api/openapi.hpp"
#include "api/openapi_util.hpp"
#include "schema/schema.hpp"

namespace skillsync::api::internal {
namespace json = boost::json;

namespace {

using schema::FieldDef;
using schema::FieldType;

json::array string_array(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

size_t max_length_of(const FieldDef& f) {
  if (f.max_length > 0) return f.max_length;
  return f.type == FieldType::kUrl ? schema::kDefaultUrlMaxLength : schema::kDefaultTextMaxLength;
}

json::array allowed_values(const FieldDef& f) {
  if (f.type == FieldType::kLanguage) return {"auto", "nl", "fr", "en", "de"};
  return string_array(f.allowed_values);
}

// The schema of one field's value. `input`: as a request may send it (null
// and "" allowed: they mean absent); else as a response carries it.
json::object field_schema(const FieldDef& f, bool input) {
  json::object s = input ? nullable("string") : json::object{{"type", "string"}};
  if (!f.description.empty()) s["description"] = f.description;
  switch (f.type) {
    case FieldType::kExternalId:
      s["maxLength"] = schema::kMaxExternalIdLength;
      if (!input) s["pattern"] = "^[A-Za-z0-9_-]{1,100}$";
      break;
    case FieldType::kText:
    case FieldType::kUrl:
      s["maxLength"] = max_length_of(f);
      break;
    case FieldType::kTimestamp:
      // A request may send a date or a date-time with any zone; responses
      // are RFC 3339 UTC.
      if (!input) s["format"] = "date-time";
      break;
    case FieldType::kDate:
      if (!input) s["format"] = "date";
      break;
    case FieldType::kLanguage:
    case FieldType::kEnum: {
      json::array values = allowed_values(f);
      if (input) {
        values.emplace_back("");
        values.emplace_back(nullptr);
      }
      s["enum"] = std::move(values);
      break;
    }
  }
  return s;
}

std::string schema_name(std::string_view event_type, std::string_view suffix) {
  std::string out;
  bool upper = true;
  for (char c : event_type) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out + std::string(suffix);
}

json::object content_schema(const schema::EntityDef& e, bool input) {
  json::object props;
  json::array required;
  for (const FieldDef& f : e.content_fields) {
    props[f.name] = field_schema(f, input);
    if (f.required) required.emplace_back(f.name);
  }
  json::object s{{"type", "object"},
                 {"description", "Content of a `" + e.event_type + "` event. " + e.description},
                 {"properties", std::move(props)},
                 {"additionalProperties", false}};
  if (!required.empty()) s["required"] = std::move(required);
  if (!e.one_of.empty()) {
    json::array groups;
    for (const auto& g : e.one_of) groups.push_back(json::object{{"required", string_array(g)}});
    s["anyOf"] = std::move(groups);
  }
  return s;
}

const FieldDef& top(size_t i) { return schema::top_level_fields()[i]; }

// A request body of POST .../skill_events for entity `e`.
json::object event_input_schema(const schema::EntityDef& e) {
  json::object props;
  props["external_id"] = field_schema(top(2), true);
  props["event_type"] = json::object{{"const", e.event_type}};
  props["timestamp"] = field_schema(top(3), true);
  props["content"] = schema_ref(schema_name(e.event_type, "ContentInput"));
  props["source"] = field_schema(top(4), true);
  return {{"type", "object"},
          {"properties", std::move(props)},
          {"required", {"external_id", "event_type", "timestamp", "content"}},
          {"additionalProperties", false}};
}

json::object event_schema(const schema::EntityDef& e) {
  json::object props;
  props["employee_external_id"] = field_schema(top(0), false);
  props["external_id"] = field_schema(top(2), false);
  props["event_type"] = json::object{{"const", e.event_type}};
  props["timestamp"] = field_schema(top(3), false);
  props["language"] = field_schema(top(1), false);
  props["content"] = schema_ref(schema_name(e.event_type, "Content"));
  json::object source = nullable("string");
  source["maxLength"] = schema::kMaxSourceLength;
  props["source"] = std::move(source);
  props["created_at"] = json::object{{"type", "string"}, {"format", "date-time"}};
  props["updated_at"] = json::object{{"type", "string"}, {"format", "date-time"}};
  json::object task = nullable("string");
  task["description"] = "The File Load Task that last wrote the event; null when written via API";
  props["task_id"] = std::move(task);
  json::array required;
  for (const auto& kv : props) required.emplace_back(kv.key());
  return {{"type", "object"}, {"properties", std::move(props)}, {"required", std::move(required)}};
}

// oneOf the per-entity schemas named <Type><suffix>, told apart by event_type.
json::object by_event_type(std::string_view suffix) {
  json::array one_of;
  json::object mapping;
  for (const schema::EntityDef& e : schema::all_entities()) {
    one_of.push_back(schema_ref(schema_name(e.event_type, suffix)));
    mapping[e.event_type] = "#/components/schemas/" + schema_name(e.event_type, suffix);
  }
  return {{"oneOf", std::move(one_of)},
          {"discriminator", {{"propertyName", "event_type"}, {"mapping", std::move(mapping)}}}};
}

void add_event_schemas(json::object& out) {
  for (const schema::EntityDef& e : schema::all_entities()) {
    out[schema_name(e.event_type, "Content")] = content_schema(e, false);
    out[schema_name(e.event_type, "ContentInput")] = content_schema(e, true);
    out[schema_name(e.event_type, "Event")] = event_schema(e);
    out[schema_name(e.event_type, "EventInput")] = event_input_schema(e);
  }
  out["SkillEvent"] = by_event_type("Event");
  out["SkillEventInput"] = by_event_type("EventInput");
}

}  // namespace

// Defined in openapi_task_schemas.cpp.
void add_task_schemas(json::object& out);
void add_webhook_schemas(json::object& out);

json::object openapi_schemas() {
  json::object out;
  out["Error"] = json::object{
      {"type", "object"},
      {"required", {"error"}},
      {"properties",
       {{"error",
         {{"type", "object"},
          {"required", {"code", "message", "details"}},
          {"properties",
           {{"code", {{"type", "string"}, {"description", "Stable snake_case code"}}},
            {"message", {{"type", "string"}}},
            {"details",
             {{"type", "array"},
              {"description", "One entry per invalid field, query parameter or header"},
              {"items",
               {{"type", "object"},
                {"required", {"field", "code", "message"}},
                {"properties",
                 {{"field", {{"type", "string"}}},
                  {"code", {{"type", "string"}}},
                  {"message", {{"type", "string"}}}}}}}}}}}}}}}};
  out["Health"] = json::object{
      {"type", "object"},
      {"required", {"status"}},
      {"properties", {{"status", {{"type", "string"}, {"enum", {"ok", "unavailable"}}}}}}};
  add_event_schemas(out);
  out["SkillEventPage"] =
      json::object{{"type", "object"},
                   {"required", {"items", "next_cursor"}},
                   {"properties",
                    {{"items", {{"type", "array"}, {"items", schema_ref("SkillEvent")}}},
                     {"next_cursor", schema_ref("NextCursor")}}}};
  out["NextCursor"] =
      json::object{{"type", json::array{"string", "null"}},
                   {"description", "Pass as `cursor` for the next page; null on the last page"}};
  add_task_schemas(out);
  add_webhook_schemas(out);
  return out;
}

}  // namespace skillsync::api::internal
