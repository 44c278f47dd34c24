// The CSV path: a header bound to an entity, and rows mapped to Events.
//
// RowMapper::map runs once per row of files with millions of rows, so it
// validates with the allocation-free checks in checks.hpp, assigns into the
// caller's Event (reusing its buffers) and builds strings only for errors.
#include <bit>

#include "schema/checks.hpp"

namespace skillsync::schema {

using internal::Checked;
using internal::Fail;

namespace {

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

void append_list(std::string& out, const std::vector<std::string>& names, bool quote) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += quote ? internal::quote_for_message(names[i]) : names[i];
  }
}

void set_error(FieldError& error, std::string_view field, std::string_view code,
               std::string message) {
  error.field.assign(field);
  error.code.assign(code);
  error.message = std::move(message);
}

// Checks a non-empty value of `f`; on failure fills `error` for its column.
bool check(const FieldDef& f, std::string_view v, Checked& c, FieldError& error) {
  if (internal::check_value(f, v, c) == Fail::kNone) return true;
  set_error(error, f.name, internal::fail_code(c.fail), internal::fail_message(f.name, f, v, c));
  return false;
}

bool check_required(const FieldDef& f, std::string_view v, Checked& c, FieldError& error) {
  if (v.empty()) {
    set_error(error, f.name, "required", f.name + " is required");
    return false;
  }
  return check(f, v, c, error);
}

// The string of the last source that a row of this thread left out: files
// mix rows with and without a source, and an Event's optional source would
// otherwise free and allocate its string again and again. At most one
// string of at most about kMaxSourceLength bytes per thread.
std::string& spare_source() {
  thread_local std::string spare;
  return spare;
}

template <class Name>
size_t error_block_at_end(std::span<const Name> header) {
  const size_t n = kErrorReportColumns.size();
  if (header.size() < n) return 0;
  const size_t first = header.size() - n;
  for (size_t i = 0; i < n; ++i) {
    if (trim_spaces(header[first + i]) != kErrorReportColumns[i]) return 0;
  }
  return first > 0 && trim_spaces(header[first - 1]) == kErrorFileColumn ? n + 1 : n;
}

}  // namespace

size_t error_report_column_count(std::span<const std::string_view> header) {
  return error_block_at_end(header);
}

size_t error_report_column_count(std::span<const std::string> header) {
  return error_block_at_end(header);
}

namespace {

// What is wrong with a header, each kind in header (or definition) order.
struct HeaderProblems {
  std::vector<std::string> duplicates, unknown, missing;
  bool missing_one_of = false;  // the entity has one_of groups and no group is complete
};

// One code (the first kind of problem found, in this order), but a message
// that names every problem so one attempt fixes the header.
std::optional<Error> header_error(const EntityDef& entity, const HeaderProblems& p) {
  std::string code, message;
  auto part = [&](std::string_view kind) {
    if (code.empty()) code = kind;
    if (!message.empty()) message += ". ";
  };
  if (!p.duplicates.empty()) {
    part("duplicate_columns");
    message += "duplicate columns: ";
    append_list(message, p.duplicates, true);
  }
  if (!p.missing.empty() || p.missing_one_of) {
    part("missing_columns");
    message += "missing required columns: ";
    append_list(message, p.missing, false);
    if (p.missing_one_of) {
      message += p.missing.empty() ? "one of: " : "; and one of: ";
      message += internal::describe_one_of(entity);
    }
  }
  if (!p.unknown.empty()) {
    part("unknown_columns");
    message += "unknown columns for event_type '" + entity.event_type + "': ";
    append_list(message, p.unknown, true);
  }
  if (code.empty()) return std::nullopt;
  return Error{std::move(code), std::move(message)};
}

}  // namespace

// HeaderBinding::bind's steps; a friend of HeaderBinding.
class HeaderBinder {
 public:
  static void assign_columns(HeaderBinding& b, std::span<const std::string_view> header,
                             bool ignore_unknown_columns, HeaderProblems& p);
  static int* top_level_slot(HeaderBinding& b, std::string_view name);
  static void assign_required(HeaderBinding& b, HeaderProblems& p);
  static void assign_date_ranges(HeaderBinding& b);
};

