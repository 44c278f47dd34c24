#include "api/error_report.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "common/string_byte_reader.hpp"
#include "common/utf8.hpp"
#include "csv/csv.hpp"
#include "schema/schema.hpp"
#include "tasks/load_options.hpp"

namespace skillsync::api {
namespace json = boost::json;

namespace {

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
  StringByteReader input{std::string(raw)};
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

class RowWriter {
 public:
  RowWriter(char delimiter, char quote) : delimiter_(delimiter), quote_(quote) {}

  // Appends one field (after a delimiter unless it is the row's first),
  // made valid UTF-8 first.
  void field(std::string& row, std::string_view value) {
    if (!first_) row += delimiter_;
    first_ = false;
    if (!utf8::is_valid(value)) {
      scratch_.clear();
      utf8::append_valid(scratch_, value);
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

void append_valid_utf8(std::string& out, std::string_view text) { utf8::append_valid(out, text); }

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
