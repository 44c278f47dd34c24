// schema: entity definitions as data, and the checks that turn a JSON body
// or a CSV row into a validated skill Event.
//
// One registry of EntityDef drives the Skill Event API's validation, the
// File Load Task's CSV header binding and the docs, so they cannot disagree.
// Adding an entity type is adding one definition to the registry.
//
// Thread safety: the registry is immutable after start-up; HeaderBinding is
// immutable after bind(); RowMapper holds per-thread scratch state.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"

namespace skillsync::schema {

enum class FieldType {
  kExternalId,  // 1-100 chars of [A-Za-z0-9_-]
  kText,        // UTF-8 text, 1..max_length bytes
  kTimestamp,   // ISO 8601 date or date-time with zone -> Micros UTC
  kDate,        // ISO 8601 date (YYYY-MM-DD); content dates of later entities
  kLanguage,    // one of: auto nl fr en de
};

struct FieldDef {
  std::string name;
  FieldType type = FieldType::kText;
  bool required = false;   // within content: see EntityDef::one_of
  size_t max_length = 0;   // bytes; 0 = type default
};

struct EntityDef {
  std::string event_type;               // "learning"
  std::vector<FieldDef> content_fields; // every content field the entity knows
  // Alternatives of content fields: at least one group must be fully present
  // ({{"course_id"}, {"learning_title", "learning_description"}}). Empty means
  // "the required flags of content_fields decide".
  std::vector<std::vector<std::string>> one_of;
};

// Looks up an entity by its event_type; nullptr when unknown.
const EntityDef* find_entity(std::string_view event_type);
// Every registered entity, in a stable order.
std::span<const EntityDef> all_entities();

// The columns every event carries, outside content, in CSV/API order.
inline constexpr std::string_view kEmployeeExternalId = "employee_external_id";
inline constexpr std::string_view kLanguage = "language";
inline constexpr std::string_view kExternalId = "external_id";
inline constexpr std::string_view kTimestamp = "timestamp";
inline constexpr std::string_view kSource = "source";
inline constexpr std::string_view kEventType = "event_type";

// A validated skill event. content_json is a compact JSON object holding
// only the entity's content fields that were present (non-empty), in the
// order of EntityDef::content_fields.
struct Event {
  std::string employee_external_id;
  std::string external_id;
  std::string event_type;
  Micros timestamp = 0;
  std::string language;
  std::string content_json;
  std::optional<std::string> source;
};

// One reason a field is invalid. `field` names the column (CSV) or the JSON
// path ("content.course_id"); `code` is stable snake_case.
struct FieldError {
  std::string field;
  std::string code;
  std::string message;
};

// --- Field checks, shared by the API and the CSV path -------------------

bool is_valid_external_id(std::string_view s);
bool is_valid_language(std::string_view s);
bool is_valid_utf8(std::string_view s);
// ISO 8601: "YYYY-MM-DD" (midnight UTC) or "YYYY-MM-DDTHH:MM[:SS[.fff...]]"
// followed by "Z" or "+HH:MM"/"-HH:MM" (also "+HHMM", "+HH"). A lowercase
// 't'/'z' or a space instead of 'T' is accepted. No zone -> error.
Result<Micros> parse_timestamp(std::string_view s);

// --- Skill Event API ----------------------------------------------------

// Validates a POST /employees/{id}/skill_events body. `employee_external_id`
// comes from the path and `language` from the query. Returns every problem
// found, not just the first.
Result<Event> event_from_json(std::string_view employee_external_id, std::string_view language,
                              const boost::json::object& body,
                              std::vector<FieldError>* errors);

// --- CSV ----------------------------------------------------------------

// The header of a CSV file bound to an entity: which column holds what.
class HeaderBinding {
 public:
  // Fails (code "missing_columns", "duplicate_columns" or "unknown_columns")
  // naming every offending column. Unknown columns are an error unless
  // `ignore_unknown_columns`.
  static Result<HeaderBinding> bind(const EntityDef& entity,
                                    std::span<const std::string_view> header,
                                    bool ignore_unknown_columns = false);

  size_t column_count() const { return column_count_; }
  const EntityDef& entity() const { return *entity_; }
  const std::vector<std::string>& column_names() const { return names_; }

 private:
  friend class RowMapper;
  const EntityDef* entity_ = nullptr;
  size_t column_count_ = 0;
  std::vector<std::string> names_;
  // Column index of each top-level field, or -1 when absent.
  int employee_ = -1, language_ = -1, external_id_ = -1, timestamp_ = -1, source_ = -1,
      event_type_ = -1;
  std::vector<int> content_;  // per EntityDef::content_fields entry
};

// Maps CSV rows to Events. Reuses its buffers: no allocation per row once
// warmed up (beyond growth of `out`'s strings).
class RowMapper {
 public:
  explicit RowMapper(const HeaderBinding& binding) : binding_(&binding) {}

  // Fills `out` from one row. On failure returns false and sets `error` to
  // the first invalid field (column name, code, message). A row with the
  // wrong number of fields fails with code "wrong_field_count".
  bool map(std::span<const std::string_view> fields, Event& out, FieldError& error);

 private:
  const HeaderBinding* binding_;
};

}  // namespace skillsync::schema
