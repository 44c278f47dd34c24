// schema: entity definitions as data, and the checks that turn a JSON body
// or a CSV row into a validated skill Event.
//
// One registry of EntityDef drives the Skill Event API's validation, the
// File Load Task's CSV header binding and the docs, so they cannot disagree.
// Adding an entity type is adding one definition to the registry
// (entities.cpp); docs.hpp renders docs/entities.md and docs/errors.md.
//
// Thread safety: the registry is immutable after start-up; HeaderBinding is
// immutable after bind(); RowMapper holds per-thread scratch state.
#pragma once

#include <array>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "schema/event.hpp"

namespace skillsync::schema {

enum class FieldType {
  kExternalId,  // 1-100 chars of [A-Za-z0-9_-]
  kText,        // UTF-8 text without U+0000, 1..max_length bytes
  kTimestamp,   // ISO 8601 date or date-time with zone -> Micros UTC
  kDate,        // ISO 8601 date (YYYY-MM-DD); content dates of later entities
  kLanguage,    // one of: auto nl fr en de
  kEnum,        // exactly one of FieldDef::allowed_values (case-sensitive)
  kUrl,         // http:// or https:// URL, no whitespace or control bytes, UTF-8
};

struct FieldDef {
  std::string name;
  FieldType type = FieldType::kText;
  // A required content field must be present (non-empty) in every event, in
  // addition to any one_of rule of its entity.
  bool required = false;
  // Bytes; 0 = type default (kDefaultTextMaxLength for kText,
  // kDefaultUrlMaxLength for kUrl). Ignored for the fixed-format types.
  size_t max_length = 0;
  // kEnum only: the accepted values, in the order the docs list them.
  std::vector<std::string> allowed_values = {};
  // One sentence for docs/entities.md.
  std::string description = {};
  // A valid value for the example row in docs/entities.md; empty = the
  // example leaves this column out.
  std::string example = {};
};

// Limits of the built-in fields, in bytes.
inline constexpr size_t kMaxExternalIdLength = 100;
inline constexpr size_t kDefaultTextMaxLength = 65536;
inline constexpr size_t kDefaultUrlMaxLength = 2048;
inline constexpr size_t kMaxSourceLength = 256;
// Content fields per entity are tracked in a 64-bit mask.
inline constexpr size_t kMaxContentFields = 64;

// Two kDate content fields that, when both are present, must be in order:
// `later` may equal `earlier` but not precede it (code "invalid_date_range",
// reported on `later`).
struct DateRange {
  std::string earlier;
  std::string later;
  bool operator==(const DateRange&) const = default;
};

struct EntityDef {
  std::string event_type;                // "learning"
  std::vector<FieldDef> content_fields;  // every content field the entity knows
  // Alternatives of content fields: at least one group must be fully present
  // ({{"course_id"}, {"learning_title", "learning_description"}}). Empty means
  // no alternatives; the required flags of content_fields apply either way.
  std::vector<std::vector<std::string>> one_of = {};
  // Ordered date pairs (start_date before end_date), checked when both are
  // present and valid.
  std::vector<DateRange> date_ranges = {};
  // One or two sentences for docs/entities.md.
  std::string description = {};
};

// Checks that a definition is usable: a non-empty event_type, 1..64 content
// fields with unique names that do not clash with the top-level columns and
// do not start with kErrorColumnPrefix "error_" (the CSV error report appends
// error_* columns, and HeaderBinding ignores a trailing block of them);
// one_of groups that are non-empty, name only content fields and no required
// one; allowed_values non-empty, unique and non-empty exactly for kEnum
// fields; date_ranges naming two different kDate content fields; and
// examples that pass their field's check. Every registered entity passes (a
// unit test runs it over all_entities()).
Status check_entity_def(const EntityDef& entity);

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

// The definitions of those six columns, in the order above (for checks and
// docs): the first four are required; `source` is optional text of at most
// kMaxSourceLength bytes; `event_type` is optional in CSV (it must then
// equal the task's entity type) and required in an API body, where it is a
// kEnum of every registered event_type.
std::span<const FieldDef> top_level_fields();

// Event (a validated skill event) is in schema/event.hpp.

// One reason a field is invalid. `field` names the column (CSV) or the JSON
// path ("content.course_id"); `code` is stable snake_case, one of: required,
// invalid_external_id, invalid_language, invalid_timestamp, invalid_date,
// invalid_value (kEnum), invalid_url, too_long, invalid_utf8, nul_character
// (a kText value holding U+0000, which PostgreSQL cannot store),
// invalid_date_range, invalid_type, unknown_field, unknown_event_type,
// event_type_mismatch, missing_content, wrong_field_count. Every code is in
// error_catalog() (docs.hpp). Messages echo at most ~100 bytes of a value.
struct FieldError {
  std::string field;
  std::string code;
  std::string message;
};

// --- Field checks, shared by the API and the CSV path -------------------

bool is_valid_external_id(std::string_view s);
bool is_valid_language(std::string_view s);
// Well-formed UTF-8 (common/utf8.hpp; U+0000 counts as valid here).
bool is_valid_utf8(std::string_view s);
// An absolute http:// or https:// URL (scheme in any case) with a non-empty
// host, no ASCII whitespace or control bytes anywhere (a URL with a space is
// a typo, not a link), and valid UTF-8 (links copied from browsers may hold
// non-ASCII text). The byte limit is the field's max_length.
bool is_valid_url(std::string_view s);
// ISO 8601: "YYYY-MM-DD" (midnight UTC) or "YYYY-MM-DDTHH:MM[:SS[.fff...]]"
// followed by "Z" or "+HH:MM"/"-HH:MM" (also "+HHMM", "+HH"). A lowercase
// 't'/'z' or a space instead of 'T' is accepted. No zone -> error. Checks
// years 0001-9999, real calendar days (leap years), hour 0-23, minute and
// second 0-59, offsets up to 23:59; 1-9 fraction digits, truncated to
// microseconds. Fails with code "invalid_timestamp" and a message naming the
// reason ("'2021-13-01' is not a valid ISO 8601 timestamp: month 13").
Result<Micros> parse_timestamp(std::string_view s);

// --- Skill Event API ----------------------------------------------------

// Validates a POST /employees/{id}/skill_events body. `employee_external_id`
// comes from the path and `language` from the query. Returns every problem
// found, not just the first: on failure the result is
// Error{"invalid_fields", ...} and one FieldError per problem is appended to
// `*errors` (which may be null when the caller needs only the summary).
// JSON null counts as absent; an empty string counts as absent too. Content
// is checked only when event_type names a registered entity.
Result<Event> event_from_json(std::string_view employee_external_id, std::string_view language,
                              const boost::json::object& body, std::vector<FieldError>* errors);

// --- CSV ----------------------------------------------------------------

// The columns that the CSV form of a task's error report (GET
// /integrations/file-load-tasks/{id}/errors, Accept: text/csv) appends after
// the file's own columns: where and why each row was rejected. A prefix load
// puts kErrorFileColumn (the row's object key) before them. The user fixes
// the rows and loads that file as it is, so HeaderBinding ignores exactly
// this block when it ends the header (see error_report_column_count).
inline constexpr std::string_view kErrorFileColumn = "error_file";
inline constexpr std::array<std::string_view, 4> kErrorReportColumns = {
    "error_line", "error_column", "error_code", "error_message"};
// Every error report column starts with this prefix, and no entity may name
// a content field with it (check_entity_def), so a report's columns can never
// be mistaken for the file's own.
inline constexpr std::string_view kErrorColumnPrefix = "error_";
static_assert(kErrorFileColumn.starts_with(kErrorColumnPrefix));
static_assert(kErrorReportColumns[0].starts_with(kErrorColumnPrefix) &&
              kErrorReportColumns[1].starts_with(kErrorColumnPrefix) &&
              kErrorReportColumns[2].starts_with(kErrorColumnPrefix) &&
              kErrorReportColumns[3].starts_with(kErrorColumnPrefix));

// How many trailing columns of `header` are the error report's block: 5 when
// the header ends in error_file followed by the four kErrorReportColumns, 4
// when it ends in the four alone (in that order), 0 otherwise. Names compare
// exactly (case-sensitive) after trimming surrounding ASCII spaces, as
// HeaderBinding compares them. Only a whole block at the very end counts: a
// subset, another order, a misspelt name or error columns followed by any
// other column give 0, so those names are then ordinary (unknown) columns.
size_t error_report_column_count(std::span<const std::string_view> header);
size_t error_report_column_count(std::span<const std::string> header);

// The header of a CSV file bound to an entity: which column holds what.
class HeaderBinding {
 public:
  // Fails (code "missing_columns", "duplicate_columns" or "unknown_columns")
  // naming every offending column. Unknown columns are an error unless
  // `ignore_unknown_columns`. Names match exactly after trimming surrounding
  // ASCII spaces. The header needs the four required columns, the required
  // content columns and the columns of at least one one_of group (when the
  // entity has any); `event_type` and `source` are optional.
  // The error report's block of columns at the end of the header (see
  // error_report_column_count) is ignored without ignore_unknown_columns:
  // its fields are read (they count in column_count()) but never bound, so
  // an exported error report loads again as it is.
  // When several kinds of problem occur, the code is the first of duplicate,
  // missing, unknown, and the message lists all of them.
  static Result<HeaderBinding> bind(const EntityDef& entity,
                                    std::span<const std::string_view> header,
                                    bool ignore_unknown_columns = false);

