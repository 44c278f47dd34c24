// csv/record_state: the record being assembled by the RecordReader (internal).
//
// Holds where the open record and its current field start in the read
// buffer, the fields found so far, the scratch buffer for quoted fields with
// "" escapes, and the first problem found. Buffer positions are indices into
// the reader's buffer; the reader calls shift() when it compacts the buffer.
// Fields are kept as offsets and turned into string_views only when the
// record is complete, because the buffer may move while a record is open.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "csv/csv.hpp"

namespace skillsync::csv {

// Counts line ends in [p, p + n): CR, LF, and CRLF as one.
// REQUIRES: p[0] is not an LF that follows a CR outside the range.
uint64_t count_line_ends(const char* p, size_t n);

class RecordState {
 public:
  enum class ErrorLevel : uint8_t { kNone, kField, kStructural };

  RecordState(const Dialect& d, size_t max_record_bytes);

  // Opens a record whose first byte is buf[p].
  void begin_at(size_t p, uint64_t stream_offset, uint64_t line);
  // The buffer dropped its first n bytes.
  void shift(size_t n);
  // buf[p] is the opening quote of the current field.
  void open_quote(size_t p);
  // buf[p] is the delimiter or line end (or the end of input) after the
  // current field.
  void end_field(const char* buf, size_t p) {
    if (field_quoted_) return end_quoted_field(buf, p);
    push_field({field_begin_ - begin, p - field_begin_, false});
    field_begin_ = p + 1;
  }
  // buf[p] is the second quote of a "" escape.
  void escaped_quote(const char* buf, size_t p);
  // Records a problem with the whole record's structure; it replaces a
  // field-level problem but not an earlier structural one.
  void set_structural_error(size_t column, std::string_view code, std::string message);
  // The physical line the open record starts on.
  uint64_t first_line() const { return first_line_; }
  // Discard mode: keeps the first 4 KiB of buf[begin, end) for error.raw and
  // lets the reader drop those bytes.
  void flush_discarded(const char* buf, size_t end);
  // Closes the record, which ends before buf[stop]; returns kRecord (see
  // `record`) or kError (see `error`) and sets `line` to the line after it.
  RecordReader::Item finish(const char* buf, size_t stop, bool line_end, uint64_t& line);

  const size_t max_field;
  const size_t max_record;
  const bool validate_utf8;
  const char quote;

  bool open = false;
  bool discarding = false;    // the bad record's bytes are dropped, not kept
  bool had_newline = false;   // a line end inside quotes: count lines at finish()
  size_t newline_column = 0;  // the field holding the record's first such line end
  size_t begin = 0;           // first byte of the record (in discard mode: not yet flushed)
  size_t limit = 0;           // one past the last byte the record may have
  struct FieldRef {
    size_t offset;  // from the record's first byte, or into scratch
    size_t size;
    bool in_scratch;
  };
  std::vector<FieldRef> fields;

  Record record;
  RecordError error;

 private:
  void push_field(const FieldRef& f) {
    fields.push_back(f);
    if (f.size > max_field) field_too_long(fields.size(), f.size);
  }
  void end_quoted_field(const char* buf, size_t p);
  void field_too_long(size_t column, size_t size);
  void check_utf8(const char* buf, size_t stop);
  void set_field_error(size_t column, std::string_view code, std::string message);
  std::string_view text(const char* buf, const FieldRef& f) const;
  void append_raw(const char* p, size_t n);

  uint64_t offset_ = 0;
  uint64_t first_line_ = 0;
  uint64_t discarded_lines_ = 0;
  size_t field_begin_ = 0;  // unquoted: first byte of the field
  bool field_quoted_ = false;
  bool field_in_scratch_ = false;
  size_t run_begin_ = 0;      // quoted: first text byte not yet copied to scratch
  size_t scratch_begin_ = 0;  // quoted, in scratch: where the field's text starts
  std::string scratch_;
  std::vector<std::string_view> views_;
  ErrorLevel level_ = ErrorLevel::kNone;
};

}  // namespace skillsync::csv