// Names -> column slots (top-level and content fields); duplicate names and
// unknown ones (unless ignored) go to `p`. The error report's block at the
// end is named but not bound.
void HeaderBinder::assign_columns(HeaderBinding& b, std::span<const std::string_view> header,
                                  bool ignore_unknown_columns, HeaderProblems& p) {
  const EntityDef& entity = *b.entity_;
  const size_t data_columns = header.size() - b.error_report_columns_;
  for (size_t col = 0; col < header.size(); ++col) {
    const std::string_view name = trim_spaces(header[col]);
    b.names_.emplace_back(name);
    if (col >= data_columns) continue;
    bool seen = false;
    for (size_t j = 0; j < col; ++j) seen = seen || b.names_[j] == name;
    if (seen) {
      bool listed = false;
      for (const auto& d : p.duplicates) listed = listed || d == name;
      if (!listed) p.duplicates.emplace_back(name);
      continue;
    }
    const int idx = static_cast<int>(col);
    if (int* slot = top_level_slot(b, name)) {
      *slot = idx;
      continue;
    }
    bool known = false;
    for (size_t i = 0; i < entity.content_fields.size(); ++i) {
      if (entity.content_fields[i].name == name) {
        b.content_[i] = idx;
        known = true;
      }
    }
    if (!known && !ignore_unknown_columns) p.unknown.emplace_back(name);
  }
}

// The slot of a top-level column's name; nullptr for any other name.
int* HeaderBinder::top_level_slot(HeaderBinding& b, std::string_view name) {
  if (name == kEmployeeExternalId) return &b.employee_;
  if (name == kLanguage) return &b.language_;
  if (name == kExternalId) return &b.external_id_;
  if (name == kTimestamp) return &b.timestamp_;
  if (name == kSource) return &b.source_;
  if (name == kEventType) return &b.event_type_;
  return nullptr;
}

// The required columns (the four top-level ones, then the required content
// fields) that are missing; required_mask_; the one_of groups whose columns
// all exist, and whether none does.
void HeaderBinder::assign_required(HeaderBinding& b, HeaderProblems& p) {
  const EntityDef& entity = *b.entity_;
  const std::pair<std::string_view, int> required[] = {{kEmployeeExternalId, b.employee_},
                                                       {kLanguage, b.language_},
                                                       {kExternalId, b.external_id_},
                                                       {kTimestamp, b.timestamp_}};
  for (const auto& [name, idx] : required) {
    if (idx < 0) p.missing.emplace_back(name);
  }
  uint64_t have = 0;  // content fields with a column
  for (size_t i = 0; i < b.content_.size(); ++i) {
    if (b.content_[i] >= 0) have |= uint64_t{1} << i;
  }
  for (size_t i = 0; i < entity.content_fields.size(); ++i) {
    if (!entity.content_fields[i].required) continue;
    b.required_mask_ |= uint64_t{1} << i;
    if (b.content_[i] < 0) p.missing.push_back(entity.content_fields[i].name);
  }
  if (!entity.one_of.empty()) {
    for (const auto& group : entity.one_of) {
      const uint64_t m = internal::group_mask(entity, group);
      if (m != 0 && (have & m) == m) b.group_masks_.push_back(m);
    }
    p.missing_one_of = b.group_masks_.empty();
  }
}

// The date ranges to check per row: only those whose two columns exist can
// ever fail.
void HeaderBinder::assign_date_ranges(HeaderBinding& b) {
  const EntityDef& entity = *b.entity_;
  for (const DateRange& r : entity.date_ranges) {
    const int earlier = internal::content_index(entity, r.earlier);
    const int later = internal::content_index(entity, r.later);
    if (earlier >= 0 && later >= 0 && b.content_[earlier] >= 0 && b.content_[later] >= 0) {
      b.date_ranges_.emplace_back(earlier, later);
    }
  }
}

Result<HeaderBinding> HeaderBinding::bind(const EntityDef& entity,
                                          std::span<const std::string_view> header,
                                          bool ignore_unknown_columns) {
  HeaderBinding b;
  b.entity_ = &entity;
  b.column_count_ = header.size();
  b.content_.assign(entity.content_fields.size(), -1);
  // A re-loaded error report: its trailing block says why rows were
  // rejected last time and is no data of the entity's.
  b.error_report_columns_ = error_report_column_count(header);
  HeaderProblems problems;
  HeaderBinder::assign_columns(b, header, ignore_unknown_columns, problems);
  HeaderBinder::assign_required(b, problems);
  HeaderBinder::assign_date_ranges(b);
  if (std::optional<Error> error = header_error(entity, problems)) return std::move(*error);
  return b;
}

