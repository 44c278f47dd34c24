// Writing CSV fields and rows (see csv_writer.hpp).
#include "csv/csv_writer.hpp"

#include "common/utf8.hpp"

namespace skillsync::csv {

void append_field(std::string& out, std::string_view field, char delimiter, char quote) {
  const char specials[] = {delimiter, quote, '\r', '\n'};
  bool quoted =
      field.find_first_of(std::string_view(specials, sizeof specials)) != std::string_view::npos ||
      (!field.empty() && (field.front() == ' ' || field.back() == ' '));
  if (!quoted) {
    out += field;
    return;
  }
  out += quote;
  for (char c : field) {
    if (c == quote) out += quote;
    out += c;
  }
  out += quote;
}

void RowWriter::field(std::string& row, std::string_view value) {
  if (!first_) row += delimiter_;
  first_ = false;
  if (!utf8::is_valid(value)) {
    scratch_.clear();
    utf8::append_valid(scratch_, value);
    value = scratch_;
  }
  append_field(row, value, delimiter_, quote_);
}

void RowWriter::end(std::string& row) {
  row += "\r\n";
  first_ = true;
}

}  // namespace skillsync::csv
