#include "api/error_report.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cstring>

#include "csv/csv.hpp"
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

void end_row(std::string& out) { out += "\r\n"; }

constexpr size_t kPageSize = 1000;

}  // namespace

void append_csv_field(std::string& out, std::string_view field) {
  bool quote = field.find_first_of(",\"\r\n") != std::string_view::npos ||
               (!field.empty() && (field.front() == ' ' || field.back() == ' '));
  if (!quote) {
    out += field;
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::vector<std::string> split_raw_record(std::string_view raw, std::string_view options_json,
                                          size_t width) {
  csv::Dialect dialect;
  if (auto opts = tasks::load_options_from_json(options_json); opts.ok()) {
    dialect = opts->dialect();
  }
  // One short record: a small buffer, not the reader's 1 MiB default.
  dialect.read_buffer_bytes = std::max<size_t>(raw.size() + 16, 64);
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

Result<CsvExport> export_row_errors_csv(store::Store& store, const store::Task& task,
                                        const CsvExportLimits& limits) {
  CsvExport out;
  std::vector<std::string> columns = header_columns(task.header_json);
  for (const auto& c : columns) {
    append_csv_field(out.body, c);
    out.body += ',';
  }
  out.body += "error_line,error_column,error_code,error_message";
  end_row(out.body);

  std::string cursor;
  std::string row;
  while (true) {
    auto page = store.row_errors_page(task.id, kPageSize, cursor);
    if (!page.ok()) return page.error();
    for (const auto& e : page->items) {
      if (out.rows >= limits.max_rows) {
        out.truncated = true;
        return out;
      }
      row.clear();
      // Without a header there is no width to keep the raw fields in.
      if (!columns.empty()) {
        for (const auto& f : split_raw_record(e.raw, task.options_json, columns.size())) {
          append_csv_field(row, f);
          row += ',';
        }
      }
      row += std::to_string(e.line);
      row += ',';
      append_csv_field(row, e.column);
      row += ',';
      append_csv_field(row, e.code);
      row += ',';
      append_csv_field(row, e.message);
      end_row(row);
      if (out.body.size() + row.size() > limits.max_bytes) {
        out.truncated = true;
        return out;
      }
      out.body += row;
      ++out.rows;
    }
    if (!page->next_cursor) break;
    cursor = std::move(*page->next_cursor);
  }
  return out;
}

}  // namespace skillsync::api
