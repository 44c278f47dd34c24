#include "csv/record_state.hpp"

#include <algorithm>
#include <cstdio>

#include "csv/utf8.hpp"

namespace skillsync::csv {

namespace {
constexpr size_t kMaxRawBytes = 4096;
}  // namespace

uint64_t count_line_ends(const char* p, size_t n) {
  uint64_t lines = 0;
  for (size_t i = 0; i < n; ++i) {
    if (p[i] == '\r' || (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))) ++lines;
  }
  return lines;
}

RecordState::RecordState(const Dialect& d, size_t max_record_bytes)
    : max_field(d.max_field_bytes),
      max_record(max_record_bytes),
      validate_utf8(d.validate_utf8),
      quote(d.quote) {}

void RecordState::begin_at(size_t p, uint64_t stream_offset, uint64_t line) {
  open = true;
  discarding = false;
  had_newline = false;
  begin = p;
  limit = p + max_record + 1;
  offset_ = stream_offset;
  first_line_ = line;
  discarded_lines_ = 0;
  field_begin_ = p;
  field_quoted_ = false;
  fields.clear();
  scratch_.clear();
  level_ = ErrorLevel::kNone;
  error.raw.clear();
}

void RecordState::shift(size_t n) {
  // Only positions of the open record are live; the others are rewritten
  // before they are read again, so wrapping them is harmless.
  begin -= n;
  limit -= n;
  field_begin_ -= n;
  run_begin_ -= n;
}

void RecordState::open_quote(size_t p) {
  field_quoted_ = true;
  field_in_scratch_ = false;
  run_begin_ = p + 1;
}

void RecordState::escaped_quote(const char* buf, size_t p) {
  // The first quote of the pair is at p - 1: the text before it goes to
  // scratch, followed by one quote.
  if (!field_in_scratch_) {
    field_in_scratch_ = true;
    scratch_begin_ = scratch_.size();
  }
  scratch_.append(buf + run_begin_, p - 1 - run_begin_);
  scratch_.push_back(quote);
  run_begin_ = p + 1;
}

void RecordState::end_quoted_field(const char* buf, size_t p) {
  const size_t text_end = p - 1;  // the closing quote
  FieldRef f;
  if (field_in_scratch_) {
    scratch_.append(buf + run_begin_, text_end - run_begin_);
    f = {scratch_begin_, scratch_.size() - scratch_begin_, true};
  } else {
    f = {run_begin_ - begin, text_end - run_begin_, false};
  }
  push_field(f);
  field_begin_ = p + 1;
  field_quoted_ = false;
}

void RecordState::field_too_long(size_t column, size_t size) {
  set_field_error(column, "field_too_long",
                  "field " + std::to_string(column) + " is " + std::to_string(size) +
                      " bytes, over the " + std::to_string(max_field) + " byte limit");
}

std::string_view RecordState::text(const char* buf, const FieldRef& f) const {
  return f.in_scratch ? std::string_view(scratch_.data() + f.offset, f.size)
                      : std::string_view(buf + begin + f.offset, f.size);
}

// UTF-8 is checked once per record rather than per field: a record that is
// all ASCII (the usual case) costs one pass over its bytes. Only the fields
// before an already-found field error are checked, so the error reported is
// the one in the lowest column, as if every field had been checked in turn.
void RecordState::check_utf8(const char* buf, size_t stop) {
  if (find_invalid_utf8(std::string_view(buf + begin, stop - begin)) == std::string_view::npos) {
    return;
  }
  const size_t checked = level_ == ErrorLevel::kField ? error.column - 1 : fields.size();
  for (size_t i = 0; i < checked; ++i) {
    const std::string_view t = text(buf, fields[i]);
    const size_t bad = find_invalid_utf8(t);
    if (bad == std::string_view::npos) continue;
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned char>(t[bad]));
    level_ = ErrorLevel::kNone;  // this field comes first
    set_field_error(i + 1, "invalid_utf8",
                    "field " + std::to_string(i + 1) + " is not valid UTF-8 (byte " + hex +
                        " at offset " + std::to_string(bad) + " of the field)");
    return;
  }
}

void RecordState::set_field_error(size_t column, std::string_view code, std::string message) {
  if (level_ != ErrorLevel::kNone) return;
  level_ = ErrorLevel::kField;
  error.column = column;
  error.code.assign(code);
  error.message = std::move(message);
}

void RecordState::set_structural_error(size_t column, std::string_view code, std::string message) {
  if (level_ == ErrorLevel::kStructural) return;
  level_ = ErrorLevel::kStructural;
  error.column = column;
  error.code.assign(code);
  error.message = std::move(message);
}

void RecordState::append_raw(const char* p, size_t n) {
  error.raw.append(p, std::min(n, kMaxRawBytes - error.raw.size()));
}

void RecordState::flush_discarded(const char* buf, size_t end) {
  if (had_newline) {
    discarded_lines_ += count_line_ends(buf + begin, end - begin);
    had_newline = false;
  }
  append_raw(buf + begin, end - begin);
  begin = end;
}

RecordReader::Item RecordState::finish(const char* buf, size_t stop, bool line_end,
                                       uint64_t& line) {
  open = false;
  discarding = false;
  const uint64_t inner_lines =
      discarded_lines_ + (had_newline ? count_line_ends(buf + begin, stop - begin) : 0);
  line = first_line_ + inner_lines + (line_end ? 1 : 0);
  if (validate_utf8 && level_ != ErrorLevel::kStructural) check_utf8(buf, stop);
  if (level_ != ErrorLevel::kNone) {
    append_raw(buf + begin, stop - begin);
    error.line = first_line_;
    error.byte_offset = offset_;
    return RecordReader::Item::kError;
  }
  views_.clear();
  for (const FieldRef& f : fields) views_.push_back(text(buf, f));
  record.fields = views_;
  record.line = first_line_;
  record.byte_offset = offset_;
  record.raw = std::string_view(buf + begin, stop - begin);
  return RecordReader::Item::kRecord;
}

}  // namespace skillsync::csv