namespace {

// The value of column `idx` of the row, or "" when the header has no such
// column.
std::string_view field_at(std::span<const std::string_view> fields, int idx) {
  return idx < 0 ? std::string_view() : fields[idx];
}

// A required id or language: the direct check `fast` first; a value that
// fails it goes through check_required, which names the reason.
bool take_required(bool (*fast)(std::string_view), const FieldDef& f, std::string_view v,
                   std::string& out, Checked& c, FieldError& error) {
  if (!fast(v) && !check_required(f, v, c, error)) return false;
  out.assign(v);
  return true;
}

// The content fields present in the row, checked and written as the JSON
// object `out`; `provided` gets bit i for content field i present.
bool take_content(const EntityDef& entity, std::span<const int> columns,
                  std::span<const std::string_view> fields, std::string& out, uint64_t& provided,
                  Checked& c, FieldError& error) {
  out.clear();
  out.push_back('{');
  provided = 0;
  for (size_t i = 0; i < entity.content_fields.size(); ++i) {
    const std::string_view v = field_at(fields, columns[i]);
    if (v.empty()) continue;
    const FieldDef& f = entity.content_fields[i];
    if (!check(f, v, c, error)) return false;
    internal::append_content_member(out, provided == 0, f, v, c);
    provided |= uint64_t{1} << i;
  }
  out.push_back('}');
  return true;
}

// A one_of rule: when no group of `group_masks` is complete, the error names
// the first missing column of the most nearly complete one.
bool check_one_of(const EntityDef& entity, std::span<const uint64_t> group_masks, uint64_t provided,
                  FieldError& error) {
  uint64_t nearest_missing = 0;  // missing bits of the most nearly complete group
  for (uint64_t m : group_masks) {
    const uint64_t miss = m & ~provided;
    if (miss == 0) return true;
    if (nearest_missing == 0 || std::popcount(miss) < std::popcount(nearest_missing)) {
      nearest_missing = miss;
    }
  }
  if (nearest_missing == 0) return true;
  const FieldDef& f = entity.content_fields[std::countr_zero(nearest_missing)];
  set_error(error, f.name, "missing_content",
            "the row needs one of: " + internal::describe_one_of(entity));
  return false;
}

// Date ranges whose two values are present: the later may not be earlier.
// Both values passed their kDate check already, or are empty (absent).
bool check_date_ranges(const EntityDef& entity, std::span<const std::pair<int, int>> ranges,
                       std::span<const int> columns, std::span<const std::string_view> fields,
                       FieldError& error) {
  for (const auto& [earlier, later] : ranges) {
    const std::string_view from = fields[columns[earlier]];
    const std::string_view to = fields[columns[later]];
    if (from.empty() || to.empty() || internal::dates_in_order(from, to)) continue;
    const std::string& later_name = entity.content_fields[later].name;
    set_error(
        error, later_name, "invalid_date_range",
        internal::date_range_message(entity.content_fields[earlier].name, from, later_name, to));
    return false;
  }
  return true;
}

// The optional source. An absent one: its string (and its capacity) waits for
// the next source of this thread instead of being freed.
bool take_source(const FieldDef& f, std::string_view v, std::optional<std::string>& out, Checked& c,
                 FieldError& error) {
  if (v.empty()) {
    if (out) spare_source() = std::move(*out);
    out.reset();
    return true;
  }
  if (!check(f, v, c, error)) return false;
  if (!out) out.emplace(std::move(spare_source()));
  out->assign(v);
  return true;
}

}  // namespace

bool RowMapper::map(std::span<const std::string_view> fields, Event& out, FieldError& error) {
  const HeaderBinding& b = *binding_;
  const EntityDef& entity = *b.entity_;
  if (fields.size() != b.column_count_) {
    set_error(error, "", "wrong_field_count",
              "expected " + std::to_string(b.column_count_) + " fields, found " +
                  std::to_string(fields.size()));
    return false;
  }
  const std::span<const FieldDef> top = top_level_fields();  // once per row, not per field
  Checked c;
  if (!take_required(is_valid_external_id, top[internal::kEmployeeField],
                     field_at(fields, b.employee_), out.employee_external_id, c, error) ||
      !take_required(is_valid_language, top[internal::kLanguageField],
                     field_at(fields, b.language_), out.language, c, error) ||
      !take_required(is_valid_external_id, top[internal::kExternalIdField],
                     field_at(fields, b.external_id_), out.external_id, c, error)) {
    return false;
  }

  std::string_view v = field_at(fields, b.event_type_);
  if (!v.empty() && v != entity.event_type) {
    set_error(error, kEventType, "event_type_mismatch",
              "event_type " + internal::quote_for_message(v) +
                  " does not match the task's entity type '" + entity.event_type + "'");
    return false;
  }
  out.event_type.assign(entity.event_type);

  v = field_at(fields, b.timestamp_);
  if (!check_required(top[internal::kTimestampField], v, c, error)) return false;
  out.timestamp = c.micros;

  uint64_t provided = 0;
  if (!take_content(entity, b.content_, fields, out.content_json, provided, c, error)) {
    return false;
  }
  if (const uint64_t miss = b.required_mask_ & ~provided; miss != 0) {
    const FieldDef& f = entity.content_fields[std::countr_zero(miss)];
    set_error(error, f.name, "required", f.name + " is required");
    return false;
  }
  return (entity.one_of.empty() || check_one_of(entity, b.group_masks_, provided, error)) &&
         check_date_ranges(entity, b.date_ranges_, b.content_, fields, error) &&
         take_source(top[internal::kSourceField], field_at(fields, b.source_), out.source, c,
                     error);
}

}  // namespace skillsync::schema
