// render_entities_markdown: docs/entities.md from the entity registry.
//
// Everything a user needs to write a CSV file or an API body for an entity
// comes from the EntityDef: columns, limits, allowed values, alternatives,
// date ranges and an example built from each field's `example`.
#include "schema/docs.hpp"
#include "schema/checks.hpp"

namespace skillsync::schema {

namespace {

constexpr std::string_view kRegenerate =
    "cmake --build <build-dir> --target render_docs && <build-dir>/src/schema/render_docs";

std::string code(std::string_view s) { return "`" + std::string(s) + "`"; }

// A table cell: '|' would end the cell, so it is escaped.
std::string cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string limits_of(const FieldDef& f) {
  switch (f.type) {
    case FieldType::kExternalId:
      return "1-" + std::to_string(kMaxExternalIdLength) + " characters of `A-Z a-z 0-9 _ -`";
    case FieldType::kText:
    case FieldType::kUrl:
      return "≤ " + std::to_string(internal::effective_max_length(f)) + " bytes";
    case FieldType::kTimestamp:
      return "ISO 8601 date or date-time with zone";
    case FieldType::kDate:
      return "`YYYY-MM-DD`";
    case FieldType::kLanguage:
    case FieldType::kEnum:
      return "";
  }
  return "";
}

std::string allowed_of(const FieldDef& f) {
  if (f.type == FieldType::kLanguage) return "`auto` `nl` `fr` `en` `de`";
  std::string out;
  for (const std::string& v : f.allowed_values) {
    if (!out.empty()) out += ' ';
    out += code(v);
  }
  return out;
}

// The number (1-based) of the first one_of group naming `name`; 0 if none.
size_t group_of(const EntityDef& e, std::string_view name) {
  for (size_t g = 0; g < e.one_of.size(); ++g) {
    for (const std::string& n : e.one_of[g]) {
      if (n == name) return g + 1;
    }
  }
  return 0;
}

std::string presence_of(const EntityDef* e, const FieldDef& f) {
  if (f.required) return "required";
  if (e != nullptr) {
    if (const size_t g = group_of(*e, f.name); g > 0) return "one-of group " + std::to_string(g);
  }
  return "optional";
}

void field_row(std::string& out, const EntityDef* e, const FieldDef& f) {
  out += "| " + code(f.name) + " | " + presence_of(e, f) + " | " +
         std::string(field_type_name(f.type)) + " | " + cell(limits_of(f)) + " | " +
         cell(allowed_of(f)) + " | " + cell(f.description) + " |\n";
}

constexpr std::string_view kFieldTableHead =
    "| column | presence | type | limits | allowed values | meaning |\n"
    "|---|---|---|---|---|---|\n";

// A CSV field, quoted when it holds a delimiter, a quote or a line break.
std::string csv_field(std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void render_example(std::string& out, const EntityDef& e) {
  const auto top = top_level_fields();
  std::vector<std::pair<std::string_view, std::string>> columns;
  for (size_t i = internal::kEmployeeField; i <= internal::kTimestampField; ++i) {
    std::string value = top[i].example;
    if (i == internal::kExternalIdField) value = e.event_type + "-1";
    columns.emplace_back(top[i].name, std::move(value));
  }
  std::string content;
  for (const FieldDef& f : e.content_fields) {
    if (f.example.empty()) continue;
    columns.emplace_back(f.name, f.example);
    content += content.empty() ? "\n    " : ",\n    ";
    internal::append_json_string(content, f.name);
    content += ": ";
    internal::append_json_string(content, f.example);
  }
  columns.emplace_back(kSource, top[internal::kSourceField].example);

  std::string header, row;
  for (const auto& [name, value] : columns) {
    if (!header.empty()) {
      header += ',';
      row += ',';
    }
    header += name;
    row += csv_field(value);
  }
  out += "Example CSV:\n\n```csv\n" + header + "\n" + row + "\n```\n\n";
  out += "The same event through the API (`POST /employees/" + top[0].example +
         "/skill_events?language=" + top[1].example + "`):\n\n```json\n{\n  \"external_id\": \"" +
         e.event_type + "-1\",\n  \"event_type\": \"" + e.event_type + "\",\n  \"timestamp\": \"" +
         top[internal::kTimestampField].example + "\",\n  \"content\": {" + content +
         "\n  },\n  \"source\": \"" + top[internal::kSourceField].example + "\"\n}\n```\n\n";
}

void render_entity(std::string& out, const EntityDef& e) {
  out += "## " + code(e.event_type) + "\n\n" + e.description + "\n\n";
  out += std::string(kFieldTableHead);
  for (const FieldDef& f : e.content_fields) field_row(out, &e, f);
  out += '\n';
  if (!e.one_of.empty()) {
    out +=
        "One-of groups: every event needs at least one group complete (all its columns "
        "non-empty):\n\n";
    for (size_t g = 0; g < e.one_of.size(); ++g) {
      out += std::to_string(g + 1) + ". ";
      for (size_t i = 0; i < e.one_of[g].size(); ++i) {
        out += (i > 0 ? " + " : "") + code(e.one_of[g][i]);
      }
      out += '\n';
    }
    out += '\n';
  }
  for (const DateRange& r : e.date_ranges) {
    out += "Date range: when both are given, " + code(r.later) + " must not be before " +
           code(r.earlier) + " (`invalid_date_range`).\n\n";
  }
  render_example(out, e);
}

}  // namespace

std::string_view field_type_name(FieldType type) {
  switch (type) {
    case FieldType::kExternalId:
      return "external id";
    case FieldType::kText:
      return "text";
    case FieldType::kTimestamp:
      return "timestamp";
    case FieldType::kDate:
      return "date";
    case FieldType::kLanguage:
      return "language";
    case FieldType::kEnum:
      return "enum";
    case FieldType::kUrl:
      return "URL";
  }
  return "";
}

std::string render_entities_markdown() {
  std::string out;
  out += "# Entity types\n\n";
  out +=
      "<!-- Generated from the entity registry (src/schema/entities.cpp) by\n"
      "     skillsync::schema::render_entities_markdown(). Do not edit by hand: change the\n"
      "     registry, then run `" +
      std::string(kRegenerate) + "`. -->\n\n";
  out +=
      "Every skill event has the same top-level columns and a `content` whose columns "
      "depend on its `event_type`. A File Load Task's CSV file flattens both into one row: "
      "the columns of every event, then the content columns of the task's `entity_type`, in "
      "any order. The Skill Event API takes the same values as JSON strings, content "
      "columns inside `content`. An empty CSV field, a JSON `null` or `\"\"` is an absent "
      "value. Unknown columns and content fields are rejected (see `docs/errors.md` for "
      "every error code).\n\n";

  out += "Entity types:";
  for (const EntityDef& e : all_entities()) out += " " + code(e.event_type);
  out += ".\n\n";

  out += "## Field types\n\n| type | accepts |\n|---|---|\n";
  out += "| external id | 1-100 characters of `A-Z a-z 0-9 _ -` |\n";
  out += "| text | UTF-8 text up to the column's byte limit, without NUL characters (U+0000) |\n";
  out +=
      "| timestamp | ISO 8601 date (`2021-01-01`, midnight UTC) or date-time with a zone "
      "(`2021-01-01T02:00:00+02:00`, `...Z`); returned as RFC 3339 UTC |\n";
  out +=
      "| date | ISO 8601 calendar date `YYYY-MM-DD` (a real day: `2021-02-29` is rejected); "
      "returned as given |\n";
  out += "| language | one of `auto nl fr en de` |\n";
  out += "| enum | exactly one of the column's allowed values (case matters) |\n";
  out +=
      "| URL | an `http://` or `https://` link with a host, without spaces, up to the "
      "column's byte limit |\n\n";

  out += "## Columns of every event\n\n" + std::string(kFieldTableHead);
  for (const FieldDef& f : top_level_fields()) field_row(out, nullptr, f);
  out += "\n";
  out +=
      "In the API, `employee_external_id` is the path and `language` the query parameter "
      "of `POST /employees/{employee_external_id}/skill_events?language=`; in a CSV file "
      "they are columns. A CSV file may leave out `source` and `event_type`.\n\n";

  for (const EntityDef& e : all_entities()) render_entity(out, e);
  while (out.size() > 1 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') {
    out.pop_back();
  }
  return out;
}

}  // namespace skillsync::schema
