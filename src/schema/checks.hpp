// Internal to schema: the allocation-free value checks and the JSON writer
// shared by the API path (json_event.cpp) and the CSV path (csv_mapping.cpp),
// so both turn the same value into the same Event or the same error.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "schema/schema.hpp"

namespace skillsync::schema::internal {

enum class Fail : uint8_t {
  kNone,
  kInvalidExternalId,
  kInvalidLanguage,
  kInvalidTimestamp,
  kInvalidDate,
  kTooLong,
  kInvalidUtf8,
  kInvalidValue,  // kEnum: not one of allowed_values
  kInvalidUrl,
  kNulCharacter,          // kText: valid UTF-8 holding U+0000, which PostgreSQL TEXT cannot store
  kLast = kNulCharacter,  // keep last: tests walk every failure up to it
};

// The outcome of check_value. `why` is written only when a timestamp or date
// fails (a fixed buffer, so the success path never allocates).
struct Checked {
  Fail fail = Fail::kNone;
  // Set by a successful check_value when the value needs no escape in a
  // JSON string (json_scan), so it is copied as it is; false says nothing.
  bool plain = false;
  Micros micros = 0;  // kTimestamp only
  char why[96];
};

// What json_scan found in a text: bytes that a JSON string must escape
// ('"', '\\' and controls, NUL included), and bytes of 0x80 and above.
inline constexpr unsigned kScanEscape = 1;
inline constexpr unsigned kScanNonAscii = 2;

// The kScan* bits of `s`, 8 bytes at a time: the hot path of CSV text
// fields. A text with neither bit is printable ASCII (valid UTF-8 without
// NUL); one without kScanEscape goes into a JSON string as it is.
inline unsigned json_scan(std::string_view s) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  // Each term's high bits are nonzero exactly when some byte of w is below
  // 0x20, '"' or '\\' (exact for the word as a whole, whatever its bytes).
  auto escape = [](uint64_t w) {
    const uint64_t quote = w ^ (kOnes * '"');
    const uint64_t backslash = w ^ (kOnes * '\\');
    return (((w - kOnes * 0x20) & ~w) | ((quote - kOnes) & ~quote) |
            ((backslash - kOnes) & ~backslash)) &
           kHigh;
  };
  const size_t n = s.size();
  if (n < 8) {  // byte by byte: no partial-word load
    unsigned bits = 0;
    for (char ch : s) {
      const auto b = static_cast<unsigned char>(ch);
      if (b < 0x20 || b == '"' || b == '\\') bits |= kScanEscape;
      if (b >= 0x80) bits |= kScanNonAscii;
    }
    return bits;
  }
  uint64_t esc = 0, high = 0, w;
  for (size_t i = 0; i + 8 < n; i += 8) {
    std::memcpy(&w, s.data() + i, 8);
    esc |= escape(w);
    high |= w;
  }
  std::memcpy(&w, s.data() + n - 8, 8);  // the last 8 bytes, overlapping
  esc |= escape(w);
  high |= w;
  return (esc != 0 ? kScanEscape : 0) | ((high & kHigh) != 0 ? kScanNonAscii : 0);
}

// Every entity, in registry order (entities.cpp).
const std::vector<EntityDef>& registry();

// The byte limit of `f` (its max_length or its type's default; 0 = none).
size_t effective_max_length(const FieldDef& f);

// Validates a non-empty value of field `f`. Returns c.fail (kNone when
// valid). Never allocates.
Fail check_value(const FieldDef& f, std::string_view v, Checked& c);

// The stable code of a failure ("invalid_timestamp").
const char* fail_code(Fail f);

// A plain message for a failed check of `f`, named `path` ("content.x" in
// the API, the column name in CSV), holding `v`.
std::string fail_message(std::string_view path, const FieldDef& f, std::string_view v,
                         const Checked& c);

// The definitions of the top-level fields, as used by both paths and by the
// docs (indexes into top_level_fields()).
enum TopLevel : size_t {
  kEmployeeField,
  kLanguageField,
  kExternalIdField,
  kTimestampField,
  kSourceField,
  kEventTypeField,
};
inline const FieldDef& top_field(TopLevel i) { return top_level_fields()[i]; }

// For a date_ranges check: true when both kDate values (already valid
// YYYY-MM-DD) are in order. Fixed-width ISO dates compare as text.
inline bool dates_in_order(std::string_view earlier, std::string_view later) {
  return earlier <= later;
}

// The message for an invalid_date_range.
std::string date_range_message(std::string_view earlier_path, std::string_view earlier,
                               std::string_view later_path, std::string_view later);

// Index of the content field `name`, or -1.
int content_index(const EntityDef& e, std::string_view name);

// `v` in single quotes for a message: at most ~100 bytes, cut on a UTF-8
// boundary, control characters and invalid bytes replaced by '?'.
std::string quote_for_message(std::string_view v);

// Appends `s` as a JSON string literal (quotes included). Escapes '"', '\\'
// and control characters; other bytes, including UTF-8, pass through.
void append_json_string(std::string& out, std::string_view s);

// Appends `"name":"value"` (preceded by ',' unless first) for a validated
// content value; timestamps are written as RFC 3339 UTC from c.micros.
void append_content_member(std::string& out, bool first, const FieldDef& f, std::string_view v,
                           const Checked& c);

// "course_id | learning_title+learning_description" for messages.
std::string describe_one_of(const EntityDef& e);

// Bit mask of the content fields named in `group`; 0 if one is unknown.
uint64_t group_mask(const EntityDef& e, const std::vector<std::string>& group);

// True for the top-level field names (employee_external_id ... event_type).
bool is_top_level_name(std::string_view name);

}  // namespace skillsync::schema::internal
