// csv/csv_writer: writing CSV — one field, or rows of fields — in any
// dialect's delimiter and quote; the writer the error report uses.
//
// Contracts: a field is quoted (the quote doubled inside) only when it holds
// the delimiter, the quote, CR or LF, or starts or ends with a space, so the
// record reader gives back the same bytes with the same dialect. RowWriter's
// output is valid UTF-8 (ill-formed sequences become U+FFFD, see
// utf8::append_valid) and its rows end in CRLF. Nothing is allocated but
// the output and one scratch string.
#pragma once

#include <string>
#include <string_view>

namespace skillsync::csv {

// Appends `field` to `out` as a field of a CSV file with `delimiter` and
// `quote`, quoted as above; the defaults are RFC 4180's. `field` is
// appended byte for byte.
void append_field(std::string& out, std::string_view field, char delimiter = ',', char quote = '"');

// Writes rows one field at a time: field() for each, then end().
class RowWriter {
 public:
  explicit RowWriter(char delimiter = ',', char quote = '"')
      : delimiter_(delimiter), quote_(quote) {}

  // Appends one field to `row` (after a delimiter unless it is the row's
  // first), made valid UTF-8 first.
  void field(std::string& row, std::string_view value);
  // Ends the row: appends CRLF; the next field() starts a new row.
  void end(std::string& row);

 private:
  char delimiter_;
  char quote_;
  bool first_ = true;
  std::string scratch_;
};

}  // namespace skillsync::csv
