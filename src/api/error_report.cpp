#include "api/error_report.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cstring>

#include "csv/csv.hpp"
#include "schema/schema.hpp"
#include "tasks/load_options.hpp"

namespace skillsync::api {
namespace json = boost::json;

namespace {

// Serves one string to a RecordReader.
class StringReader : public ByteReader {
 public:
  explicit StringReader(std::string_view data) : data_(data) {}
  Result<size_t> read(std::span<char> buf) override {
    size_t n = std::min(buf.size(), data_.size() - pos_);
    std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

std::vector<std::string> header_columns(const std::string& header_json) {
  std::vector<std::string> cols;
  if (header_json.empty()) return cols;
  boost::system::error_code ec;
  json::value v = json::parse(header_json, ec);
  if (ec || !v.is_array()) return cols;
  for (const auto& c : v.get_array()) {
    cols.emplace_back(c.is_string() ? std::string_view(c.get_string()) : std::string_view());
  }
  return cols;
}

csv::Dialect dialect_of(std::string_view options_json) {
  csv::Dialect dialect;
  if (auto opts = tasks::load_options_from_json(options_json); opts.ok()) {
    dialect = opts->dialect();
  }
  return dialect;
}

std::vector<std::string> split_raw(std::string_view raw, csv::Dialect dialect, size_t width) {
  // One short record: a small buffer, not the reader's 1 MiB default. Its
  // bytes are UTF-8-checked on output, so a bad byte must not stop the split.
  dialect.read_buffer_bytes = std::max<size_t>(raw.size() + 16, 64);
  dialect.validate_utf8 = false;
  std::vector<std::string> fields;
  StringReader input(raw);
  csv::RecordReader reader(input, dialect);
  auto item = reader.next();
  if (item.ok() && *item == csv::RecordReader::Item::kRecord) {
    for (auto f : reader.record().fields) fields.emplace_back(f);
  } else if (!raw.empty()) {
    // Broken quoting and the like: the delimiter alone still tells the
    // columns apart well enough for a person to fix the row.
    size_t start = 0;
    while (true) {
      size_t d = raw.find(dialect.delimiter, start);
      fields.emplace_back(raw.substr(start, d == std::string_view::npos ? d : d - start));
      if (d == std::string_view::npos) break;
      start = d + 1;
    }
  }
  if (width > 0) fields.resize(width);
  return fields;
}

// Length of the well-formed UTF-8 sequence at the start of `s` (Unicode
// Table 3-7), or 0 with `*bad` set to the length of its maximal ill-formed
// subpart (at least 1). REQUIRES: !s.empty()
size_t utf8_sequence(std::string_view s, size_t* bad) {
  const auto b0 = static_cast<unsigned char>(s[0]);
  if (b0 < 0x80) return 1;
  size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    *bad = 1;
    return 0;
  }
  for (size_t i = 1; i < len; ++i) {
    const auto b = i < s.size() ? static_cast<unsigned char>(s[i]) : 0;
    const bool ok = i == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
    if (i >= s.size() || !ok) {
      *bad = i;
      return 0;
    }
  }
  return len;
}

class RowWriter {
 public:
  RowWriter(char delimiter, char quote) : delimiter_(delimiter), quote_(quote) {}

  // Appends one field (after a delimiter unless it is the row's first),
  // made valid UTF-8 first.
  void field(std::string& row, std::string_view value) {
    if (!first_) row += delimiter_;
    first_ = false;
    if (!schema::is_valid_utf8(value)) {
      scratch_.clear();
      append_valid_utf8(scratch_, value);
      value = scratch_;
    }
    append_csv_field(row, value, delimiter_, quote_);
  }
  void end(std::string& row) {
    row += "\r\n";
    first_ = true;
  }

 private:
  char delimiter_;
  char quote_;
  bool first_ = true;
  std::string scratch_;
};

constexpr size_t kPageSize = 1000;

struct Pass {
  CsvExport out;
  bool needs_file_column = false;  // a row named a file the header has no column for
};

Result<Pass> export_pass(store::Store& store, const store::Task& task,
                         const CsvExportLimits& limits, bool file_column) {
  Pass pass;
  CsvExport& out = pass.out;
  const csv::Dialect dialect = dialect_of(task.options_json);
  RowWriter writer(dialect.delimiter, dialect.quote);

  std::vector<std::string> columns = header_columns(task.header_json);
  // A loaded error report: keep its data columns, not its old error block.
  columns.resize(columns.size() - schema::error_report_column_count(columns));
  for (const auto& c : columns) writer.field(out.body, c);
  if (file_column) writer.field(out.body, schema::kErrorFileColumn);
  for (std::string_view c : schema::kErrorReportColumns) writer.field(out.body, c);
  writer.end(out.body);

  std::string cursor;
  std::string row;
  while (true) {
    auto page = store.row_errors_page(task.id, kPageSize, cursor);
    if (!page.ok()) return page.error();
    for (const auto& e : page->items) {
      if (!file_column && !e.file.empty()) {
        pass.needs_file_column = true;
        return pass;
      }
      if (out.rows >= limits.max_rows) {
        out.truncated = true;
        return pass;
      }
      row.clear();
      // Without a header there is no width to keep the raw fields in.
      if (!columns.empty()) {
        for (const auto& f : split_raw(e.raw, dialect, columns.size())) writer.field(row, f);
      }
      if (file_column) writer.field(row, e.file);
      writer.field(row, std::to_string(e.line));
      writer.field(row, e.column);
      writer.field(row, e.code);
      writer.field(row, e.message);
      writer.end(row);
      if (out.body.size() + row.size() > limits.max_bytes) {
        out.truncated = true;
        return pass;
      }
      out.body += row;
      ++out.rows;
    }
    if (!page->next_cursor) break;
    cursor = std::move(*page->next_cursor);
  }
  return pass;
}

}  // namespace

void append_csv_field(std::string& out, std::string_view field, char delimiter, char quote) {
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

void append_valid_utf8(std::string& out, std::string_view text) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  while (!text.empty()) {
    size_t bad = 0;
    const size_t n = utf8_sequence(text, &bad);
    if (n > 0) {
      out.append(text.substr(0, n));
      text.remove_prefix(n);
    } else {
      out += kReplacement;
      text.remove_prefix(bad);
    }
  }
}

std::vector<std::string> split_raw_record(std::string_view raw, std::string_view options_json,
                                          size_t width) {
  return split_raw(raw, dialect_of(options_json), width);
}

Result<CsvExport> export_row_errors_csv(store::Store& store, const store::Task& task,
                                        const CsvExportLimits& limits) {
  // The file column is decided before the header row is written: by the
  // uri, and again (a second pass) in the unlikely case a row disagrees.
  const bool prefix_load = task.uri.ends_with('/');
  auto pass = export_pass(store, task, limits, prefix_load);
  if (pass.ok() && pass->needs_file_column) pass = export_pass(store, task, limits, true);
  if (!pass.ok()) return pass.error();
  return std::move(pass->out);
}

}  // namespace skillsync::api