  size_t column_count() const { return column_count_; }
  const EntityDef& entity() const { return *entity_; }
  const std::vector<std::string>& column_names() const { return names_; }
  // The number of trailing error report columns that bind() ignored (0, 4 or 5).
  size_t error_report_columns() const { return error_report_columns_; }

 private:
  friend class RowMapper;
  friend class HeaderBinder;  // bind()'s steps (csv_mapping.cpp)
  const EntityDef* entity_ = nullptr;
  size_t column_count_ = 0;
  size_t error_report_columns_ = 0;
  std::vector<std::string> names_;
  // Column index of each top-level field, or -1 when absent.
  int employee_ = -1, language_ = -1, external_id_ = -1, timestamp_ = -1, source_ = -1,
      event_type_ = -1;
  std::vector<int> content_;  // per EntityDef::content_fields entry
  // Bit i of each mask is content field i: the one_of groups (only those
  // whose columns all exist), and the required fields.
  std::vector<uint64_t> group_masks_;
  uint64_t required_mask_ = 0;
  // EntityDef::date_ranges as content field indexes (earlier, later).
  std::vector<std::pair<int, int>> date_ranges_;
};

// Maps CSV rows to Events. Reuses its buffers: no allocation per row once
// warmed up (beyond growth of `out`'s strings).
class RowMapper {
 public:
  explicit RowMapper(const HeaderBinding& binding) : binding_(&binding) {}

  // Fills `out` from one row. On failure returns false and sets `error` to
  // the first invalid field (column name, code, message), checking in the
  // order employee_external_id, language, external_id, event_type,
  // timestamp, content fields (in EntityDef order), required content fields,
  // one_of, date_ranges, source. A row with the wrong number
  // of fields fails with code "wrong_field_count" and an empty `field`; a row
  // with no complete one_of group fails with "missing_content" naming the
  // first missing column of the most nearly complete group. `out` is
  // unspecified after a failure. Allocation-free on the success path once
  // `out`'s strings have grown (an absent source resets the optional; its
  // string is kept for the thread's next source rather than freed).
  // REQUIRES: `binding` outlives the mapper.
  bool map(std::span<const std::string_view> fields, Event& out, FieldError& error);

 private:
  const HeaderBinding* binding_;
};

}  // namespace skillsync::schema
