// The CSV error report of a task, streamed a page of row errors at a time
// (see error_report.hpp).
#include "tasks/error_report.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "common/string_byte_reader.hpp"
#include "csv/csv.hpp"
#include "csv/csv_writer.hpp"
#include "schema/schema.hpp"
#include "tasks/load_options.hpp"

namespace skillsync::tasks {
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

}  // namespace

std::vector<std::string> split_raw_record(std::string_view raw, std::string_view options_json,
                                          size_t width) {
  return split_raw(raw, dialect_of(options_json), width);
}

struct CsvReportStream::State {
  State(store::Store& st, TaskView t, size_t rows, size_t page)
      : store(st),
        task(std::move(t)),
        max_rows(rows),
        page_rows(page),
        dialect(dialect_of(task.options_json)),
        writer(dialect.delimiter, dialect.quote) {}

  store::Store& store;
  TaskView task;
  size_t max_rows;
  size_t page_rows;
  csv::Dialect dialect;
  csv::RowWriter writer;
  std::vector<std::string> columns;
  bool file_column = false;
  bool truncated = false;
  bool header_done = false;
  size_t rows = 0;
  std::vector<store::RowError> page;
  size_t at = 0;
  std::optional<std::string> cursor = std::string();  // nullopt: no page left

  std::string header_row() {
    std::string row;
    for (const auto& c : columns) writer.field(row, c);
    if (file_column) writer.field(row, schema::kErrorFileColumn);
    for (std::string_view c : schema::kErrorReportColumns) writer.field(row, c);
    writer.end(row);
    return row;
  }

  std::string error_row(const store::RowError& e) {
    std::string row;
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
    return row;
  }
};

CsvReportStream::CsvReportStream(store::Store& store, TaskView task, size_t max_rows,
                                 size_t page_rows)
    : s_(std::make_unique<State>(store, std::move(task), max_rows, page_rows)) {}

CsvReportStream::~CsvReportStream() = default;

bool CsvReportStream::truncated() const { return s_->truncated; }

Status CsvReportStream::prepare() {
  State& s = *s_;
  s.columns = header_columns(s.task.header_json);
  // A loaded error report: keep its data columns, not its old error block.
  s.columns.resize(s.columns.size() - schema::error_report_column_count(s.columns));
  // The first page now: it decides, with the uri, whether there is a file
  // column (a prefix load; only its rows name files).
  SKILLSYNC_ASSIGN_OR_RETURN(store::RowErrorPage page,
                             s.store.row_errors_page(s.task.id, s.page_rows, ""));
  s.page = std::move(page.items);
  s.cursor = std::move(page.next_cursor);
  s.file_column = s.task.uri.ends_with('/') ||
                  std::any_of(s.page.begin(), s.page.end(),
                              [](const store::RowError& e) { return !e.file.empty(); });
  // Every rejected row has its row error: their count is the task's.
  s.truncated = s.task.progress.rows_rejected > s.max_rows;
  return ok_status();
}

Result<std::optional<std::string>> CsvReportStream::next_row() {
  State& s = *s_;
  if (!s.header_done) {
    s.header_done = true;
    return std::optional<std::string>(s.header_row());
  }
  if (s.rows >= s.max_rows) return std::optional<std::string>();
  while (s.at >= s.page.size()) {
    if (!s.cursor) return std::optional<std::string>();
    SKILLSYNC_ASSIGN_OR_RETURN(store::RowErrorPage page,
                               s.store.row_errors_page(s.task.id, s.page_rows, *s.cursor));
    s.page = std::move(page.items);
    s.at = 0;
    s.cursor = std::move(page.next_cursor);
  }
  ++s.rows;
  return std::optional<std::string>(s.error_row(s.page[s.at++]));
}

Result<std::string> CsvReportStream::next(size_t piece_bytes) {
  std::string piece;
  while (piece.size() < piece_bytes) {
    SKILLSYNC_ASSIGN_OR_RETURN(std::optional<std::string> row, next_row());
    if (!row) break;
    piece += *row;
  }
  return piece;
}

Result<CsvExport> export_row_errors_csv(store::Store& store, const TaskView& task,
                                        const CsvExportLimits& limits) {
  CsvReportStream stream(store, task, limits.max_rows, 1000);
  SKILLSYNC_TRY(stream.prepare());
  CsvExport out;
  out.truncated = stream.truncated();
  bool header = true;
  while (true) {
    SKILLSYNC_ASSIGN_OR_RETURN(std::optional<std::string> row, stream.next_row());
    if (!row) break;
    if (out.body.size() + row->size() > limits.max_bytes) {
      out.truncated = true;
      break;
    }
    out.body += *row;
    if (!header) ++out.rows;
    header = false;
  }
  return out;
}

}  // namespace skillsync::tasks
