// Test helpers: a full, valid CSV row and the equivalent API body for any
// registered entity, built from its definition, so a test can run the same
// event through both paths and then break one field at a time.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "schema/schema.hpp"

namespace skillsync::schema::testing {

// A CSV header and one row, as owned strings (views via views()).
struct CsvRow {
  std::vector<std::string> header;
  std::vector<std::string> row;

  // The column index of `name`; -1 when absent.
  int column(std::string_view name) const {
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return static_cast<int>(i);
    }
    return -1;
  }
  // Sets column `name`. REQUIRES: the column exists.
  void set(std::string_view name, std::string value) { row.at(column(name)) = std::move(value); }
  void erase_column(std::string_view name) {
    const int i = column(name);
    header.erase(header.begin() + i);
    row.erase(row.begin() + i);
  }
  static std::vector<std::string_view> views(const std::vector<std::string>& v) {
    return {v.begin(), v.end()};
  }
};

// A valid value for `f`: its example, else one per type.
inline std::string valid_value(const FieldDef& f) {
  if (!f.example.empty()) return f.example;
  switch (f.type) {
    case FieldType::kExternalId:
      return "id-1";
    case FieldType::kText:
      return "some text, with \"quotes\"";
    case FieldType::kTimestamp:
      return "2021-01-01T00:00:00Z";
    case FieldType::kDate:
      return "2020-01-01";
    case FieldType::kLanguage:
      return "en";
    case FieldType::kEnum:
      return f.allowed_values.front();
    case FieldType::kUrl:
      return "https://example.com/x";
  }
  return "x";
}

// Every column of `e` (top-level, content, source, event_type), each valid.
inline CsvRow full_row(const EntityDef& e) {
  CsvRow r;
  r.header = {"employee_external_id", "language", "external_id", "timestamp"};
  r.row = {"employee-1", "en", e.event_type + "-1", "2021-01-01T00:00:00+02:00"};
  for (const FieldDef& f : e.content_fields) {
    r.header.push_back(f.name);
    r.row.push_back(valid_value(f));
  }
  r.header.push_back("source");
  r.row.push_back("src-1");
  r.header.push_back("event_type");
  r.row.push_back(e.event_type);
  return r;
}

// The body a client would POST for the row (empty fields left out).
inline boost::json::object as_json_body(const EntityDef& e, const CsvRow& r) {
  boost::json::object body, content;
  for (size_t i = 0; i < r.header.size(); ++i) {
    const std::string& col = r.header[i];
    const std::string& v = r.row[i];
    if (v.empty() || col == kEmployeeExternalId || col == kLanguage) continue;
    bool is_content = false;
    for (const FieldDef& f : e.content_fields) is_content = is_content || f.name == col;
    if (is_content) {
      content[col] = v;
    } else {
      body[col] = v;
    }
  }
  if (!body.contains("event_type")) body["event_type"] = e.event_type;
  body["content"] = std::move(content);
  return body;
}

inline std::string_view employee_of(const CsvRow& r) {
  const int i = r.column(kEmployeeExternalId);
  return i < 0 ? std::string_view() : std::string_view(r.row[i]);
}
inline std::string_view language_of(const CsvRow& r) {
  const int i = r.column(kLanguage);
  return i < 0 ? std::string_view() : std::string_view(r.row[i]);
}

}  // namespace skillsync::schema::testing
